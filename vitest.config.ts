import { transform } from '@swc/core';
import { defineConfig, type Plugin } from 'vitest/config';

/**
 * NestJS code reads decorator metadata (`design:paramtypes`, `design:type`) that esbuild does not
 * emit; @nestjs/graphql's `@Args()` even fails without it. Files of the NestJS adapter, its tests,
 * example and bench are compiled by swc with `emitDecoratorMetadata`, as tsc would; every other file
 * keeps vite's esbuild.
 */
function decoratorMetadata(): Plugin {
  return {
    name: 'nestjs-decorator-metadata',
    enforce: 'pre',
    async transform(code, id) {
      if (!/\/nestjs\/[^?]*\.ts$/.test(id) || id.includes('/node_modules/')) return null;
      const result = await transform(code, {
        filename: id,
        sourceMaps: true,
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          target: 'es2022',
          keepClassNames: true,
          transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
        },
      });
      return { code: result.code, map: result.map === undefined ? null : (JSON.parse(result.map) as { mappings: string }) };
    },
  };
}

export default defineConfig({
  plugins: [decoratorMetadata()],
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
