/**
 * explain's matrix agrees with what the server decides at run time: the reference schema built as
 * the reference server builds it (`buildReferenceSchema`, the library's `applyAllowClients`), each
 * demo client's operations decided by `checkOperation` and the resolvers' `mayRead`, compared cell by
 * cell with the matrix, plus hand-written expectations so that a shared bug cannot pass both sides.
 */
import { parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessMatrix, type AccessMatrix } from '../../src/cli/accessMatrix.js';
import { loadClientsFile, type CliClient } from '../../src/cli/clientsFile.js';
import { loadSchema, readSchemaSource } from '../../src/cli/schemaSource.js';
import { checkOperation, mayRead } from '../../src/index.js';
import { buildReferenceSchema } from '../../src/server/schema.js';
import { createLogger } from '../../src/server/logger.js';
import { ROOT } from './support/runTool.js';

/** Operations and the coordinates each selects. */
const OPERATIONS: readonly { readonly query: string; readonly coordinates: readonly string[] }[] = [
  { query: '{ allOrders { id margin { amount } } }', coordinates: ['Query.allOrders', 'Order.id', 'Order.margin'] },
  { query: '{ myOrders { number total { amount } } }', coordinates: ['Query.myOrders', 'Order.number', 'Order.total'] },
  { query: '{ products { name wholesalePrice { amount } stock } }', coordinates: ['Query.products', 'Product.name', 'Product.wholesalePrice', 'Product.stock'] },
  { query: '{ partnerReport(period: "2026-01") { orderCount } }', coordinates: ['Query.partnerReport', 'PartnerReport.orderCount'] },
  { query: '{ recommendedForYou { id } apiInfo }', coordinates: ['Query.recommendedForYou', 'Query.apiInfo'] },
  { query: 'mutation { placeOrder(input: { lines: [] }) { id } }', coordinates: ['Mutation.placeOrder'] },
];

/** Expectations written from schema/api.graphql's comments, not computed. */
const EXPECTED: readonly [client: string, coordinate: string, allowed: boolean][] = [
  ['ops-internal', 'Order.margin', true],
  ['acme-gold', 'Order.margin', false],
  ['initech-bronze', 'Product.wholesalePrice', false],
  ['globex-silver', 'Product.wholesalePrice', true],
  ['globex-silver', 'Product.stock', false],
  ['acme-gold', 'Product.stock', true],
  ['acme-gold', 'Query.partnerReport', true],
  ['globex-silver', 'Query.partnerReport', false],
  ['initech-bronze', 'Mutation.placeOrder', false],
  ['globex-silver', 'Mutation.placeOrder', true],
  ['storefront-web', 'Query.recommendedForYou', true],
  ['acme-gold', 'Query.recommendedForYou', false],
  ['acme-gold', 'PartnerOffer.title', true],
  ['globex-silver', 'PartnerOffer.title', false],
];

let clients: readonly CliClient[];
let matrix: AccessMatrix;
const runtime = buildReferenceSchema({ mode: 'filter', defaultPolicy: 'authenticated', logger: createLogger('silent') }).schema;

function cell(client: string, coordinate: string): boolean | undefined {
  return matrix.fields.find((field) => field.coordinate === coordinate)?.decisions[client]?.allowed;
}

beforeAll(() => {
  clients = loadClientsFile('dev/clients.json', ROOT);
  matrix = accessMatrix(loadSchema('schema/', readSchemaSource('schema/', ROOT), 'authenticated').rules, clients);
});

describe("explain's matrix and the runtime decide alike", () => {
  it('for every demo client and every selection of the operations, as checkOperation decides them before execution', () => {
    let compared = 0;
    for (const client of clients) {
      for (const operation of OPERATIONS) {
        const decision = checkOperation({ schema: runtime, document: parse(operation.query), principal: client.principal });
        expect(decision).not.toBeNull();
        // Beneath a denied root field nothing is decided (it never runs): only the root is compared then.
        const rootDenied = decision?.denied.has(operation.coordinates[0] ?? '') ?? true;
        for (const coordinate of rootDenied ? operation.coordinates.slice(0, 1) : operation.coordinates) {
          expect(cell(client.id, coordinate), `${client.id} ${coordinate}`).toBe(!(decision?.denied.has(coordinate) ?? true));
          compared += 1;
        }
      }
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('for every demo client and every object field, as mayRead answers in a resolver', () => {
    for (const field of matrix.fields) {
      for (const client of clients) {
        expect(field.decisions[client.id]?.allowed, `${client.id} ${field.coordinate}`).toBe(mayRead(runtime, client.principal, field.coordinate));
      }
    }
    expect(matrix.fields.length).toBeGreaterThan(50);
  });

  it.each(EXPECTED)('%s on %s: allowed %s', (client, coordinate, allowed) => {
    expect(cell(client, coordinate)).toBe(allowed);
  });
});
