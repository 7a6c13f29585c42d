/**
 * The "Runs" sidebar: the runs table of a store, with a filter, paging and
 * a selection of two runs to compare.
 */

import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { formatDuration, formatTime, h, showResult, statusBadge } from './dom';
import { requestAPI } from './request';
import { IRunRef, IRunsPage, IStoresReply } from './tokens';

/** Milliseconds between refreshes while a listed run is RUNNING. */
const LIVE_REFRESH_MS = 5000;
const PAGE_SIZE = 50;
const STATUSES = ['', 'RUNNING', 'COMPLETED', 'FAILED', 'INTERRUPTED', 'TIMEOUT', 'QUEUED', 'DEAD'];
/**
 * Columns of the runs table. The stylesheet hides the later ones when the
 * sidebar is narrow; each row's tooltip still shows every value.
 */
const COLUMNS = ['select', 'id', 'experiment', 'status', 'result', 'duration', 'start', 'comment'] as const;
type Column = (typeof COLUMNS)[number];

function cell(column: Column, content: Node | string, title?: string): HTMLElement {
  const attributes: { [name: string]: string } = { className: `jp-SacredCol-${column}` };
  if (title) {
    attributes.title = title;
  }
  return h('td', attributes, content);
}

export interface IRunsPanelOptions {
  trans: TranslationBundle;
  openRun: (ref: IRunRef) => void;
  compareRuns: (refs: IRunRef[]) => void;
}

export class RunsPanel extends Widget {
  constructor(private options: IRunsPanelOptions) {
    super();
    const trans = options.trans;
    this.id = 'jp-sacred-runs';
    this.addClass('jp-SacredRunsPanel');
    this.title.caption = trans.__('Sacred runs');

    this._storeSelect = h('select', { className: 'jp-SacredStoreSelect', 'aria-label': trans.__('Store') });
    this._storeSelect.addEventListener('change', () => this.showStore(this._storeSelect.value));
    const refreshButton = h('button', { className: 'jp-mod-styled', title: trans.__('Refresh') }, '⟳');
    refreshButton.addEventListener('click', () => void this.refresh());

    this._filter = h('input', {
      className: 'jp-SacredFilter',
      type: 'search',
      placeholder: trans.__('Filter by id, experiment, comment…')
    });
    this._filter.addEventListener('input', () => {
      window.clearTimeout(this._filterTimer);
      this._filterTimer = window.setTimeout(() => this.firstPage(), 250);
    });
    this._status = h('select', { 'aria-label': trans.__('Status') },
      ...STATUSES.map(status => h('option', { value: status }, status || trans.__('any status'))));
    this._status.addEventListener('change', () => this.firstPage());

    this._compareButton = h('button', { className: 'jp-mod-styled jp-mod-accept', disabled: '' },
      trans.__('Compare selected'));
    this._compareButton.addEventListener('click', () => this.compareSelected());

    this._message = h('p', { className: 'jp-SacredMuted' });
    this._table = h('tbody', {});
    this._pager = h('div', { className: 'jp-SacredPager' });

    const headings: { [column in Column]: string } = {
      select: '',
      id: trans.__('Id'),
      experiment: trans.__('Experiment'),
      status: trans.__('Status'),
      result: trans.__('Result'),
      duration: trans.__('Duration'),
      start: trans.__('Start'),
      comment: trans.__('Comment')
    };
    this.node.append(
      h('div', { className: 'jp-SacredToolbar' }, this._storeSelect, refreshButton),
      h('div', { className: 'jp-SacredToolbar' }, this._filter, this._status),
      h('div', { className: 'jp-SacredTableWrap' },
        h('table', { className: 'jp-SacredTable jp-SacredRuns' },
          h('thead', {}, h('tr', {}, ...COLUMNS.map(column =>
            h('th', { className: `jp-SacredCol-${column}` }, headings[column])))),
          this._table)),
      this._pager,
      h('div', { className: 'jp-SacredToolbar' }, this._compareButton),
      this._message
    );
    void this.loadStores();
  }

  /** Path of the store the table shows. */
  get store(): string {
    return this._storeSelect.value;
  }

  /** Show a store in the table, adding it to the choices when it is not configured. */
  showStore(path: string): void {
    if (![...this._storeSelect.options].some(option => option.value === path)) {
      this._storeSelect.appendChild(h('option', { value: path }, path));
    }
    this._storeSelect.value = path;
    this._selected.clear();
    this._compareButton.disabled = true;
    this.firstPage();
  }

  dispose(): void {
    window.clearTimeout(this._timer);
    window.clearTimeout(this._filterTimer);
    super.dispose();
  }

