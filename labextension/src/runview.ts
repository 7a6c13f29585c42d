/**
 * The main-area view of one run: metrics, config, info, captured output,
 * artifacts, sources and git state.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { lineChart } from './chart';
import { configMark, flattenConfig } from './config';
import { formatDuration, formatTime, h, showResult, showValue, statusBadge } from './dom';
import { requestAPI, requestBlob } from './request';
import {
  IMetricsReply,
  IOutputTail,
  IRunRecord,
  IRunRef,
  ISourceText
} from './tokens';

/** Milliseconds between refreshes of a view whose run is RUNNING. */
const LIVE_REFRESH_MS = 5000;
/** Points per metric series the server sends for a chart. */
export const CHART_POINTS = 600;

export function runPath(ref: IRunRef, ...parts: string[]): string {
  return ['runs', encodeURIComponent(ref.runId), ...parts].join('/');
}

/** Build one section of a run view: a heading and its body, collapsible. */
export function section(title: string, ...body: (Node | null)[]): HTMLElement {
  return h(
    'details',
    { className: 'jp-SacredSection', open: '' },
    h('summary', {}, title),
    ...body
  );
}

export function metricCharts(
  reply: IMetricsReply,
  trans: TranslationBundle
): HTMLElement {
  if (reply.metrics.length === 0) {
    return h('p', { className: 'jp-SacredEmpty' }, trans.__('No metrics logged.'));
  }
  const grid = h('div', { className: 'jp-SacredCharts' });
  for (const series of reply.metrics) {
    const title =
      series.count > series.values.length
        ? trans.__('%1 (%2 points, min/max of each bucket shown)', series.name, series.count)
        : series.name;
    grid.appendChild(lineChart(title, [{ label: series.name, ...series }]));
  }
  return grid;
}

export class RunView extends Widget {
  constructor(
    readonly ref: IRunRef,
    private trans: TranslationBundle
  ) {
    super();
    this.addClass('jp-SacredRunView');
    this.id = `jp-sacred-run-${ref.store}-${ref.runId}`.replace(/[^\w-]/g, '_');
    this.title.label = trans.__('Run %1', ref.runId);
    this.title.caption = `${ref.store} / ${ref.runId}`;
    this.title.closable = true;
    void this.refresh();
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    super.dispose();
  }

  /** Load the run again and redraw; a RUNNING run schedules the next refresh. */
  async refresh(): Promise<void> {
    window.clearTimeout(this._timer);
    const params = { store: this.ref.store };
    try {
      const [record, metrics, output] = await Promise.all([
        requestAPI<IRunRecord>(runPath(this.ref), params),
        requestAPI<IMetricsReply>(runPath(this.ref, 'metrics'), {
          ...params,
          points: CHART_POINTS
        }),
        requestAPI<IOutputTail>(runPath(this.ref, 'output'), params)
      ]);
      if (this.isDisposed) {
        return;
      }
      this.render(record, metrics, output);
      if (record.summary.status === 'RUNNING') {
        this._timer = window.setTimeout(() => void this.refresh(), LIVE_REFRESH_MS);
      }
    } catch (error) {
      this.node.replaceChildren(
        h('p', { className: 'jp-SacredError' }, String((error as Error).message))
      );
    }
  }

  private render(record: IRunRecord, metrics: IMetricsReply, output: IOutputTail): void {
    const trans = this.trans;
    const summary = record.summary;
    this.title.label = trans.__('Run %1 %2', summary.id, summary.experiment ?? '');

    const header = h(
      'header',
      { className: 'jp-SacredRunHeader' },
      h('h2', {}, `${summary.experiment ?? ''} #${summary.id} `, statusBadge(summary.status)),
      h(
        'p',
        {},
        summary.result === null
          ? trans.__('Started %1, duration %2',
            formatTime(summary.start_time),
            formatDuration(summary.duration))
          : trans.__('Started %1, duration %2, result %3',
            formatTime(summary.start_time),
            formatDuration(summary.duration),
            showResult(summary.result)),
        summary.comment ? h('em', {}, ` ${summary.comment}`) : null
      ),
      h('p', { className: 'jp-SacredMuted' }, record.store)
    );

    const failTrace = record.run.fail_trace
      ? section(trans.__('Fail trace'), h('pre', {}, (record.run.fail_trace as string[]).join('')))
      : null;
    this.node.replaceChildren(
      header,
      failTrace ?? '',
      section(trans.__('Metrics'), metricCharts(metrics, trans)),
      section(trans.__('Config'), this.configTable(record)),
      section(trans.__('Info'), ...this.infoBlocks(record.info ?? {})),
      section(trans.__('Captured output'), this.outputBlock(output)),
      section(trans.__('Artifacts'), this.artifactList(record)),
      section(trans.__('Sources'), this.sourceList(record)),
      section(trans.__('Git'), this.gitTable(record)),
      section(trans.__('Host'), h('pre', {}, JSON.stringify(record.run.host ?? {}, null, 2)))
    );
  }

  private configTable(record: IRunRecord): HTMLElement {
    const trans = this.trans;
    const flat = flattenConfig(record.config ?? {});
    const labels: { [mark: string]: string } = {
      added: trans.__('added'),
      modified: trans.__('modified'),
      typechanged: trans.__('type changed'),
      updated: trans.__('updated')
    };
    const body = h('tbody', {});
    for (const [key, value] of flat) {
      const mark = configMark(key, record.config_modifications, record.config_updates);
      body.appendChild(
        h(
          'tr',
          { 'data-mark': mark },
          h('td', {}, key),
          h('td', {}, showValue(value)),
          h('td', { className: 'jp-SacredMark' }, mark ? labels[mark] : '')
        )
      );
    }
    return h('table', { className: 'jp-SacredTable jp-SacredConfig' }, body);
  }

