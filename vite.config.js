// Relative paths, so the built page works from any sub-path of any static host.
export default {
  base: './',
  build: { outDir: 'dist', target: 'es2022', assetsInlineLimit: 0 },
  worker: { format: 'es' },
};
