/**
 * Mime renderer for the run output of an `%%experiment` cell: a button that
 * opens the run in the Runs panel, above the static summary of the same output.
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
    this.node.replaceChildren(button, this.summary(model));
  }

  /**
   * Render the output's own summary, because this renderer outranks the
   * text/html, image/png and text/plain entries of the same bundle.
   */
  private summary(model: IRenderMime.IMimeModel): HTMLElement {
    const summary = h('div', { className: 'jp-SacredRunLink-summary' });
    const html = model.data['text/html'];
    const png = model.data['image/png'];
    if (typeof html === 'string' || Array.isArray(html)) {
      const text = Array.isArray(html) ? html.join('') : html;
      summary.innerHTML = this.options.sanitizer.sanitize(text);
    } else if (typeof png === 'string') {
      summary.appendChild(h('img', { src: `data:image/png;base64,${png}` }));
    } else {
      const plain = model.data['text/plain'];
      summary.appendChild(h('pre', {}, Array.isArray(plain) ? plain.join('') : String(plain ?? '')));
    }
    return summary;
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
