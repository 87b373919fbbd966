// Lint: correctness rules plus the dependency direction of DESIGN.md — packages meet only in
// contracts/ and on the wire; nothing imports hub-server, edge or simulators across packages.
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';
import vueParser from 'vue-eslint-parser';

const crossPackage = (except) =>
  ['hub-server', 'edge', 'simulators', 'wms-ui']
    .filter((p) => p !== except)
    .flatMap((p) => [
      { group: [`@cjp/${p}`, `@cjp/${p}/*`], message: `DESIGN.md: packages meet only in contracts/ and on the wire; do not import ${p}.` },
      { regex: `(^|/)${p}/(src|dist)(/|$)`, message: `DESIGN.md: do not reach into ${p}'s files from another package.` },
    ]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tmp/**', 'data/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  // Single-file components: vue-eslint-parser for the template, typescript-eslint's for <script lang="ts">.
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['wms-ui/src/**/*.vue'],
    languageOptions: { parser: vueParser, parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    rules: {
      // layout only, and they fight the formatting the templates already have (Prettier's, printWidth 160)
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  { files: ['contracts/src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@cjp/*'], message: 'contracts depends on nothing of ours.' }] }] } },
  { files: ['hub-server/src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: crossPackage('hub-server') }] } },
  { files: ['edge/src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: crossPackage('edge') }] } },
  { files: ['simulators/src/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: crossPackage('simulators') }] } },
  {
    // The UI may use contracts' types, never its runtime (zod stays out of the bundle).
    // The permission table imports nothing and is the one exception; `import { type X }` would still
    // load the module for its side effects, hence no-import-type-side-effects.
    files: ['wms-ui/src/**/*.ts', 'wms-ui/src/**/*.vue'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...crossPackage('wms-ui'),
            { regex: '^@cjp/contracts(?!/permissions$)', allowTypeImports: true, message: 'wms-ui imports contracts for types only (and @cjp/contracts/permissions at run time).' },
          ],
        },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
);
