// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/generated/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    // Library code: no console (take a logger), no reaching into the reference server.
    files: ['src/**/*.ts'],
    ignores: ['src/server/**'],
    rules: { 'no-console': 'error' },
  },
  {
    // The reference server uses the library as a user would: through src/index.ts only.
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../auth/*', '../directives/*', '../http/*', '../errors.js', '../apollo/*'], message: 'The reference server imports the library only through ../index.js' }],
      }],
    },
  },
);
