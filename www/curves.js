// A sweep report's projections in the shape the sweep figures take (www/sections/plots-sweep.js),
// and as CSV.

/** The report's K curves as [{values, label}], each labelled with its roughness. */
export function projectionCurves(report) {
  return report.curves.map((c, k) => ({ values: c.values, label: `y${k + 1}: roughness ${c.roughness.toFixed(4)}` }));
}

/** The curves as CSV: t, y1 … yK. */
export function curvesCsv(report) {
  const head = ['t', ...report.curves.map((_, k) => `y${k + 1}`)].join(',');
  const rows = report.t.map((t, i) => [t, ...report.curves.map((c) => c.values[i])].join(','));
  return `${head}\n${rows.join('\n')}\n`;
}
