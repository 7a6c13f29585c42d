/**
 * Mime renderer for the run output of an `%%experiment` cell: a button that
 * opens the run in the Runs panel.
 */

import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { h } from './dom';
import { IRunRef, OPEN_RUN_EVENT, RUN_MIME_TYPE } from './tokens';

interface IRunOutput {
  store: string;
  run_id: string | number;
}

export class RunLinkRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('jp-SacredRunLink');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const trans = (this.options.translator ?? nullTranslator).load('jupyter_sacred');
    const data = model.data[RUN_MIME_TYPE] as unknown as IRunOutput;
    const ref: IRunRef = { store: String(data.store), runId: String(data.run_id) };

    const button = h('button', { className: 'jp-mod-styled jp-SacredRunLink-button', title: ref.store },
      trans.__('Open run %1 in the Runs panel', ref.runId));
    button.addEventListener('click', () => {
      // The main plugin listens on the document, so the event must bubble up.
      this.node.dispatchEvent(new CustomEvent<IRunRef>(OPEN_RUN_EVENT, { bubbles: true, detail: ref }));
    });
    this.node.replaceChildren(button);
  }
}

const extension: IRenderMime.IExtension = {
  id: 'jupyter-sacred:run-link',
  description: 'Renders the run output of an %%experiment cell as a link to the Runs panel.',
  rendererFactory: {
    safe: true,
    mimeTypes: [RUN_MIME_TYPE],
    createRenderer: options => new RunLinkRenderer(options)
  },
  rank: 0,
  dataType: 'json'
};

export default extension;
