/**
 * ESLint for every .ts/.mjs/.js and .astro file of the repository (`npm run lint`).
 * - typescript-eslint's recommended rules (no `any`, no unused variables) everywhere;
 * - no HTML sinks: learner and network text is only ever rendered as text nodes, so
 *   innerHTML/outerHTML assignments, insertAdjacentHTML, document.write and `set:html` are errors;
 * - functions short enough to read at once: 80 lines, an error in the widgets, a warning elsewhere
 *   (test files are exempt: their `describe` callbacks group tests, they are not read as one function);
 * - layers: site/src/sandbox/ (the widgets' door to the cluster) imports nothing from site/src/widgets/.
 * No type-aware rules: they would need a full type check per lint run, which `check:types` already does.
 */
import js from '@eslint/js'
import astro from 'eslint-plugin-astro'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const htmlSinks = [
  {
    selector: 'AssignmentExpression > MemberExpression.left[property.name=/^(innerHTML|outerHTML)$/]',
    message: 'Render text with textContent / text nodes, never as HTML.',
  },
  {
    selector: 'CallExpression[callee.property.name=/^(insertAdjacentHTML|setHTMLUnsafe|createContextualFragment)$/]',
    message: 'Build DOM nodes and text nodes instead of parsing HTML.',
  },
  {
    selector: 'CallExpression[callee.object.name="document"][callee.property.name=/^(write|writeln)$/]',
    message: 'document.write parses HTML: build DOM nodes instead.',
  },
]

const maxLines = (severity) => ['max-lines-per-function', [severity, { max: 80, skipBlankLines: true, skipComments: true }]]

export default tseslint.config(
  {
    ignores: ['**/node_modules/', '**/dist/', '**/.astro/', '.bench/', 'coverage/', 'test-results/', '.ci/cache/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...astro.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', ...htmlSinks],
      'astro/no-set-html-directive': 'error',
      ...Object.fromEntries([maxLines('warn')]),
    },
  },
  {
    files: ['site/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // TypeScript (check:types, check:astro) already resolves every name, including vite `define`s.
    files: ['**/*.astro'],
    rules: { 'no-undef': 'off' },
  },
  {
    // Astro's generated types are only reachable through its triple-slash reference.
    files: ['site/src/env.d.ts'],
    rules: { '@typescript-eslint/triple-slash-reference': ['error', { path: 'always' }] },
  },
  {
    files: ['site/src/widgets/**'],
    rules: Object.fromEntries([maxLines('error')]),
  },
  {
    // The sandbox layer is below the widgets (docs/architecture.md): it never imports them.
    files: ['site/src/sandbox/**'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/widgets/**'], message: 'site/src/sandbox must not depend on widgets: move the shared piece here.' }] },
      ],
    },
  },
  {
    files: ['**/*.test.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
)
