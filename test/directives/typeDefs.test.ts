/**
 * The directive SDL is embedded in the code (no file read at import time) and must stay the text of
 * schema/directives.graphql, which is published for tooling and read by codegen.
 */
import { readFile } from 'node:fs/promises';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { authDirectiveTypeDefs } from '../../src/index.js';

describe('authDirectiveTypeDefs', () => {
  it('is exactly the text of schema/directives.graphql', async () => {
    const file = await readFile(new URL('../../schema/directives.graphql', import.meta.url), 'utf8');
    expect(authDirectiveTypeDefs).toBe(file);
  });

  it('defines the four directives and the metadata input', () => {
    const schema = buildSchema(`${authDirectiveTypeDefs}\ntype Query { ok: Boolean }`);
    expect(schema.getDirectives().map((directive) => directive.name)).toEqual(
      expect.arrayContaining(['allowClients', 'authenticated', 'requireScopes', 'public']),
    );
    expect(schema.getType('ClientMetadataMatch')?.toString()).toBe('ClientMetadataMatch');
  });

  it('is read from no file when the library loads', async () => {
    const source = await readFile(new URL('../../src/directives/typeDefs.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/node:fs|readFile/);
  });
});
