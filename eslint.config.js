// Lint for every workspace: typed rules that catch real bugs, plus the project's conventions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A no-restricted-imports pattern for every @infermesh package (or subpath) not in `may`. */
const onlyFrom = (may) => ({
  regex: may.length > 0 ? `^@infermesh/(?!(${may.join('|')})(/|$))` : '^@infermesh/',
  message: `this package imports only ${may.map((name) => `@infermesh/${name}`).join(', ') || 'no infermesh package'} (the layers in eslint.config.js)`,
});

/** A package group's import rule: only the infermesh packages in `may`, then the `also` patterns. */
const layer = (packages, may, { also = [] } = {}) => ({
  files: packages.map((name) => `${name}/src/**/*.ts`),
  rules: { 'no-restricted-imports': ['error', { patterns: [onlyFrom(may), ...also] }] },
});

/**
 * The packages' layers, bottom up: services import only common and proto, the CLI and the
 * benchmarks only client, common and proto; nothing but the tests imports the test kit.
 */
const layers = [
  layer(['proto'], []),
  layer(['common'], ['proto']),
  layer(['client'], ['common', 'proto']),
  layer(['runners', 'registry', 'sink', 'gateway'], ['common', 'proto'], {
    also: [{ regex: '^@infermesh/common/onnx$', message: 'services do not load the ONNX builder (onnx-proto); it is for the CLI, tests and benchmarks' }],
  }),
  layer(['bench'], ['client', 'common', 'proto']),
  layer(['cli'], ['client', 'common', 'proto']),
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/src/gen/**', '**/node_modules/**', '.infermesh/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { project: './tsconfig.lint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'Export names explicitly; no `export *`.' },
      ],
    },
  },
  ...layers,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
