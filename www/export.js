// Exports of what is on screen: a figure as SVG or PNG (2×), the report as JSON or CSV, and the
// markup that embeds the current view. Everything is made in the page and saved via Blob URLs.

/** Saves `blob` as `name` (a Blob URL on a detached link: nothing goes over the network). */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The first non-transparent background behind `el` (crossing shadow roots), or white. */
function backgroundOf(el) {
  for (let node = el; node; node = node.parentElement ?? node.getRootNode?.().host) {
    const bg = getComputedStyle(node).backgroundColor;
    if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) return bg;
  }
  return '#ffffff';
}

const PAINT = ['fill', 'stroke', 'color'];

/** A standalone copy of an on-screen SVG: CSS variables and currentColor resolved to the colours
 *  seen, the font fixed, and the background painted, so it looks the same in any viewer. */
export function standaloneSvg(svg) {
  const copy = svg.cloneNode(true);
  const originals = [svg, ...svg.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((orig, i) => {
    const style = getComputedStyle(orig);
    for (const attr of PAINT) {
      const value = copies[i].getAttribute(attr);
      if (value && /var\(|currentcolor/i.test(value)) copies[i].setAttribute(attr, style[attr]);
    }
  });
  const rootStyle = getComputedStyle(svg);
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('color', rootStyle.color);
  copy.style.color = rootStyle.color;
  copy.style.fontFamily = rootStyle.fontFamily;
  copy.style.maxWidth = '';
  const [, , w, h] = (svg.getAttribute('viewBox') ?? `0 0 ${svg.width.baseVal.value} ${svg.height.baseVal.value}`).split(/[\s,]+/).map(Number);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  const rect = { x: 0, y: 0, width: w, height: h, fill: backgroundOf(svg) };
  Object.entries(rect).forEach(([k, v]) => bg.setAttribute(k, v));
  copy.insertBefore(bg, copy.querySelector(':scope > :not(style)'));
  return copy;
}

/** The SVG text of an on-screen figure. */
export function svgText(svg) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(standaloneSvg(svg))}`;
}

export const svgBlob = (svg) => new Blob([svgText(svg)], { type: 'image/svg+xml' });

/** A PNG of the figure at `scale` × its on-screen size (canvas drawImage of the SVG). */
export async function pngBlob(svg, scale = 2) {
  const rect = svg.getBoundingClientRect();
  const width = Math.round(rect.width * scale);
  const height = Math.round(rect.height * scale);
  const url = URL.createObjectURL(svgBlob(svg));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').drawImage(img, 0, 0, width, height);
    return await new Promise((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The full report as JSON (f64 values print exactly: they round-trip bit for bit). */
export function reportJson(report) {
  return JSON.stringify(report, (key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value), 1);
}

export const jsonBlob = (report) => new Blob([reportJson(report)], { type: 'application/json' });

/** Eigenvalues by rank, with the fitted λ over the fit range; the fit itself in `#` lines on top
 *  (pandas: `read_csv(path, comment='#')`). */
export function reportCsv(report) {
  const fit = report.alpha_fit;
  const head = [
    `# eigenlens spectrum of ${report.source?.name ?? 'data'}: ${report.n_rows} rows x ${report.n_cols} columns`,
    `# fit: estimator=${fit.estimator} rank_lo=${fit.rank_lo} rank_hi=${fit.rank_hi} valid=${fit.valid}` +
      (fit.valid ? ` alpha=${fit.alpha} intercept=${fit.intercept} r2=${fit.r2} n_points=${fit.n_points}` : ` reason=${JSON.stringify(fit.reason)}`),
    `# participation_ratio=${report.participation_ratio} effective_rank=${report.effective_rank} k90=${report.k90} numerical_rank=${report.numerical_rank} total_variance=${report.total_variance}`,
    'rank,eigenvalue,in_fit,fitted',
  ];
  const rows = Array.from(report.eigenvalues, (lambda, i) => {
    const n = i + 1;
    const inFit = fit.valid && n >= fit.rank_lo && n <= fit.rank_hi;
    return `${n},${lambda},${inFit ? 1 : 0},${inFit ? Math.exp(fit.intercept) * n ** -fit.alpha : ''}`;
  });
  return `${[...head, ...rows].join('\n')}\n`;
}

export const csvBlob = (report) => new Blob([reportCsv(report)], { type: 'text/csv' });

/** A sweep report's curves as CSV: t, y1 … yK (rows in sweep order). */
export function curvesCsv(report) {
  const head = ['t', ...report.curves.map((_, k) => `y${k + 1}`)].join(',');
  const rows = Array.from(report.t, (t, i) => [t, ...report.curves.map((c) => c.values[i])].join(','));
  return `${head}\n${rows.join('\n')}\n`;
}

const escapeAttr = (v) => String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The two lines a blog post needs: the script and the element with these attributes. */
export function embedCode(scriptUrl, tag, attributes) {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeAttr(v)}"`)).join('');
  return `<script type="module" src="${escapeAttr(scriptUrl)}"></script>\n<${tag}${attrs}></${tag}>`;
}

