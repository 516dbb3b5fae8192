import js from '@eslint/js'
import simpleImportSort from 'eslint-plugin-simple-import-sort'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeTest = {from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after']}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', '.bench/**', 'examples/**', 'coverage/**', 'oclif.manifest.json']},
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {project: './test/tsconfig.json', tsconfigRootDir: import.meta.dirname},
    },
    plugins: {'simple-import-sort': simpleImportSort},
    linterOptions: {reportUnusedDisableDirectives: 'error'},
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {allowForKnownSafeCalls: [nodeTest]}],
      '@typescript-eslint/no-misused-promises': 'error',
      // `{}` is `unknown` narrowed by `?? ''` or a null check: JSON values from the user's files, which the rule
      // already leaves alone while they are `unknown` (checkUnknown: false).
      '@typescript-eslint/no-base-to-string': [
        'error',
        {ignoredTypeNames: ['{}', 'Error', 'RegExp', 'URL', 'URLSearchParams']},
      ],
      // `async` on a function without `await` is how these files implement a Promise-returning interface (a reader,
      // a credential, a fake's handler): dropping it would turn a throw into a synchronous one.
      '@typescript-eslint/require-await': 'off',
      // Rest siblings and `_` names drop a field or an argument on purpose.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'},
      ],
      // Every line within 120, strings included: a long message or help text is a concatenation or a joined array.
      // A URL (in a comment citing a source) and a regular expression literal cannot be broken: those are exempt.
      'max-len': ['error', {code: 120, ignoreUrls: true, ignoreRegExpLiterals: true}],
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
    },
  },
  {
    // Tests read JSON documents and fake wire bodies whose shape the assertions check.
    files: ['test/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {files: ['**/*.js'], ...tseslint.configs.disableTypeChecked},
)
