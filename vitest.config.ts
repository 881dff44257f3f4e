import { defineConfig } from 'vitest/config';

export default defineConfig({
  // One graphql for everyone: vite would pick graphql's ESM build (index.mjs) for test and src
  // files while Apollo Server and graphql-tools load the CommonJS build under Node, and graphql
  // refuses schemas "from another module or realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts', 'auth0/**/*.test.ts', 'examples/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Servers bind ephemeral loopback ports, so files can run in parallel.
    pool: 'forks',
  },
});
