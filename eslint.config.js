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
    // The core is framework-free: only the adapters (src/apollo, src/nestjs) and the reference server import a framework.
    files: ['src/**/*.ts'],
    ignores: ['src/apollo/**', 'src/nestjs/**', 'src/server/**', 'src/prometheus/**'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['@apollo/server', '@apollo/server/*'], message: 'The core (allow-clients) imports no server framework: Apollo glue belongs in src/apollo/' },
          { group: ['@nestjs/*'], message: 'The core (allow-clients) imports no server framework: NestJS glue belongs in src/nestjs/' },
          PROM_CLIENT_ONLY_IN_ENTRY,
        ],
      }],
    },
  },
  {
    // The Apollo adapter knows nothing of NestJS.
    files: ['src/apollo/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['@nestjs/*'], message: 'NestJS glue belongs in src/nestjs/ (allow-clients/nestjs)' }, PROM_CLIENT_ONLY_IN_ENTRY],
      }],
    },
  },
  {
    // The NestJS adapter uses the library as a user would, through the core and Apollo entries only.
    files: ['src/nestjs/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['../auth/*', '../directives/*', '../http/*', '../limits/*', '../errors.js', '../logger.js', '../observe/*', '../prometheus/*', '../apollo/*', '!../apollo/index.js', '../server/*', '@apollo/server', '@apollo/server/*'],
          message: 'src/nestjs imports the library only through ../index.js and ../apollo/index.js (and Apollo only through @nestjs/apollo)',
        }, PROM_CLIENT_ONLY_IN_ENTRY],
      }],
    },
  },
  { files: ['src/prometheus/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [APOLLO_ONLY_IN_ADAPTER, { group: ['@nestjs/*'], message: 'allow-clients/prometheus imports no server framework' }] }] } },
  {
    // The reference server uses the library as a user would: through the two entries only.
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['../auth/*', '../directives/*', '../http/*', '../limits/*', '../errors.js', '../logger.js', '../apollo/*', '!../apollo/index.js', '../observe/*', '../prometheus/*', '!../prometheus/index.js'],
          message: 'The reference server imports the library only through its entries: ../index.js, ../apollo/index.js, ../prometheus/index.js',
        }, { group: ['@nestjs/*', '../nestjs/*'], message: 'The reference server does not use NestJS' }],
      }],
    },
  },
);
