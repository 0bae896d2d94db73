// `npm run lint`: ESLint's recommended rules, typescript-eslint's type-checked ones over the three TypeScript projects,
// the React hooks rules for the renderer, and the layer rule: which folder of src/ may import which.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const nodeBuiltin = `node:|(?:${builtinModules.join('|')})(?:/|$)`;

/**
 * Who may import whom, by folder of src/. `layers` are the other folders a folder may import (besides itself);
 * `node` and `electron` say whether it may import Node's built-ins and Electron. npm packages are allowed everywhere.
 */
const layers = {
  shared: {
    layers: [],
    node: false,
    electron: false,
    message: 'src/shared imports no other layer and no Node built-in: Node and the browser both load it.',
  },
  core: {
    layers: ['shared'],
    node: true,
    electron: false,
    message: 'src/core imports only src/shared (and Node built-ins, npm packages), never Electron.',
  },
  host: {
    layers: ['core', 'shared'],
    node: true,
    electron: false,
    message: 'src/host imports only src/core and src/shared (and Node built-ins, npm packages), never Electron.',
  },
  main: {
    layers: ['host', 'core', 'shared'],
    node: true,
    electron: true,
    message: 'src/main imports src/host, src/core and src/shared, never another front end (src/server, src/cli).',
  },
  server: {
    layers: ['host', 'core', 'shared'],
    node: true,
    electron: false,
    message:
      'src/server imports src/host, src/core and src/shared, never Electron or another front end (src/main, src/cli).',
  },
  cli: {
    layers: ['host', 'core', 'shared'],
    node: true,
    electron: false,
    message:
      'src/cli imports src/host, src/core and src/shared, never Electron or another front end (src/main, src/server).',
  },
  preload: {
    layers: ['shared'],
    node: false,
    electron: true,
    message: 'src/preload imports only src/shared and electron.',
  },
  renderer: {
    layers: ['shared'],
    node: false,
    electron: false,
    message: 'src/renderer imports only src/shared and npm packages: no Node built-in, no Electron.',
  },
};

/**
 * One `no-restricted-imports` pattern per folder, matching a forbidden folder reached by a relative path
 * ('../host/x', '../../main/y') or by its alias ('#host/x', from package.json's "imports"), and Node built-ins or
 * Electron where forbidden. The relative form reads the first folder after the '../' chain, so a subfolder must not be
 * named like a layer.
 */
const layerBoundaries = Object.entries(layers).map(([layer, rule]) => {
  const forbidden = Object.keys(layers).filter((other) => other !== layer && !rule.layers.includes(other));
  const alternatives = [`(?:(?:\\.\\./)+|#)(?:${forbidden.join('|')})(?:/|$)`];
  if (!rule.node) alternatives.push(nodeBuiltin);
  if (!rule.electron) alternatives.push('electron(?:/|$)');
  const regex = `^(?:${alternatives.join('|')})`;
  return {
    name: `layers/${layer}`,
    files: [`src/${layer}/**`],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message: rule.message }] }],
      // no-restricted-imports leaves import() alone; a selector's regex may not hold a slash, so it is written \x2F.
      'no-restricted-syntax': [
        'error',
        { selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`, message: rule.message },
      ],
    },
  };
});

export default defineConfig(
  {
    ignores: [
      'out/',
      'dist/',
      'node_modules/',
      '.cache/',
      '.scratch/',
      'test-results/',
      'playwright-report/',
      'bench-results/',
      'patches/',
      'resources/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      // The solution tsconfig.json refers tsconfig.node.json, tsconfig.web.json and tsconfig.test.json: each file is
      // checked with the project that includes it.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // Callbacks, options and store actions are declared method style and never use `this`: all false alarms here.
      '@typescript-eslint/unbound-method': 'off',
      // An `async` function without `await` is how this code meets a Promise-returning interface with synchronous work.
      '@typescript-eslint/require-await': 'off',
      // `const { a: _a, ...rest } = value` is how the code leaves a field out of an object.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    // vitest's asymmetric matchers (expect.stringContaining(), expect.any()) are typed any by design.
    files: ['test/**', 'e2e/**'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Plain JavaScript (the build and test scripts, the bin) is in no TypeScript project: the rules without types.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: Object.fromEntries(Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly'])),
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
  },
  layerBoundaries,
);
