/**
 * Hostile callers, round two (issue 10), the semantic findings, against the real reference server
 * with tokens from the embedded dev issuer over loopback HTTP.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, readConfig } from '../../src/server/config.js';
import type { ReferenceServerConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { loadDevClients } from '../../src/server/devClients.js';
import type { DevFrontendClient, DevMachineClient } from '../../src/server/devClients.js';
import { startDevIssuer } from '../../src/server/devIssuer.js';
import type { DevIssuer } from '../../src/server/devIssuer.js';
import { discover, fetchClientToken, fetchUserToken } from '../../src/server/devTokens.js';
import { createLogger } from '../../src/server/logger.js';

type Caller = 'acme-gold' | 'globex-silver' | 'initech-bronze' | 'ops-internal' | 'alice';
interface Answer {
  status: number;
  challenge: string | null;
  text: string;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

const clients = loadDevClients();
const logger = createLogger('silent');

describe('hostile callers: a caller learns nothing of what it may not see (issue 10, findings 1 and 8)', () => {
  let issuer: DevIssuer;
  let filter: ReferenceServer;
  let reject: ReferenceServer;
  let production: ReferenceServer;
  let logged: ReferenceServer;
  const lines: { level: number; msg: string; err?: { stack?: string } }[] = [];
  const tokens = {} as Record<Caller, string>;

  function configFor(env: Record<string, string>): ReferenceServerConfig {
    const config = readConfig({ PORT: '0', DEV_ISSUER_PORT: '0', LOG_LEVEL: 'silent', RATE_LIMIT_REQUESTS: '0', ...env });
    return { ...config, auth: { ...config.auth, issuer: issuer.issuer } };
  }

  beforeAll(async () => {
    issuer = await startDevIssuer({ host: '127.0.0.1', port: 0, audience: DEV_AUDIENCE, clientClaim: 'https://allow-clients.dev/client', clients });
    filter = await createReferenceServer(configFor({}), { logger });
    reject = await createReferenceServer(configFor({ AUTHZ_MODE: 'reject' }), { logger });
    production = await createReferenceServer(configFor({ AUTHZ_MODE: 'reject', GRAPHQL_INTROSPECTION: 'false' }), { logger });
    const capture = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    logged = await createReferenceServer(configFor({}), { logger: capture });
    const endpoints = await discover(issuer.issuer);
    for (const client of clients) {
      if (client.kind === 'machine') tokens[client.id as Caller] = await fetchClientToken(endpoints, client as DevMachineClient);
    }
    tokens.alice = await fetchUserToken(endpoints, clients.find((client) => client.kind === 'frontend') as DevFrontendClient, 'alice');
  });
  afterAll(async () => {
    await Promise.all([filter.close(), reject.close(), production.close(), logged.close()]);
    await issuer.close();
  });

  async function ask(caller: Caller, query: string, server: ReferenceServer = filter, variables?: Record<string, unknown>): Promise<Answer> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[caller]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query, ...(variables === undefined ? {} : { variables }) }),
    });
    const text = await response.text();
    return { status: response.status, challenge: response.headers.get('www-authenticate'), text, body: JSON.parse(text) as Answer['body'] };
  }

  it.each(['initech-bronze', 'globex-silver', 'alice'] as const)('answers %s no __typename of a gold-only offer from search', async (caller) => {
    const answer = await ask(caller, '{ search(text: "drill") { __typename } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ search: [{ __typename: 'Product' }] });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.text).not.toContain('PartnerOffer');
  });

  it('still shows the offer to a gold partner', async () => {
    const answer = await ask('acme-gold', '{ search(text: "drill") { __typename ... on PartnerOffer { title } } }');
    expect(answer.body.data).toEqual({ search: [{ __typename: 'Product' }, { __typename: 'PartnerOffer', title: 'Drill volume deal' }] });
  });

  it('never matches a search on data the caller may not read (no title oracle)', async () => {
    // "volume deal" is only in the hidden offer's title: a bronze partner's search finds nothing,
    // exactly as for text that is nowhere.
    for (const text of ['volume deal', 'Drill volume', 'pre-season']) {
      const answer = await ask('initech-bronze', `{ search(text: ${JSON.stringify(text)}) { __typename } }`);
      expect(answer.body).toEqual({ data: { search: [] } });
    }
    const gold = await ask('acme-gold', '{ search(text: "volume deal") { __typename } }');
    expect(gold.body.data).toEqual({ search: [{ __typename: 'PartnerOffer' }] });
  });

  it('withholds a hidden object reached by id whole, naming the field only (filter mode)', async () => {
    const answer = await ask('initech-bronze', '{ node(id: "offer-drill-q4") { __typename id ... on PartnerOffer { title } } }');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toEqual({ node: null });
    expect(answer.body.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinate']])).toEqual([['FORBIDDEN', 'Query.node']]);
    expect(answer.text).not.toMatch(/PartnerOffer|offer-drill|Drill volume/);
  });

  it('refuses in reject mode without naming the partner-only type to bronze', async () => {
    // Today's code refused this with coordinates ["PartnerOffer.id"].
    const search = await ask('initech-bronze', '{ search(text: "drill") { __typename ... on Node { id } } }', reject);
    expect(search.status).toBe(200);
    expect(search.body).toEqual({ data: { search: [{ __typename: 'Product', id: 'prod-drill' }] } });
    const byId = await ask('initech-bronze', '{ node(id: "offer-drill-q4") { __typename ... on Node { id } } }', reject);
    expect(byId.status).toBe(403);
    expect(byId.challenge).toContain('error="insufficient_scope"');
    expect(byId.body.data).toBeUndefined();
    expect(byId.body.errors?.map((error) => [error.extensions?.['code'], error.extensions?.['coordinates']])).toEqual([['FORBIDDEN', ['Query.node']]]);
    expect(byId.text).not.toMatch(/PartnerOffer|offer-drill/);
  });

  it('strips "Did you mean" from variable coercion errors in production', async () => {
    const query = 'mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { id } }';
    const variables = { input: { line: [{ productId: 'prod-drill', quantity: 1 }] } };
    const answer = await ask('acme-gold', query, production, variables);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(answer.body.errors?.[0]?.message).toMatch(/^Variable "\$input" got invalid value/);
    expect(answer.body.errors?.[1]?.message).toBe('Variable "$input" got invalid value { line: [[Object]] }; Field "line" is not defined by type "PlaceOrderInput".');
    expect(answer.text).not.toContain('Did you mean');
    // With introspection on (development), the suggestion stays: it helps whoever may read the schema.
    const development = await ask('acme-gold', query, filter, variables);
    expect(development.text).toContain('Did you mean \\"lines\\"?');
  });

  it('strips suggestions that would name a hidden type from validation errors in production', async () => {
    const answer = await ask('initech-bronze', '{ search(text: "x") { title } }', production);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.body.errors?.[0]?.message).toBe('Cannot query field "title" on type "SearchResult".');
    expect(answer.text).not.toContain('PartnerOffer');
  });

  describe('subscriptions (finding 9)', () => {
    it.each([
      ['with a selection', 'subscription { orderPlaced { id } }'],
      ['named, on a field that exists nowhere', 'subscription Watch { apiInfo }'],
    ])('answers subscription %s with 400 SUBSCRIPTIONS_NOT_SUPPORTED, no stack and no error-level log line', async (_label, query) => {
      const before = lines.length;
      const answer = await ask('acme-gold', query, logged);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        errors: [{ message: 'Subscriptions are not supported by this API: send a query or a mutation', extensions: { code: 'SUBSCRIPTIONS_NOT_SUPPORTED' } }],
      });
      expect(answer.text).not.toMatch(/stack|at .*\.ts|INTERNAL_SERVER_ERROR/);
      const written = lines.slice(before);
      expect(written.filter((line) => line.level >= 50)).toEqual([]);
      expect(written.some((line) => line.err?.stack !== undefined)).toBe(false);
    });

    it('answers a subscription in a GET with a 4xx and a code too (Apollo: GET serves queries only)', async () => {
      const before = lines.length;
      const url = `${logged.url}?query=${encodeURIComponent('subscription { apiInfo }')}`;
      const response = await fetch(url, { headers: { authorization: `Bearer ${tokens['acme-gold']}`, 'apollo-require-preflight': 'true' } });
      const text = await response.text();
      expect(response.status).toBe(405);
      expect(JSON.parse(text)).toEqual({ errors: [{ message: 'GET requests only support query operations, not subscription operations', extensions: { code: 'BAD_REQUEST' } }] });
      expect(lines.slice(before).filter((line) => line.level >= 50)).toEqual([]);
    });
  });
});
