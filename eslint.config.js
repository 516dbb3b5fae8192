import js from '@eslint/js'
import simpleImportSort from 'eslint-plugin-simple-import-sort'
import globals from 'globals'
import tseslint from 'typescript-eslint'

const nodeTest = {from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after']}

export default tseslint.config(
  {ignores: ['dist/**', 'node_modules/**', 'examples/**', 'coverage/**', 'oclif.manifest.json']},
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
