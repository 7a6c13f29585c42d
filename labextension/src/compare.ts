/**
 * The main-area comparison of two runs: metrics overlaid and config side by side.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { IChartSeries, lineChart, SERIES_COLORS } from './chart';
import { differs, flattenConfig } from './config';
import { h, showValue, statusBadge } from './dom';
import { requestAPI } from './request';
import { CHART_POINTS, runPath, section } from './runview';
import { IMetricsReply, IRunRecord, IRunRef } from './tokens';

export class CompareView extends Widget {
  constructor(
    readonly refs: IRunRef[],
    private trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-SacredRunView');
    this.addClass('jp-SacredCompareView');
    const ids = refs.map(ref => ref.runId).join(' / ');
    this.id = `jp-sacred-compare-${refs.map(ref => `${ref.store}-${ref.runId}`).join('-')}`.replace(/[^\w-]/g, '_');
    this.title.label = trans.__('Compare %1', ids);
    this.title.closable = true;
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const records = await Promise.all(
        this.refs.map(ref => requestAPI<IRunRecord>(runPath(ref), { store: ref.store }))
      );
      const metrics = await Promise.all(
        this.refs.map(ref =>
          requestAPI<IMetricsReply>(runPath(ref, 'metrics'), { store: ref.store, points: CHART_POINTS })
        )
      );
      if (!this.isDisposed) {
        this.render(records, metrics);
      }
    } catch (error) {
      this.node.replaceChildren(h('p', { className: 'jp-SacredError' }, String((error as Error).message)));
    }
  }

  private label(record: IRunRecord): string {
    return `#${record.summary.id} ${record.summary.experiment ?? ''}`;
  }

  private render(records: IRunRecord[], metrics: IMetricsReply[]): void {
    const trans = this.trans;
    const header = h(
      'header',
      { className: 'jp-SacredRunHeader' },
      h('h2', {}, trans.__('Comparison')),
      ...records.map(record =>
        h('p', {}, this.label(record), ' ', statusBadge(record.summary.status), ` ${record.store}`)
      )
    );
    this.node.replaceChildren(
      header,
      section(trans.__('Metrics'), this.overlays(records, metrics)),
      section(trans.__('Config'), this.configTable(records))
    );
  }

  private overlays(records: IRunRecord[], metrics: IMetricsReply[]): HTMLElement {
    const names = [...new Set(metrics.flatMap(reply => reply.metrics.map(series => series.name)))].sort();
    if (names.length === 0) {
      return h('p', { className: 'jp-SacredEmpty' }, this.trans.__('No metrics logged.'));
    }
    const grid = h('div', { className: 'jp-SacredCharts' });
    for (const name of names) {
      // Only the runs that logged the metric are drawn and listed; each run
      // keeps its colour in every chart.
      const series: IChartSeries[] = [];
      metrics.forEach((reply, index) => {
        const found = reply.metrics.find(item => item.name === name);
        if (found && found.values.length > 0) {
          series.push({
            label: this.label(records[index]),
            steps: found.steps,
            values: found.values,
            color: SERIES_COLORS[index % SERIES_COLORS.length]
          });
        }
      });
      grid.appendChild(lineChart(name, series, true));
    }
    return grid;
  }

  private configTable(records: IRunRecord[]): HTMLElement {
    const flats = records.map(record => flattenConfig(record.config ?? {}));
    const keys = [...new Set(flats.flatMap(flat => [...flat.keys()]))].sort();
    const head = h('thead', {}, h('tr', {}, h('th', {}, this.trans.__('Key')),
      ...records.map(record => h('th', {}, this.label(record)))));
    const body = h('tbody', {});
    for (const key of keys) {
      const values = flats.map(flat => flat.get(key));
      const differing = values.some(value => differs(value, values[0]));
      body.appendChild(
        h(
          'tr',
          { 'data-mark': differing ? 'different' : '' },
          h('td', {}, key),
          ...values.map(value => h('td', {}, value === undefined ? '—' : showValue(value)))
        )
      );
    }
    return h('table', { className: 'jp-SacredTable jp-SacredConfig' }, head, body);
  }
}
