// ESLint (flat config) for the page, the elements, the worker, the scripts and the tests:
// `npm run lint`. Recommended rules, browser or Node globals by where the code runs, and a
// 120-column limit like rustfmt's (long message strings and URLs excepted).
import js from '@eslint/js';
import globals from 'globals';

const style = {
  'max-len': ['error', { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
  'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
  eqeqeq: ['error', 'smart'],
  'no-var': 'error',
  'prefer-const': 'error',
};

export default [
  { ignores: ['dist/', 'dist-pkg/', 'python/eigenlens/static/', 'python/build/', 'node_modules/', 'target/', 'www/pkg/', 'fuzz/', 'bench/results/', '**/.venv*/'] },
  js.configs.recommended,
  {
    files: ['www/**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
    rules: style,
  },
  {
    files: ['www/worker.js'],
    languageOptions: { globals: { ...globals.worker } },
  },
  {
    files: ['www/loader.js'],
    languageOptions: { sourceType: 'script' },
  },
  {
    files: ['scripts/**/*.mjs', 'tests/**/*.mjs', 'bench/**/*.mjs', 'vite.config.js', 'vite.lib.config.js', 'eslint.config.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node } },
    rules: style,
  },
  {
    // Two lines by other hands that are over 120 columns: wrap them and drop this block.
    files: ['www/toy/plots.js', 'bench/lib.mjs'],
    rules: { 'max-len': ['error', { ...style['max-len'][1], code: 140 }] },
  },
  {
    // Browser tests hand functions to page.evaluate: they run in the page.
    files: ['tests/e2e/**/*.mjs', 'tests/wasm/engine.test.mjs', 'bench/**/*.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
];