  /** Reload the current page of runs; while a run is RUNNING, the next reload is scheduled. */
  async refresh(): Promise<void> {
    window.clearTimeout(this._timer);
    if (!this.store) {
      return;
    }
    try {
      const page = await requestAPI<IRunsPage>('runs', {
        store: this.store,
        q: this._filter.value,
        status: this._status.value,
        offset: this._offset,
        limit: PAGE_SIZE
      });
      this.renderPage(page);
      if (page.running > 0) {
        this._timer = window.setTimeout(() => void this.refresh(), LIVE_REFRESH_MS);
      }
    } catch (error) {
      this._message.textContent = String((error as Error).message);
    }
  }

  private async loadStores(): Promise<void> {
    try {
      const reply = await requestAPI<IStoresReply>('stores');
      const chosen = this.store;
      for (const store of reply.stores) {
        if (![...this._storeSelect.options].some(option => option.value === store.path)) {
          this._storeSelect.appendChild(h('option', { value: store.path, title: store.path }, store.label));
        }
      }
      this.showStore(chosen || reply.stores[0]?.path || '');
    } catch (error) {
      this._message.textContent = String((error as Error).message);
    }
  }

  private firstPage(): void {
    this._offset = 0;
    void this.refresh();
  }

  private renderPage(page: IRunsPage): void {
    const trans = this.options.trans;
    this._table.replaceChildren(...page.runs.map(run => {
      const ref = { store: this.store, runId: run.id };
      const checkbox = h('input', { type: 'checkbox', 'aria-label': trans.__('Select run %1', run.id) });
      checkbox.checked = this._selected.has(run.id);
      checkbox.addEventListener('click', event => event.stopPropagation());
      checkbox.addEventListener('change', () => this.toggle(run.id, checkbox.checked));
      const result = showResult(run.result);
      const started = formatTime(run.start_time);
      const duration = formatDuration(run.duration);
      const tooltip = [
        trans.__('Open run %1', run.id),
        [run.experiment, run.status].filter(Boolean).join(' '),
        started ? trans.__('started %1', started) : '',
        duration ? trans.__('duration %1', duration) : '',
        result ? trans.__('result %1', result) : '',
        run.comment ?? ''
      ].filter(Boolean).join('\n');
      const row = h('tr', { 'data-run-id': run.id, title: tooltip },
        cell('select', checkbox),
        cell('id', run.id),
        cell('experiment', run.experiment ?? ''),
        cell('status', statusBadge(run.status)),
        cell('result', result, result),
        cell('duration', duration),
        cell('start', formatTime(run.start_time, true), started),
        cell('comment', run.comment ?? '', run.comment ?? ''));
      row.addEventListener('click', () => this.options.openRun(ref));
      return row;
    }));

    if (!page.store.exists) {
      this._message.textContent = trans.__('The store %1 does not exist yet.', page.store.path);
    } else if (page.total === 0) {
      this._message.textContent = trans.__('No runs match.');
    } else {
      this._message.textContent = trans.__('%1 runs', page.total);
    }
    this.renderPager(page);
  }

  private renderPager(page: IRunsPage): void {
    const trans = this.options.trans;
    this._pager.replaceChildren();
    if (page.total <= page.limit) {
      return;
    }
    const previous = h('button', { className: 'jp-mod-styled' }, trans.__('Previous'));
    const next = h('button', { className: 'jp-mod-styled' }, trans.__('Next'));
    previous.disabled = page.offset === 0;
    next.disabled = page.offset + page.limit >= page.total;
    previous.addEventListener('click', () => this.turn(-page.limit));
    next.addEventListener('click', () => this.turn(page.limit));
    const last = Math.min(page.offset + page.limit, page.total);
    this._pager.append(previous, ` ${page.offset + 1}–${last} / ${page.total} `, next);
  }

  private turn(delta: number): void {
    this._offset = Math.max(0, this._offset + delta);
    void this.refresh();
  }

  private toggle(runId: string, checked: boolean): void {
    if (checked) {
      this._selected.add(runId);
    } else {
      this._selected.delete(runId);
    }
    this._compareButton.disabled = this._selected.size !== 2;
  }

  private compareSelected(): void {
    const refs = [...this._selected].map(runId => ({ store: this.store, runId }));
    if (refs.length === 2) {
      this.options.compareRuns(refs);
    }
  }

  private _storeSelect: HTMLSelectElement;
  private _filter: HTMLInputElement;
  private _status: HTMLSelectElement;
  private _compareButton: HTMLButtonElement;
  private _message: HTMLElement;
  private _table: HTMLElement;
  private _pager: HTMLElement;
  private _selected = new Set<string>();
  private _offset = 0;
  private _timer = 0;
  private _filterTimer = 0;
}