  /**
   * Show the run's info: the user's own keys first, then the `notebook` key
   * that notebook runs record (cell hashes, paths), collapsed.
   */
  private infoBlocks(info: { [key: string]: any }): HTMLElement[] {
    const { notebook, ...own } = info;
    const blocks: HTMLElement[] = [];
    if (Object.keys(own).length > 0 || notebook === undefined) {
      blocks.push(h('pre', { className: 'jp-SacredInfo' }, JSON.stringify(own, null, 2)));
    }
    if (notebook !== undefined) {
      blocks.push(
        h('details', { className: 'jp-SacredInfoNotebook' },
          h('summary', {}, 'notebook'),
          h('pre', {}, JSON.stringify(notebook, null, 2)))
      );
    }
    return blocks;
  }

  private outputBlock(output: IOutputTail): HTMLElement {
    const note = output.truncated
      ? h('p', { className: 'jp-SacredMuted' },
          this.trans.__('Last %1 of %2 bytes.', output.text.length, output.size))
      : null;
    return h('div', {}, note, h('pre', { className: 'jp-SacredOutput' }, output.text));
  }

  private artifactList(record: IRunRecord): HTMLElement {
    if (record.artifacts.length === 0) {
      return h('p', { className: 'jp-SacredEmpty' }, this.trans.__('No artifacts.'));
    }
    const list = h('ul', { className: 'jp-SacredArtifacts' });
    for (const artifact of record.artifacts) {
      const button = h('button', { className: 'jp-mod-styled jp-mod-reject' }, artifact.name);
      button.addEventListener('click', () => void this.download(artifact.name));
      const size = artifact.size === null ? this.trans.__('missing') : `${artifact.size} B`;
      list.appendChild(h('li', {}, button, ` ${size}`));
    }
    return list;
  }

  private async download(name: string): Promise<void> {
    const path = runPath(this.ref, 'artifacts', ...name.split('/').map(encodeURIComponent));
    const blob = await requestBlob(path, { store: this.ref.store });
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: name.split('/').pop() ?? name });
    document.body.appendChild(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
  }

  private sourceList(record: IRunRecord): HTMLElement {
    const trans = this.trans;
    const container = h('div', {});
    const notebook = record.info?.notebook;
    if (notebook !== undefined) {
      container.appendChild(h('h3', {}, trans.__('Notebook')));
      container.appendChild(this.notebookInfo(notebook));
    }
    if (record.sources.length === 0 && notebook === undefined) {
      container.appendChild(h('p', { className: 'jp-SacredEmpty' }, trans.__('No sources stored.')));
    }
    for (const source of record.sources) {
      const text = h('pre', { className: 'jp-SacredSource' });
      const item = h('details', {}, h('summary', {}, source.name), text);
      item.addEventListener('toggle', () => {
        if ((item as HTMLDetailsElement).open && !text.textContent) {
          void this.loadSource(source.name, text);
        }
      });
      if (!source.available) {
        item.appendChild(h('p', { className: 'jp-SacredMuted' }, trans.__('Not stored in this store: %1', source.stored)));
      }
      container.appendChild(item);
    }
    return container;
  }

  /** Show `info["notebook"]`: where the notebook file was found and the executed cells. */
  private notebookInfo(notebook: any): HTMLElement {
    const trans = this.trans;
    if (notebook === null || typeof notebook !== 'object' || Array.isArray(notebook)) {
      return h('pre', {}, JSON.stringify(notebook, null, 2));
    }
    const rows: [string, string][] = [];
    if (notebook.path) {
      rows.push([trans.__('Path'), String(notebook.path)]);
    }
    if (notebook.found_by) {
      rows.push([trans.__('Found by'), String(notebook.found_by)]);
    }
    if (notebook.not_found) {
      rows.push([trans.__('Not stored'), String(notebook.not_found)]);
    }
    if (Array.isArray(notebook.cells)) {
      const counts = notebook.cells.map((cell: any) => `[${cell?.execution_count ?? ' '}]`);
      rows.push([trans.__('Executed cells'), counts.join(' ')]);
    }
    for (const warning of notebook.warnings ?? []) {
      rows.push([trans.__('Warning'), String(warning)]);
    }
    const body = h('tbody', {}, ...rows.map(([key, value]) => h('tr', {}, h('td', {}, key), h('td', {}, value))));
    return h('table', { className: 'jp-SacredTable jp-SacredNotebook' }, body);
  }

  private async loadSource(name: string, target: HTMLElement): Promise<void> {
    try {
      const reply = await requestAPI<ISourceText>(runPath(this.ref, 'source'), {
        store: this.ref.store,
        name
      });
      target.textContent = reply.text;
    } catch (error) {
      target.textContent = String((error as Error).message);
    }
  }

  private gitTable(record: IRunRecord): HTMLElement {
    if (record.git.length === 0) {
      return h('p', { className: 'jp-SacredEmpty' }, this.trans.__('No git repository recorded.'));
    }
    const body = h('tbody', {});
    for (const repository of record.git) {
      body.appendChild(
        h(
          'tr',
          {},
          h('td', {}, repository.url ?? ''),
          h('td', {}, repository.commit ?? ''),
          h('td', {}, repository.dirty ? this.trans.__('dirty') : this.trans.__('clean'))
        )
      );
    }
    return h('table', { className: 'jp-SacredTable' }, body);
  }

  private _timer = 0;
}
