// Lint rules: typed TypeScript rules, no floating promises, type-only imports, no import cycles.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importPlugin from 'eslint-plugin-import';
import tseslint from 'typescript-eslint';

// What the layers may not import (issue 14): stack/ is the local development supervisor, and nothing that
// runs in production depends on it (lifecycle/ holds what every process needs); config/ is at the bottom.
const notFromStack = {
  group: ['**/stack', '**/stack/*'],
  message: 'stack/ is the local development supervisor: production code does not depend on it (see lifecycle/).',
};
const productionFolders = [
  'activities',
  'api',
  'codec-server',
  'db',
  'deploy',
  'domain',
  'lifecycle',
  'observability',
  'sandbox',
  'services',
  'workers',
];
const notAboveConfig = {
  group: [...productionFolders, 'workflows'].flatMap((folder) => [`**/${folder}`, `**/${folder}/*`]),
  message: 'config/ depends on nothing above it: a process checks its own settings further (as sandbox/knobs.ts does).',
};

// One folder per network (issue 14): nothing outside a network's folder asks which network it is. A
// network's id compared or switched on is a branch that belongs behind its CardNetworkAdapter
// (activities/networks/card-network.ts); in the sandbox, in sandbox/mdes/ or sandbox/vts/.
const networkLiteral = 'Literal[value=/^(VISA|MASTERCARD|mdes|vts)$/]';
const comparison = 'BinaryExpression[operator=/^[!=]==?$/]';
const networkBranch =
  'a network branch belongs in its folder (activities/networks/<network>/), behind CardNetworkAdapter';
const noNetworkBranches = [
  'error',
  { selector: `${comparison} > ${networkLiteral}`, message: `Compared to a network's id: ${networkBranch}.` },
  { selector: `${comparison} > Identifier[name='network']`, message: `Compared on \`network\`: ${networkBranch}.` },
  {
    selector: `${comparison} > MemberExpression[property.name='network']`,
    message: `Compared on \`.network\`: ${networkBranch}.`,
  },
  { selector: `SwitchCase > ${networkLiteral}`, message: `A case per network: ${networkBranch}.` },
];

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.mjs'] } } },
    plugins: { import: importPlugin },
    settings: {
      'import/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { typescript: { project: './tsconfig.json' }, node: true },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      'import/no-cycle': 'error',
      // A handler registered early may read a variable assigned once later (e.g. the worker in workers/main.ts).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-console': 'off',
    },
  },
  {
    files: productionFolders.map((folder) => `${folder}/**/*.ts`),
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [notFromStack] }] },
  },
  {
    files: [...productionFolders, 'config', 'workflows'].map((folder) => `${folder}/**/*.ts`),
    ignores: ['activities/networks/*/**', 'sandbox/mdes/**', 'sandbox/vts/**'],
    rules: { 'no-restricted-syntax': noNetworkBranches },
  },
  {
    files: ['config/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [notFromStack, notAboveConfig] }] },
  },
  {
    // Workflow code is replayed: it must stay deterministic and use the workflow logger.
    files: ['workflows/**/*.ts'],
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'Workflows cannot use Node APIs.' })),
          patterns: [
            notFromStack,
            { group: ['node:*'], message: 'Workflows cannot use Node APIs.' },
            {
              group: ['**/activities', '**/activities/*'],
              allowTypeImports: true,
              message: 'Workflows import only types from activities (the bundle must not contain them).',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow.' },
      ],
    },
  },
  {
    // The one CommonJS module: the failure converter the SDK loads by path.
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', exports: 'writable' },
      parserOptions: { projectService: false },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The web pages' scripts run in the browser, as plain modules (the issuer's demo page, the sandbox
    // wallets' web windows).
    files: ['web/**/*.js', 'sandbox/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        crypto: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        FileReader: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        atob: 'readonly',
        TextDecoder: 'readonly',
      },
      parserOptions: { projectService: false },
    },
  },
  prettier,
);
