// eigenlens custom elements: one line in a page (or a Markdown post) loads them all.
//   <script type="module" src="https://example.org/eigenlens/eigenlens.js"></script>
//   <eigenlens-spectrum src="layer.npy" estimator="stringer" lo="11" hi="500"></eigenlens-spectrum>
//   <eigenlens-projections src="sweep.npy" param="t.npy" k="5" seed="1"></eigenlens-projections>
//   <eigenlens-toy sparsity="0,0.9,0.99"></eigenlens-toy>
// The WebAssembly core loads lazily, once per page, in workers that every element shares. From a
// CDN (another origin) it needs CORS headers there; a host that cannot serve the worker and the
// wasm next to this script hands them over with provideAssets (./assets.js) first.
// A new element is one file in ./elements/ (a subclass of EigenlensElement with a static `tag`)
// and one entry in ELEMENTS below.
import { setScriptUrl } from './elements/base.js';
import { EigenlensSpectrum } from './elements/spectrum.js';
import { EigenlensProjections } from './elements/projections.js';
import { EigenlensToy } from './elements/toy.js';
import { EigenlensCompare } from './elements/compare.js';

export { provideAssets } from './assets.js';

setScriptUrl(import.meta.url);

/** The elements this script defines. */
export const ELEMENTS = [EigenlensSpectrum, EigenlensProjections, EigenlensToy, EigenlensCompare];

for (const element of ELEMENTS) {
  if (!customElements.get(element.tag)) customElements.define(element.tag, element);
}
