// Lint, and the layer map of STYLE.md §1 as import rules: the folder says where code runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'crypto', 'net', 'http', 'https', 'stream', 'events', 'url', 'util', 'worker_threads'];
const rule = (group, message) => ({ group, message });

/** Imports that a layer must never make, with the reason shown to whoever tries. */
const forbidden = {
  pure: [
    rule([...nodeBuiltins, '!node:crypto'], 'core/spec, core/plan, core/schedule and core/protocol are pure (node:crypto aside, which does no I/O): take I/O as an injected collaborator instead.'),
    rule(['electron', 'react', 'react-dom', 'zustand', 'better-sqlite3', 'dockerode', 'bonjour-service', 'ws'], 'pure core code must not depend on runtimes or drivers: pass a collaborator in.'),
    rule(['**/store/**', '**/coordinator/**', '**/project/**', '**/agent/**', '**/renderer/**', '**/electron/**', '**/cli/**'], 'pure core code must not import Node layers or apps.'),
  ],
  coreNode: [
    rule(['electron', 'react', 'react-dom', 'zustand', 'dockerode'], 'core/ knows nothing of Electron, React or Docker: that belongs to electron/, renderer/ or agent/.'),
    rule(['**/agent/**', '**/renderer/**', '**/electron/**', '**/cli/**'], 'core/ must not import the apps that are built on it.'),
  ],
  agent: [
    rule(['electron', 'react', 'react-dom', 'zustand', 'better-sqlite3'], 'the agent is headless and keeps no database: the coordinator owns the store.'),
    rule(['**/core/store/**', '**/core/coordinator/**', '**/core/plan/**', '**/core/schedule/**', '**/core/project/**', '**/renderer/**', '**/electron/**', '**/cli/**'],
      'agent/ talks to a coordinator through core/protocol only (and may read core/spec types).'),
  ],
  electron: [rule(['react', 'react-dom', 'zustand', '**/renderer/**'], 'electron/ main stays thin: the window loads the renderer over HTTP, it never imports it.')],
  renderer: [
    rule(nodeBuiltins, 'the renderer runs in a browser sandbox: ask the coordinator over HTTP/WebSocket instead.'),
    rule(['electron', 'better-sqlite3', 'dockerode', 'bonjour-service', 'ws', '**/agent/**', '**/electron/**', '**/cli/**', '**/core/store/**', '**/core/coordinator/**'],
      'the renderer only talks to the coordinator API; it may import core/protocol types with `import type`.'),
  ],
};
const restrict = (files, patterns, extra = {}) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns, ...extra }] } });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'bench/out/**', 'test/.tmp/**', 'examples/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The bin launcher is CommonJS so it runs as a plain script.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  restrict(['core/spec/**', 'core/plan/**', 'core/schedule/**', 'core/protocol/**'], forbidden.pure),
  restrict(['core/store/**', 'core/coordinator/**', 'core/project/**', 'core/server/**', 'core/lan/**'], forbidden.coreNode),
  restrict(['agent/**'], forbidden.agent),
  restrict(['electron/**'], forbidden.electron),
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...forbidden.renderer, rule(['**/core/spec/**', '**/core/plan/**', '**/core/schedule/**'], 'the renderer gets plans and states from the coordinator API, not by running core code.')] }],
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/core/protocol/**'], allowTypeImports: true, message: 'import core/protocol with `import type` only: the renderer runs no core code.' }] }],
    },
  },
);
