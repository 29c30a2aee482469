// The figures live one per file in ./plots/ (as Observable Plot keeps its marks); this module
// re-exports them for code that imports '../plots.js'.
export { figureSize } from './plots/size.js';
export { spectrumPlot, spectrumPoints, fitLine, alphaBand } from './plots/spectrum.js';
export { cumulativePlot } from './plots/cumulative.js';
