// Drag across the spectrum to choose the fit range n_lo … n_hi (the inputs stay the keyboard way).
// The SVG is scaled by CSS, so pointer positions are mapped through its screen matrix, then the
// plot's own x scale (Observable Plot: svg.scale('x').invert) gives the rank.

const NS = 'http://www.w3.org/2000/svg';

/** Attaches the drag to the figure `svg`; `onRange(lo, hi)` hears the ranks chosen (integers). */
export function attachRangeDrag(svg, onRange) {
  const x = svg.scale?.('x');
  if (!x?.invert) return;
  const [top, bottom] = frameY(svg);
  const band = document.createElementNS(NS, 'rect');
  band.setAttribute('class', 'drag-band');
  Object.entries({ y: top, height: bottom - top, width: 0, fill: 'var(--accent)', 'fill-opacity': 0.15, stroke: 'var(--accent)' })
    .forEach(([k, v]) => band.setAttribute(k, v));
  band.style.display = 'none';
  band.style.pointerEvents = 'none';
  svg.append(band);
  svg.style.touchAction = 'pan-y'; // a horizontal drag selects; vertical still scrolls a phone
  svg.style.cursor = 'col-resize';

  const local = (e) => {
    const p = svg.createSVGPoint();
    p.x = e.clientX;
    p.y = e.clientY;
    return p.matrixTransform(svg.getScreenCTM().inverse()).x;
  };
  const [r0, r1] = x.range;
  const clamp = (px) => Math.min(Math.max(px, Math.min(r0, r1)), Math.max(r0, r1));
  let start = null;

  svg.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    start = clamp(local(e));
    svg.setPointerCapture(e.pointerId);
    band.setAttribute('x', start);
    band.setAttribute('width', 0);
    band.style.display = '';
  });
  svg.addEventListener('pointermove', (e) => {
    if (start === null) return;
    const now = clamp(local(e));
    band.setAttribute('x', Math.min(start, now));
    band.setAttribute('width', Math.abs(now - start));
  });
  const finish = (e) => {
    if (start === null) return;
    const end = clamp(local(e));
    const from = start;
    start = null;
    band.style.display = 'none';
    if (Math.abs(end - from) < 4) return; // a click, not a drag
    const [a, b] = [x.invert(Math.min(from, end)), x.invert(Math.max(from, end))].map(Math.round);
    const lo = Math.max(1, Math.min(a, b));
    const hi = Math.max(lo + 1, Math.max(a, b));
    onRange(lo, hi);
  };
  svg.addEventListener('pointerup', finish);
  svg.addEventListener('pointercancel', () => { start = null; band.style.display = 'none'; });
}

/** The plot frame's vertical extent (from the y scale's range). */
function frameY(svg) {
  const y = svg.scale?.('y');
  const [a, b] = y?.range ?? [20, svg.viewBox.baseVal.height - 30];
  return [Math.min(a, b), Math.max(a, b)];
}
