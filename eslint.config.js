// Lint for every workspace: typed rules that catch real bugs, plus the project's conventions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** A no-restricted-imports pattern for every @infermesh package (or subpath) not in `may`. */
const onlyFrom = (may) => ({
  regex: may.length > 0 ? `^@infermesh/(?!(${may.join('|')})(/|$))` : '^@infermesh/',
  message: `this package imports only ${may.map((name) => `@infermesh/${name}`).join(', ') || 'no infermesh package'} (the layers in eslint.config.js)`,
});

/** Test-only files under a package's src: its tests and their helpers (never built into dist). */
const TEST_FILES = ['**/*.test.ts', '**/*.test-helper.ts'];

/**
 * A package group's import rule: only the infermesh packages in `may`, then the `also`
 * patterns. Its test-only files may import `tests` besides (the test kit, the client).
 */
const layer = (packages, may, { also = [], tests = [] } = {}) => [
  {
    files: packages.map((name) => `${name}/src/**/*.ts`),
    rules: { 'no-restricted-imports': ['error', { patterns: [onlyFrom(may), ...also] }] },
  },
  ...(tests.length > 0
    ? [
        {
          files: packages.flatMap((name) => TEST_FILES.map((pattern) => `${name}/src/${pattern}`)),
          rules: { 'no-restricted-imports': ['error', { patterns: [onlyFrom([...may, ...tests]), ...also] }] },
        },
      ]
    : []),
];

/** What a package's tests may import besides the package's own layer. */
const TEST_KIT = ['testkit', 'client'];

/**
 * The packages' layers, bottom up: the client (published on its own) imports only proto;
 * common builds on the client's tensor codec and call helpers; services import only common
 * and proto, the CLI and the benchmarks only client, common and proto; the test kit only
 * client, common and proto.
 * Only test-only files (`*.test.ts`, `*.test-helper.ts`) import the test kit; the packages
 * below it (proto, client, common) test without it.
 */
const layers = [
  layer(['proto'], []),
  layer(['client'], ['proto']),
  layer(['common'], ['client', 'proto']),
  layer(['testkit'], ['client', 'common', 'proto']),
  layer(['runners', 'registry', 'sink', 'gateway'], ['common', 'proto'], {
    also: [{ regex: '^@infermesh/common/onnx$', message: 'services do not load the ONNX builder (onnx-proto); it is for the CLI, tests and benchmarks' }],
    tests: TEST_KIT,
  }),
  layer(['bench'], ['client', 'common', 'proto'], { tests: TEST_KIT }),
  layer(['cli'], ['client', 'common', 'proto'], { tests: TEST_KIT }),
].flat();

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
