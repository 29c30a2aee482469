// The classic-script form of the one line a post needs, for the elements served from another
// origin (a CDN):
//   <script src="https://cdn.example/npm/eigenlens/dist-pkg/loader.js" defer></script>
// It imports eigenlens.js from beside itself. A module from another origin needs CORS headers
// there; when it cannot be loaded (no CORS, a 404, a Content-Security-Policy), a plain
// <script type="module"> fails with a console message only and the figures stay empty. This
// script instead writes why inside each eigenlens element on the page. Not a module, no imports:
// a classic script loads from any origin.
(() => {
  const script = document.currentScript;
  if (!script?.src) return;
  const url = new URL('eigenlens.js', script.src).href;
  import(url).catch((e) => {
    const origin = new URL(url).origin;
    const message = `eigenlens could not be loaded from ${url} (${e?.message ?? e}). ` +
      (origin === location.origin ? '' : `A module from another origin (${origin}) needs that server to send CORS headers ` +
        '(Access-Control-Allow-Origin), as CDNs serving npm packages do; or copy the package next to this page. ') +
      "A Content-Security-Policy must also allow it (script-src, connect-src and worker-src for its origin, worker-src blob:, and 'wasm-unsafe-eval').";
    const fallback = class extends HTMLElement {
      connectedCallback() {
        if (this.shadowRoot) return;
        const p = document.createElement('p');
        p.setAttribute('role', 'alert');
        p.setAttribute('part', 'error');
        p.style.cssText = 'color: var(--eigenlens-error, #b00020); overflow-wrap: anywhere; margin: 0.25rem 0';
        p.textContent = message;
        this.attachShadow({ mode: 'open' }).append(p);
        this.dataset.state = 'error';
      }
    };
    const tags = new Set([...document.querySelectorAll(':not(:defined)')]
      .map((el) => el.localName).filter((tag) => tag.startsWith('eigenlens-')));
    for (const tag of tags) customElements.define(tag, class extends fallback {});
    console.error(message);
  });
})();