/** Writes `text` to the clipboard; false when the browser refuses (the caller shows it to copy by hand). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** The file name stem for exports: "plain_h1_test.f32.npy" → "plain_h1_test.f32". */
export const stem = (name) => (name ?? 'eigenlens').replace(/\.[^.]+$/, '') || 'eigenlens';

/**
 * A row of export buttons (a labelled group). `items`: [{label, aria, action: async () => void}]. Errors and
 * confirmations go to a polite status line after the buttons.
 */
export function toolbar(items, { label = 'Export' } = {}) {
  const bar = document.createElement('div');
  bar.className = 'exports';
  bar.setAttribute('role', 'group'); // plain Tab order: each button is its own stop
  bar.setAttribute('aria-label', label);
  bar.part = 'toolbar';
  const status = document.createElement('span');
  status.className = 'export-status';
  status.setAttribute('role', 'status');
  for (const { label: text, aria, action, name } of items) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = text;
    button.dataset.export = name ?? text.toLowerCase();
    // A spoken name must contain the visible text (WCAG 2.5.3, label in name): voice users say what they see.
    if (aria) button.setAttribute('aria-label', aria.toLowerCase().includes(text.toLowerCase()) ? aria : `${text}: ${aria}`);
    button.addEventListener('click', async () => {
      status.textContent = '';
      try {
        const message = await action();
        if (message) status.textContent = message;
      } catch (e) {
        status.textContent = `Export failed: ${e.message}`;
      }
    });
    bar.append(button);
  }
  bar.append(status);
  return bar;
}

const nameOf = (name) => (typeof name === 'function' ? name() : name);

/** The buttons for one figure: SVG and PNG. `getSvg()` returns the figure's current <svg>;
 *  `name` is the file stem (or a function giving it at click time). */
export function figureExports(getSvg, name, what) {
  return [
    { name: 'svg', label: 'SVG', aria: `Download the ${what} as SVG`, action: () => download(svgBlob(getSvg()), `${nameOf(name)}.svg`) },
    { name: 'png', label: 'PNG', aria: `Download the ${what} as PNG at twice the size on screen`, action: async () => download(await pngBlob(getSvg()), `${nameOf(name)}.png`) },
  ];
}

/** The buttons for a report: JSON and CSV. */
export function reportExports(getReport, name) {
  return [
    { name: 'json', label: 'JSON', aria: 'Download the full report as JSON', action: () => download(jsonBlob(getReport()), `${nameOf(name)}.json`) },
    { name: 'csv', label: 'CSV', aria: 'Download the eigenvalues and the fit as CSV', action: () => download(csvBlob(getReport()), `${nameOf(name)}.csv`) },
  ];
}

/** The package files a saved report embeds, as the site build serves them next to the page. */
export const PACKAGE_FILES = ['eigenlens.js', 'worker.js', 'eigenlens_bg.wasm'];

/**
 * Fetches the three package files (the elements bundle, the worker, the wasm) from the first of
 * `bases` (directory URLs) that holds them all: by default `./pkg/` of the page, where the site
 * build puts them (static files of the page's own origin, so no user data leaves the page).
 * Resolves to {bundle, worker, wasm (Uint8Array)}; when no base has them, the error names every
 * place tried and how to build the files.
 */
export async function packageFiles(bases = [new URL('./pkg/', document.baseURI).href]) {
  const tried = [];
  for (const base of bases) {
    const get = async (name) => {
      const url = new URL(name, base).href;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return name.endsWith('.wasm') ? new Uint8Array(await response.arrayBuffer()) : response.text();
    };
    try {
      const [bundle, worker, wasm] = await Promise.all(PACKAGE_FILES.map(get));
      return { bundle, worker, wasm };
    } catch (e) {
      tried.push(e.message.startsWith(base) ? e.message : `${base}: ${e.message}`);
    }
  }
  throw new Error(`a saved report embeds the package files ${PACKAGE_FILES.join(', ')}, and they could not be fetched ` +
    `(${tried.join('; ')}); the site build copies them (npx vite build -c vite.lib.config.js) into pkg/ next to the page`);
}
