/**
 * The tool on the reference schema (schema/ and dev/clients.json), against committed golden outputs
 * in test/cli/golden/. After an intended change of the schema or of the output, regenerate them with
 *   UPDATE_GOLDENS=1 npx vitest run test/cli/golden.test.ts
 * and review the diff of test/cli/golden/ like any other change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTool, ROOT } from './support/runTool.js';

const GOLDEN = join(ROOT, 'test', 'cli', 'golden');
const UPDATE = process.env.UPDATE_GOLDENS === '1';
const REFERENCE = ['--schema', 'schema/', '--clients', 'dev/clients.json'];

function expectGolden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (UPDATE || !existsSync(file)) writeFileSync(file, actual);
  expect(actual, `${name} differs from its golden (UPDATE_GOLDENS=1 to regenerate after an intended change)`).toBe(readFileSync(file, 'utf8'));
}

describe('allow-clients on the reference schema (golden outputs)', () => {
  it('explain prints the text table of every demo client against every field', async () => {
    const run = await runTool(['explain', ...REFERENCE]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toContain('\u001b['); // no colour outside a TTY
    expectGolden('explain.txt', run.stdout);
  });

  it('explain --format json gives each decision with the rule that decides', async () => {
    const run = await runTool(['explain', ...REFERENCE, '--format', 'json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expectGolden('explain.json', run.stdout);
    const matrix = JSON.parse(run.stdout) as { fields: { coordinate: string; decisions: Record<string, { allowed: boolean; rule: string }> }[] };
    const margin = matrix.fields.find((field) => field.coordinate === 'Order.margin');
    expect(margin?.decisions['ops-internal']).toEqual({ allowed: true, rule: '@allowClients(ids: ["ops-internal"])' });
    expect(margin?.decisions['acme-gold']).toEqual({ allowed: false, rule: '@allowClients(ids: ["ops-internal"])' });
    const report = matrix.fields.find((field) => field.coordinate === 'Query.partnerReport');
    expect(report?.decisions['globex-silver']).toEqual({ allowed: false, rule: '@requireScopes(anyOf: [["reports:read"]])' });
  });

  it('explain --format html is one self-contained page', async () => {
    const run = await runTool(['explain', ...REFERENCE, '--format', 'html']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).not.toMatch(/<script|<link|(src|href)=|url\(|@import/);
    expectGolden('explain.html', run.stdout);
  });

  it('explain --client restricts the columns, in the order given', async () => {
    const run = await runTool(['explain', ...REFERENCE, '--client', 'ops-internal', 'initech-bronze', '--format', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { clients: { id: string }[] }).clients.map((client) => client.id)).toEqual(['ops-internal', 'initech-bronze']);
  });

  it.each(['initech-bronze', 'acme-gold', 'storefront-web'])('schema prints the SDL %s sees', async (client) => {
    const run = await runTool(['schema', ...REFERENCE, '--client', client]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expectGolden(`schema.${client}.graphql`, run.stdout);
  });

  it('a bronze partner\'s SDL has no trace of gold-only or internal fields and types; gold\'s has them', async () => {
    const bronze = (await runTool(['schema', ...REFERENCE, '--client', 'initech-bronze'])).stdout;
    for (const hidden of ['PartnerOffer', 'PartnerReport', 'partnerReport', 'margin', 'wholesalePrice', 'stock', 'allOrders', 'placeOrder', 'Mutation', 'allowClients', 'ClientMetadataMatch']) {
      expect(bronze, hidden).not.toContain(hidden);
    }
    expect(bronze).toContain('myOrders(first: Int! = 20, after: ID): [Order!]');
    const gold = (await runTool(['schema', ...REFERENCE, '--client', 'acme-gold'])).stdout;
    for (const shown of ['type PartnerOffer implements Node', 'type PartnerReport', 'partnerReport(period: String!): PartnerReport', 'wholesalePrice: Money', 'stock: Int', 'placeOrder(input: PlaceOrderInput!): Order!']) {
      expect(gold, shown).toContain(shown);
    }
    expect(gold).not.toContain('margin');
  });

  it('diff of the schema against itself reports no change and exits 0', async () => {
    const run = await runTool(['diff', 'schema/', 'schema/api.graphql', '--clients', 'dev/clients.json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expectGolden('diff.same.txt', run.stdout);
  });
});
