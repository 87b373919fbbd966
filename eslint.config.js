// Lint: correctness rules plus the dependency direction of DESIGN.md — packages meet only in
// contracts/ and on the wire; nothing imports hub-server, edge or simulators across packages.
import tseslint from 'typescript-eslint';

const crossPackage = (except) =>
  ['hub-server', 'edge', 'simulators', 'wms-ui']
    .filter((p) => p !== except)
    .flatMap((p) => [
      { group: [`@cjp/${p}`, `@cjp/${p}/*`], message: `DESIGN.md: packages meet only in contracts/ and on the wire; do not import ${p}.` },
      { regex: `(^|/)${p}/(src|dist)(/|$)`, message: `DESIGN.md: do not reach into ${p}'s files from another package.` },
    ]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.tmp/**', 'data/**', 'wms-ui/**/*.vue', 'coverage/**'] },
  ...tseslint.configs.recommended,
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
    files: ['wms-ui/src/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [...crossPackage('wms-ui'), { group: ['@cjp/contracts'], allowTypeImports: true, message: 'wms-ui imports contracts for types only (and @cjp/contracts/permissions at run time).' }] },
      ],
    },
  },
);
