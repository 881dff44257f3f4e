/**
 * The reference server's metrics and audit events after a scripted mix of allowed, denied and
 * refused requests: real tokens from a test issuer over a real JWKS, the real server, `/metrics`
 * on its own port, and the audit lines as the logger wrote them.
 */
import { Writable } from 'node:stream';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EVENT_NAME, MAX_AUDIT_EVENT_BYTES } from '../../src/index.js';
import { METRIC_NAMES } from '../../src/prometheus/index.js';
import { readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createStore } from '../../src/server/data/store.js';
import { startMetricsServer } from '../../src/server/metricsServer.js';
import type { MetricsServer } from '../../src/server/metricsServer.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';
import { parseMetrics, sampleValue } from './support/prometheusText.js';
import type { Sample } from './support/prometheusText.js';

const AUDIENCE = 'https://api.allow-clients.test/graphql';
const CLIENT_CLAIM = 'https://allow-clients.dev/client';
const PRODUCT = 'query Drill { product(id: "prod-drill") { name wholesalePrice { amount } } }';
const PLACE_ORDER = 'mutation Order { placeOrder(input: { lines: [{ productId: "prod-drill", quantity: 1 }] }) { number } }';

interface Answer {
  readonly status: number;
  readonly requestId: string | null;
  readonly body: { data?: Record<string, unknown> | null; errors?: { extensions?: Record<string, unknown> }[] };
}

