// ESLint's flat config: typescript-eslint's recommended rules (without type
// information, so that `scripts/lint` stays fast), the import boundaries
// between the services, and nothing about layout: Prettier owns that
// (eslint-config-prettier turns off every rule that would fight it).
//
// The boundaries, with ESLint's own no-restricted-imports:
//   services/<svc>/**  imports only services/core/** and services/<svc>/**
//                      (and node: and npm packages);
//   services/core/**   imports nothing from the other services;
//   services/platform/** (every service in one process) imports, besides core,
//                      only each service's composition root, services/<svc>/start.ts;
//   services/dashboard/ui/** (the browser's code) imports from services/ only
//                      services/core/api.ts (types), no node: module and no
//                      Node global;
//   cli/**             imports from services/ only the core's wire contract:
//                      services/core/api.ts (with apiactivity.ts, types it
//                      re-exports) and ids.ts (and durations.ts: the one way
//                      a duration is written; apiurls.ts: how several API
//                      URLs are tried, as every client of the API tries them);
//   'etcd3'            is imported only by the Store (services/core/store.ts, txn.ts, mirror.ts): every
//                      other file talks to etcd through the Store;
//   test/**, bench/**  may import anything (they reach into every service).
// The rule matches the import's text, not the file it resolves to, so each
// depth of folder gets its own pattern: from services/controller/logs/x.ts,
// '../../' is services/.
import fs from 'node:fs';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Every folder of services/ is a service, core included.
const SERVICES = fs
  .readdirSync(new URL('./services/', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
// Deepest folder under services/<svc>/ the patterns cover (services/x/a/b/c/d/e.ts).
const MAX_DEPTH = 6;
// The modules of services/core the CLI may import: the wire contract.
const CLI_ALLOWED_CORE = ['api', 'apiactivity', 'ids', 'durations', 'apiurls'];

// How deep the dashboard's UI goes below services/dashboard/ui/ (ui/pages/x.tsx: 1).
const UI_MAX_DEPTH = 3;
const UI_MESSAGE = "The dashboard UI imports from services/ only services/core/api.ts (the API's types).";

const ETCD_PATH = {
  name: 'etcd3',
  message: 'etcd is reached only through the Store (services/core/store.ts).',
};
const ETCD_PATTERN = {
  regex: '^etcd3/',
  message: 'etcd is reached only through the Store (services/core/store.ts).',
};

/** The no-restricted-imports setting: these patterns, and etcd3 unless `etcd` is allowed. */
function restrict(patterns, { etcd = false } = {}) {
  return ['error', etcd ? { patterns } : { paths: [ETCD_PATH], patterns: [...patterns, ETCD_PATTERN] }];
}

/** The pattern for a file `depth` folders below services/<svc>/: out of services/ only to core/ and <svc>/. */
function servicePattern(svc, depth) {
  const allowed = svc === 'core' ? 'core' : `core|${svc}`;
  // The platform process also reaches each service's start.ts (and nothing else of it).
  const starts = svc === 'platform' ? '|[a-z]+/start\\.js$' : '';
  return {
    regex: `^(?:\\.\\./){${depth + 1}}(?!(?:${allowed})/${starts})`,
    caseSensitive: true,
    message:
      svc === 'core'
        ? 'services/core imports nothing from the other services.'
        : svc === 'platform'
          ? 'services/platform imports only from services/core, services/platform and each services/<svc>/start.ts.'
          : `services/${svc} imports only from services/core and services/${svc}.`,
  };
}

/** One config per depth of folder in services/<svc>/. */
function serviceBoundaries(svc) {
  return Array.from({ length: MAX_DEPTH }, (_, depth) => ({
    files: [`services/${svc}/${'*/'.repeat(depth)}*.ts`],
    rules: { 'no-restricted-imports': restrict([servicePattern(svc, depth)]) },
  }));
}

/** One config per depth of folder in services/dashboard/ui/: out of ui/ only to ../core/api.js, and no node: module. */
function uiBoundaries() {
  return Array.from({ length: UI_MAX_DEPTH }, (_, depth) => ({
    files: [`services/dashboard/ui/${'*/'.repeat(depth)}*.{ts,tsx}`],
    rules: {
      'no-restricted-imports': restrict([
        { regex: `^(?:\\.\\./){${depth + 1}}(?!\\.\\./core/api\\.js$)`, caseSensitive: true, message: UI_MESSAGE },
        { regex: '^node:', message: 'The dashboard UI runs in the browser: no node: modules.' },
      ]),
    },
  }));
}

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', '.state/', 'test/fixtures/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names are meant to be unused (a callback's ignored argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // The buildpacks' helpers run as plain Node scripts inside app containers.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  ...SERVICES.flatMap(serviceBoundaries),
  ...uiBoundaries(),
  {
    // The browser's code: its globals, none of Node's (its tsconfig has Node's types only for core/api.ts's imports).
    files: ['services/dashboard/ui/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'require', 'global', '__dirname', '__filename', 'setImmediate'].map((name) => ({
          name,
          message: 'The dashboard UI runs in the browser.',
        })),
      ],
    },
  },
  {
    // The Store is the one module that talks to etcd.
    files: ['services/core/store.ts', 'services/core/txn.ts', 'services/core/mirror.ts'],
    rules: { 'no-restricted-imports': restrict([servicePattern('core', 0)], { etcd: true }) },
  },
  {
    files: ['cli/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        {
          regex: `(?:^|/)services/(?!core/(?:${CLI_ALLOWED_CORE.join('|')})\\.js$)`,
          caseSensitive: true,
          message: `The CLI imports from services/ only the core's wire contract (services/core/{${CLI_ALLOWED_CORE.join(',')}}.ts).`,
        },
      ]),
    },
  },
  {
    // Tests and benchmarks: any import; test doubles and fixtures cast freely.
    files: ['test/**', 'bench/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Expectations on the CLI's tables match their columns' spaces literally.
    files: ['test/**'],
    rules: { 'no-regex-spaces': 'off' },
  },
  prettier,
);
