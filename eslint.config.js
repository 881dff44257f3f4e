// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const APOLLO_ONLY_IN_ADAPTER = { group: ['@apollo/server', '@apollo/server/*'], message: 'The core (allow-clients) imports no server framework: Apollo glue belongs in src/apollo/' };
const PROM_CLIENT_ONLY_IN_ENTRY = { group: ['prom-client'], message: 'prom-client is an optional peer: only src/prometheus (allow-clients/prometheus) imports it' };

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
    // The core is framework-free: only the adapter (src/apollo) and the reference server import Apollo,
    // only src/prometheus (allow-clients/prometheus) and the reference server import prom-client.
    files: ['src/**/*.ts'],
    ignores: ['src/apollo/**', 'src/server/**', 'src/prometheus/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [APOLLO_ONLY_IN_ADAPTER, PROM_CLIENT_ONLY_IN_ENTRY] }],
    },
  },
  { files: ['src/apollo/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [PROM_CLIENT_ONLY_IN_ENTRY] }] } },
  { files: ['src/prometheus/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [APOLLO_ONLY_IN_ADAPTER] }] } },
  {
    // The reference server uses the library as a user would: through the two entries only.
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['../auth/*', '../directives/*', '../http/*', '../limits/*', '../errors.js', '../logger.js', '../apollo/*', '!../apollo/index.js', '../observe/*', '../prometheus/*', '!../prometheus/index.js'],
          message: 'The reference server imports the library only through its entries: ../index.js, ../apollo/index.js, ../prometheus/index.js',
        }],
      }],
    },
  },
);
