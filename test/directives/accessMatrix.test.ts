import { describe, expect, it } from 'vitest';
import { callers, SECRET, useServer, type CallerName } from './fixtures.js';

/**
 * The access matrix: callers × protected fields × access paths. The oracle is this table, written
 * from the rules in fixtures.ts by hand, not computed by the implementation.
 */
const ADMITTED: Record<'margin' | 'note' | 'wholesale' | 'internal', readonly CallerName[]> = {
  margin: ['goldById'], // @allowClients(ids: ["partner-gold"])
  note: ['silverByName'], // @allowClients(names: ["Acme Silver"])
  wholesale: ['goldById', 'platinumByTier'], // @allowClients(metadata: tier in [gold, platinum]), via Priced
  internal: ['goldById', 'storefrontMachine'], // ids include storefront, but users: false
};

type Field = keyof typeof ADMITTED;

/** Each access path: the query, and where the first order's field lands in the data. */
const PATHS: Record<string, { query: (field: Field) => string; at: (field: Field) => (string | number)[] }> = {
  direct: { query: (f) => `{ orders { id ${f} } }`, at: (f) => ['orders', 0, f] },
  alias: { query: (f) => `{ orders { id renamed: ${f} } }`, at: () => ['orders', 0, 'renamed'] },
  'named fragment': {
    query: (f) => `query Named { orders { ...OrderBits } } fragment OrderBits on Order { id ${f} }`,
    at: (f) => ['orders', 0, f],
  },
  'inline fragment on an interface': { query: (f) => `{ nodes { id ... on Order { ${f} } } }`, at: (f) => ['nodes', 0, f] },
  'union member': { query: (f) => `{ search { ... on Order { id ${f} } ... on Product { id } } }`, at: (f) => ['search', 0, f] },
  'nested list': { query: (f) => `{ customers { name orders { id ${f} } } }`, at: (f) => ['customers', 0, 'orders', 0, f] },
};

const CALLER_NAMES = Object.keys(callers) as CallerName[];

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let current: unknown = data;
  for (const key of path) current = (current as Record<string | number, unknown> | null)?.[key];
  return current;
}

describe('@allowClients access matrix (Apollo Server, filter mode)', () => {
  const { run, calls } = useServer({ defaultPolicy: 'authenticated' });

  for (const field of Object.keys(ADMITTED) as Field[]) {
    const coordinate = `Order.${field}`;
    for (const [pathName, path] of Object.entries(PATHS)) {
      for (const caller of CALLER_NAMES) {
        const admitted = ADMITTED[field].includes(caller);
        it(`${admitted ? 'admits' : 'denies'} ${coordinate} to ${caller} (${pathName})`, async () => {
          for (const key of Object.keys(calls)) delete calls[key];
          const outcome = await run(path.query(field), callers[caller]);
          expect(outcome.status).toBe(200);
          if (admitted) {
            expect(outcome.errors).toEqual([]);
            expect(valueAt(outcome.data, path.at(field))).toBe(SECRET[field]);
            expect(calls[coordinate]).toBeGreaterThan(0);
            return;
          }
          expect(outcome.text).not.toContain(String(SECRET[field]));
          expect(calls[coordinate] ?? 0).toBe(0);
          if (caller === 'anonymous') {
            // The default policy (authenticated) already stops an anonymous caller at the root.
            expect(outcome.errors.length).toBeGreaterThan(0);
            expect(outcome.errors.every((error) => error.code === 'UNAUTHENTICATED')).toBe(true);
            expect(outcome.errors[0]?.message).toBe('Authentication required');
            return;
          }
          expect(outcome.errors).toEqual([
            {
              message: `Not allowed for this client: ${coordinate}`,
              path: path.at(field),
              code: 'FORBIDDEN',
              coordinate,
              coordinates: undefined,
            },
          ]);
          expect(valueAt(outcome.data, path.at(field))).toBeNull();
          // The rest of the object is still there.
          expect(valueAt(outcome.data, [...path.at(field).slice(0, -1), 'id'])).toBe('o0');
        });
      }
    }
  }

  for (const caller of CALLER_NAMES) {
    const admitted = caller === 'goldById' || caller === 'platinumByTier';
    it(`${admitted ? 'admits' : 'denies'} Priced.wholesale on every implementation to ${caller} (interface field)`, async () => {
      for (const key of Object.keys(calls)) delete calls[key];
      const outcome = await run('{ nodes { id ... on Priced { wholesale } } }', callers[caller]);
      if (admitted) {
        expect(outcome.errors).toEqual([]);
        expect(outcome.data).toEqual({ nodes: [{ id: 'o0', wholesale: SECRET.wholesale }, { id: 'p1', wholesale: SECRET.wholesale }] });
        return;
      }
      expect(outcome.text).not.toContain(String(SECRET.wholesale));
      expect(calls['Order.wholesale'] ?? 0).toBe(0);
      expect(calls['Product.wholesale'] ?? 0).toBe(0);
      if (caller === 'anonymous') {
        expect(outcome.errors.map((error) => error.code)).toEqual(['UNAUTHENTICATED']);
        return;
      }
      expect(outcome.data).toEqual({ nodes: [{ id: 'o0', wholesale: null }, { id: 'p1', wholesale: null }] });
      // One selection, one error, though it is denied on two implementations.
      expect(outcome.errors).toHaveLength(1);
      expect(outcome.errors[0]).toMatchObject({ code: 'FORBIDDEN', path: ['nodes', 0, 'wholesale'], coordinate: 'Order.wholesale' });
    });
  }

  const PROFILE_ADMITTED: readonly CallerName[] = ['storefrontUser', 'storefrontMachine'];
  for (const caller of CALLER_NAMES) {
    const admitted = PROFILE_ADMITTED.includes(caller);
    it(`${admitted ? 'admits' : 'denies'} Query.profile (users: true) to ${caller}`, async () => {
      for (const key of Object.keys(calls)) delete calls[key];
      const outcome = await run('{ profile }', callers[caller]);
      if (admitted) {
        expect(outcome.errors).toEqual([]);
        expect(outcome.data).toEqual({ profile: SECRET.profile });
        return;
      }
      expect(outcome.data).toEqual({ profile: null });
      expect(outcome.text).not.toContain(SECRET.profile);
      expect(calls['Query.profile'] ?? 0).toBe(0);
      expect(outcome.errors).toEqual([
        {
          message: caller === 'anonymous' ? 'Authentication required' : 'Not allowed for this client: Query.profile',
          path: ['profile'],
          code: caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
          coordinate: 'Query.profile',
          coordinates: undefined,
        },
      ]);
    });
  }

  const STATS_ADMITTED: readonly CallerName[] = ['goldById'];
  for (const caller of CALLER_NAMES) {
    const admitted = STATS_ADMITTED.includes(caller);
    it(`${admitted ? 'admits' : 'denies'} a field returning a type-level @allowClients type (Query.stats) to ${caller}`, async () => {
      for (const key of Object.keys(calls)) delete calls[key];
      const outcome = await run('{ stats { revenue } }', callers[caller]);
      if (admitted) {
        expect(outcome.errors).toEqual([]);
        expect(outcome.data).toEqual({ stats: { revenue: SECRET.revenue } });
        return;
      }
      expect(outcome.data).toEqual({ stats: null });
      expect(outcome.text).not.toContain(String(SECRET.revenue));
      expect(calls['Query.stats'] ?? 0).toBe(0);
      expect(outcome.errors).toHaveLength(1);
      expect(outcome.errors[0]).toMatchObject({
        code: caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN',
        coordinate: 'Query.stats',
        path: ['stats'],
      });
    });
  }
});