describe('metrics and audit events of the reference server', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;
  let metricsServer: MetricsServer;
  const store = createStore();
  const lines: Record<string, unknown>[] = [];
  const tokens: Record<'acme' | 'initech' | 'flooder' | 'expired', string> = { acme: '', initech: '', flooder: '', expired: '' };

  const tokenFor = (id: string, tier: string, scope: string, options: { now?: number } = {}): string =>
    issuer.sign({ sub: `${id}@clients`, azp: id, scope, [CLIENT_CLAIM]: { id, name: id, metadata: { tier } } }, options);

  async function ask(token: string | null, query: string, requestId?: string): Promise<Answer> {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
      },
      body: JSON.stringify({ query }),
    });
    return { status: response.status, requestId: response.headers.get('x-request-id'), body: (await response.json()) as Answer['body'] };
  }

  const answers: Record<string, Answer> = {};
  let samples: readonly Sample[] = [];

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', RATE_LIMIT_REQUESTS: '3' });
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const logger = pino({ level: 'info' }, stream);
    server = await createReferenceServer({ ...config, auth: { ...config.auth, issuer: issuer.url } }, { logger, store, metricsClientIds: ['acme-gold'] });
    metricsServer = await startMetricsServer({ host: '127.0.0.1', port: 0, registry: server.metrics.registry, logger });
    tokens.acme = tokenFor('acme-gold', 'gold', 'catalog:read orders:read orders:write');
    tokens.initech = tokenFor('initech-bronze', 'bronze', 'catalog:read orders:read orders:write');
    tokens.flooder = tokenFor('flooder', 'none', 'catalog:read');
    tokens.expired = tokenFor('acme-gold', 'gold', 'catalog:read', { now: Math.floor(Date.now() / 1000) - 3 * 3600 });

    // The script: each step's outcome is asserted in its own test below.
    answers['served1'] = await ask(tokens.acme, PRODUCT);
    answers['served2'] = await ask(tokens.acme, PRODUCT);
    const aliases = Array.from({ length: 60 }, (_, index) => `a${index}: product(id: "prod-drill") { name }`).join(' ');
    answers['limit'] = await ask(tokens.acme, `query Wide { ${aliases} }`);
    answers['invalid'] = await ask(tokens.acme, '{ product(id: ');
    answers['denied'] = await ask(tokens.initech, PRODUCT, 'audit-denied-1');
    answers['refused'] = await ask(tokens.initech, PLACE_ORDER, 'audit-refused-1');
    answers['anonymous'] = await ask(null, PRODUCT);
    answers['expired'] = await ask(tokens.expired, PRODUCT);
    for (let index = 1; index <= 4; index += 1) answers[`flood${index}`] = await ask(tokens.flooder, '{ product(id: "prod-drill") { name } }');
    const response = await fetch(metricsServer.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    samples = parseMetrics(await response.text());
  });
  afterAll(async () => {
    await metricsServer?.close();
    await server?.close();
    await issuer?.close();
  });

  it('answered each step of the script as intended', () => {
    expect(answers['served1']?.body.data).toEqual({ product: { name: 'Cordless Drill', wholesalePrice: { amount: 92 } } });
    expect(answers['limit']?.status).toBe(400);
    expect(answers['limit']?.body.errors?.[0]?.extensions?.['code']).toBe('TOO_MANY_ALIASES');
    expect(answers['invalid']?.status).toBe(400);
    expect(answers['denied']?.body.data).toEqual({ product: { name: 'Cordless Drill', wholesalePrice: null } });
    expect(answers['refused']?.status).toBe(403);
    expect(answers['refused']?.body.data).toBeUndefined();
    // The refused mutation's resolver never ran: no order was placed.
    expect(store.orders().filter((order) => order.clientId === 'initech-bronze')).toHaveLength(1);
    expect(answers['anonymous']?.status).toBe(401);
    expect(answers['expired']?.status).toBe(401);
    expect([1, 2, 3, 4].map((index) => answers[`flood${index}`]?.status)).toEqual([200, 200, 200, 429]);
  });

  it('counts requests by client id and outcome', () => {
    const requests = (labels: Record<string, string>) => sampleValue(samples, METRIC_NAMES.requests, labels);
    expect(requests({ client_id: 'acme-gold', outcome: 'served' })).toBe(2);
    expect(requests({ client_id: 'acme-gold', outcome: 'limit_exceeded' })).toBe(1);
    expect(requests({ client_id: 'acme-gold', outcome: 'invalid' })).toBe(1);
    expect(requests({ client_id: 'initech-bronze', outcome: 'denied_in_part' })).toBe(1);
    expect(requests({ client_id: 'initech-bronze', outcome: 'refused' })).toBe(1);
    expect(requests({ client_id: 'anonymous', outcome: 'unauthenticated' })).toBe(2);
    expect(requests({ client_id: 'flooder', outcome: 'served' })).toBe(3);
    expect(requests({ client_id: 'flooder', outcome: 'rate_limited' })).toBe(1);
    const total = samples.filter((sample) => sample.name === METRIC_NAMES.requests).reduce((sum, sample) => sum + sample.value, 0);
    expect(total).toBe(12);
  });

  it('counts denials by client id and field coordinate from the schema', () => {
    expect(sampleValue(samples, METRIC_NAMES.denials, { client_id: 'initech-bronze', coordinate: 'Product.wholesalePrice' })).toBe(1);
    expect(sampleValue(samples, METRIC_NAMES.denials, { client_id: 'initech-bronze', coordinate: 'Mutation.placeOrder' })).toBe(1);
    expect(samples.filter((sample) => sample.name === METRIC_NAMES.denials)).toHaveLength(2);
  });

  it('counts token verifications by result and refusal code, with their durations', () => {
    // Three tokens verified once each, then answered from the cache; the expired one refused.
    expect(sampleValue(samples, METRIC_NAMES.verifications, { result: 'verified', code: '' })).toBe(3);
    expect(sampleValue(samples, METRIC_NAMES.verifications, { result: 'cached', code: '' })).toBe(7);
    expect(sampleValue(samples, METRIC_NAMES.verifications, { result: 'refused', code: 'ERR_TOKEN_EXPIRED' })).toBe(1);
    expect(sampleValue(samples, `${METRIC_NAMES.verificationDuration}_count`, { result: 'verified' })).toBe(3);
    expect(sampleValue(samples, `${METRIC_NAMES.verificationDuration}_count`, { result: 'cached' })).toBe(7);
  });

  it('counts JWKS fetches and failures', () => {
    expect(sampleValue(samples, METRIC_NAMES.jwksFetches, {})).toBe(1);
    expect(sampleValue(samples, METRIC_NAMES.jwksFetchFailures, {})).toBe(0);
  });

  it('observes request durations by operation type', () => {
    const count = (type: string) => sampleValue(samples, `${METRIC_NAMES.operationDuration}_count`, { operation_type: type });
    // Parsed queries: 2 served + 1 denied + 3 flood served; no operation: parse failure, 401s, 429, and
    // the limit refused at the edge before the document is parsed (the caller's own limits come first).
    expect(count('query')).toBe(6);
    expect(count('mutation')).toBe(1);
    expect(count('none')).toBe(5);
  });

  it('writes one bounded audit event per request not served in full, in the documented shape', () => {
    const events = lines.flatMap((line) => (typeof line['audit'] === 'object' && line['audit'] !== null ? [line['audit'] as Record<string, unknown>] : []));
    expect(events.map((event) => event['outcome']).sort()).toEqual(
      ['denied_in_part', 'invalid', 'limit_exceeded', 'rate_limited', 'refused', 'unauthenticated', 'unauthenticated'].sort(),
    );
    for (const event of events) expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_AUDIT_EVENT_BYTES);
    const refused = events.find((event) => event['requestId'] === 'audit-refused-1');
    expect(answers['refused']?.requestId).toBe('audit-refused-1');
    expect(refused).toEqual({
      event: AUDIT_EVENT_NAME,
      version: 1,
      requestId: 'audit-refused-1',
      outcome: 'refused',
      status: 403,
      code: 'ERR_FORBIDDEN',
      clientId: 'initech-bronze',
      kind: 'machine',
      operationName: 'Order',
      operationHash: createHash('sha256').update(PLACE_ORDER).digest('hex'),
      coordinates: [{ coordinate: 'Mutation.placeOrder', code: 'ERR_FORBIDDEN', rule: expect.stringContaining('tier') as unknown, selections: 1 }],
      omittedCoordinates: 0,
      truncated: false,
    });
    const denied = events.find((event) => event['requestId'] === 'audit-denied-1');
    expect(denied).toMatchObject({ outcome: 'denied_in_part', status: 200, clientId: 'initech-bronze', operationName: 'Drill', coordinates: [{ coordinate: 'Product.wholesalePrice' }] });
    const expired = events.find((event) => event['code'] === 'ERR_TOKEN_EXPIRED');
    expect(expired).toMatchObject({ outcome: 'unauthenticated', status: 401, clientId: null, kind: 'anonymous', coordinates: [] });
    // The token never reaches the log.
    expect(JSON.stringify(lines)).not.toContain(tokens.expired);
  });
});
