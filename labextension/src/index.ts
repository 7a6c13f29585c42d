import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { LabIcon } from '@jupyterlab/ui-components';

import { CompareView } from './compare';
import { RunsPanel } from './panel';
import { RunView } from './runview';
import { CommandIDs, IRunRef, OPEN_RUN_EVENT } from './tokens';

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
  '<path d="M3 19h18v2H3zM5 11h3v7H5zm5.5-5h3v12h-3zM16 8h3v10h-3z"/></g></svg>';

const runsIcon = new LabIcon({ name: 'jupyter-sacred:runs', svgstr: ICON_SVG });

function isRunRef(value: unknown): value is IRunRef {
  const ref = value as IRunRef;
  return !!ref && typeof ref.store === 'string' && typeof ref.runId === 'string';
}

/**
 * The Runs sidebar, the run and comparison views, and their commands.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'jupyter-sacred:plugin',
  description: 'Browse, open and compare Sacred runs.',
  autoStart: true,
  optional: [ITranslator, ICommandPalette, ILayoutRestorer],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const trans = (translator ?? nullTranslator).load('jupyter_sacred');
    const views = new Map<string, MainAreaWidget>();

    const show = (id: string, create: () => MainAreaWidget) => {
      let widget = views.get(id);
      if (!widget || widget.isDisposed) {
        widget = create();
        views.set(id, widget);
        widget.disposed.connect(() => views.delete(id));
        app.shell.add(widget, 'main');
      }
      app.shell.activateById(widget.id);
    };

    const panel = new RunsPanel({
      trans,
      openRun: ref => void app.commands.execute(CommandIDs.openRun, { ...ref }),
      compareRuns: refs => void app.commands.execute(CommandIDs.compareRuns, { runs: refs.map(ref => ({ ...ref })) })
    });
    panel.title.icon = runsIcon;
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'jupyter-sacred-runs');

    app.commands.addCommand(CommandIDs.openPanel, {
      label: trans.__('Show Sacred Runs'),
      execute: () => app.shell.activateById(panel.id)
    });

    app.commands.addCommand(CommandIDs.refresh, {
      label: trans.__('Refresh Sacred Runs'),
      execute: () => panel.refresh()
    });

    app.commands.addCommand(CommandIDs.openRun, {
      label: trans.__('Open Sacred Run'),
      execute: args => {
        if (!isRunRef(args)) {
          throw new Error(trans.__('Open Sacred Run needs the arguments store and runId.'));
        }
        const ref = { store: args.store, runId: args.runId };
        if (panel.store !== ref.store) {
          panel.showStore(ref.store);
        }
        show(`run:${ref.store}:${ref.runId}`, () => {
          const content = new RunView(ref, trans);
          const widget = new MainAreaWidget({ content });
          widget.id = content.id;
          widget.title.icon = runsIcon;
          return widget;
        });
      }
    });

    app.commands.addCommand(CommandIDs.compareRuns, {
      label: trans.__('Compare Sacred Runs'),
      execute: args => {
        const refs = (args.runs as unknown[] | undefined)?.filter(isRunRef) ?? [];
        if (refs.length !== 2) {
          throw new Error(trans.__('Compare Sacred Runs needs two runs, got %1.', refs.length));
        }
        show(`compare:${refs.map(ref => `${ref.store}:${ref.runId}`).join('|')}`, () => {
          const content = new CompareView(refs, trans);
          const widget = new MainAreaWidget({ content });
          widget.id = content.id;
          widget.title.icon = runsIcon;
          return widget;
        });
      }
    });

    palette?.addItem({ command: CommandIDs.openPanel, category: trans.__('Sacred') });
    palette?.addItem({ command: CommandIDs.refresh, category: trans.__('Sacred') });

    // Run links rendered in notebook outputs (mime.ts) bubble this event up.
    document.addEventListener(OPEN_RUN_EVENT, event => {
      const ref = (event as CustomEvent<IRunRef>).detail;
      if (isRunRef(ref)) {
        app.shell.activateById(panel.id);
        void app.commands.execute(CommandIDs.openRun, { ...ref });
      }
    });
  }
};

export default plugin;
