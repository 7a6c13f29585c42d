/**
 * Interfaces of the run browser's REST API and the ids of its commands.
 */

/** MIME type of the output an `%%experiment` cell emits for its run. */
export const RUN_MIME_TYPE = 'application/vnd.jupyter-sacred.run+json';

/**
 * DOM event a rendered run link dispatches (bubbling) when clicked; the main
 * plugin listens for it on the document and opens the run.
 */
export const OPEN_RUN_EVENT = 'jupyter-sacred:open-run';

export namespace CommandIDs {
  export const openPanel = 'jupyter-sacred:open-panel';
  export const openRun = 'jupyter-sacred:open-run';
  export const compareRuns = 'jupyter-sacred:compare-runs';
  export const refresh = 'jupyter-sacred:refresh';
}

/** A run in a store: what a command or a link needs to open it. */
export interface IRunRef {
  store: string;
  runId: string;
}

export interface IStoreInfo {
  label: string;
  path: string;
  exists: boolean;
}

export interface IStoresReply {
  stores: IStoreInfo[];
  allow_root_stores: boolean;
}

/** One row of the runs table. `status` is DEAD for a RUNNING run with a stale heartbeat. */
export interface IRunRow {
  id: string;
  experiment: string | null;
  command: string | null;
  status: string;
  start_time: string | null;
  stop_time: string | null;
  heartbeat: string | null;
  duration: number | null;
  result: unknown;
  comment: string | null;
  host: string | null;
}

export interface IRunsPage {
  store: IStoreInfo;
  total: number;
  offset: number;
  limit: number;
  runs: IRunRow[];
  experiments: string[];
  running: number;
}

/** Sacred's config modifications: dotted keys of added, modified and type-changed entries. */
export interface IConfigModifications {
  added?: string[];
  modified?: string[];
  typechanged?: string[] | { [key: string]: unknown };
}

export interface IGitRepository {
  url?: string;
  commit?: string;
  dirty?: boolean;
}

export interface ISourceEntry {
  name: string;
  stored: string;
  available: boolean;
}

export interface IArtifactEntry {
  name: string;
  size: number | null;
}

/** A run's record: run.json, config, info, artifacts, sources and git state. */
export interface IRunRecord {
  store: string;
  summary: IRunRow;
  run: { [key: string]: any };
  config: { [key: string]: any };
  info: { [key: string]: any };
  config_modifications: IConfigModifications | null;
  config_updates: { [key: string]: any } | null;
  artifacts: IArtifactEntry[];
  sources: ISourceEntry[];
  git: IGitRepository[];
}

/** A metric series reduced by the server; `count` is the length before reduction. */
export interface IMetricSeries {
  name: string;
  count: number;
  steps: number[];
  values: number[];
}

export interface IMetricsReply {
  run_id: string;
  metrics: IMetricSeries[];
}

export interface IOutputTail {
  text: string;
  size: number;
  truncated: boolean;
}

export interface ISourceText {
  name: string;
  stored: string;
  size: number;
  truncated: boolean;
  text: string;
}
