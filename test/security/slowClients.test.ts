/**
 * Slow clients (slowloris): a client that drips its headers or its body cannot hold a connection
 * past HEADERS_TIMEOUT / REQUEST_TIMEOUT, gets 408, and never reaches a resolver; other clients
 * are served meanwhile; MAX_CONNECTIONS caps simultaneous connections.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../src/server/config.js';
import { createReferenceServer } from '../../src/server/createReferenceServer.js';
import type { ReferenceServer } from '../../src/server/createReferenceServer.js';
import { createLogger } from '../../src/server/logger.js';
import { startTestIssuer } from '../helpers/testIssuer.js';
import type { TestIssuer } from '../helpers/testIssuer.js';

const AUDIENCE = 'https://api.allow-clients.test/graphql';
const CLIENT_CLAIM = 'https://allow-clients.dev/client';

async function startServer(issuer: TestIssuer, env: Record<string, string>): Promise<ReferenceServer> {
  const config = readConfig({ AUTH_ISSUER: issuer.url, AUTH_AUDIENCE: AUDIENCE, PORT: '0', LOG_LEVEL: 'silent', ...env });
  if (config.auth.issuer === null) throw new Error('unreachable');
  return createReferenceServer({ ...config, auth: { ...config.auth, issuer: config.auth.issuer } }, { logger: createLogger('silent') });
}

/** A raw connection that records what the server sends until it closes the connection. */
function open(url: string): { socket: Socket; closed: Promise<string> } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<string>((resolveClosed, rejectClosed) => {
    const guard = setTimeout(() => {
      socket.destroy();
      rejectClosed(new Error('the server kept the slow connection open for 15 s'));
    }, 15_000);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(guard);
      resolveClosed(Buffer.concat(chunks).toString('latin1'));
    });
  });
  return { socket, closed };
}

/** Writes `piece` every 200 ms until the connection closes. */
function drip(socket: Socket, piece: string): void {
  const timer = setInterval(() => {
    if (socket.destroyed || !socket.writable) clearInterval(timer);
    else socket.write(piece);
  }, 200);
  socket.on('close', () => clearInterval(timer));
}

describe('reference server against slow clients', () => {
  let issuer: TestIssuer;
  /** HEADERS_TIMEOUT 1 s, REQUEST_TIMEOUT 60 s: only the headers deadline can answer within the test's 15 s. */
  let server: ReferenceServer;
  /** HEADERS_TIMEOUT 1 s, REQUEST_TIMEOUT 2 s. */
  let bodyServer: ReferenceServer;
  let token: string;
  const query = JSON.stringify({ query: '{ viewer { client { id } } }' });

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    server = await startServer(issuer, { HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '60' });
    bodyServer = await startServer(issuer, { HEADERS_TIMEOUT: '1', REQUEST_TIMEOUT: '2' });
    token = issuer.sign({ sub: 'acme-gold@clients', azp: 'acme-gold', [CLIENT_CLAIM]: { id: 'acme-gold', name: 'Acme Retail', metadata: { tier: 'gold' } } });
  });
  afterAll(async () => {
    await server.close();
    await bodyServer.close();
    await issuer.close();
  });

  it('answers 408 and closes a connection whose headers drip past HEADERS_TIMEOUT, and serves others meanwhile', async () => {
    const slow = open(server.url);
    slow.socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    drip(slow.socket, 'x-drip: 1\r\n');
    const answer = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: query,
      signal: AbortSignal.timeout(10_000),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { viewer: { client: { id: 'acme-gold' } } } });
    const received = await slow.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).not.toContain('acme-gold');
  });

  it('answers 408 and closes a connection whose body drips past REQUEST_TIMEOUT, before the request is read', async () => {
    const slow = open(bodyServer.url);
    slow.socket.write(
      'POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
        `authorization: Bearer ${token}\r\ncontent-length: 100000\r\n\r\n{"query":"`,
    );
    drip(slow.socket, ' ');
    const received = await slow.closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).not.toContain('"data"');
    // The server is still healthy afterwards.
    const health = await fetch(new URL('/healthz', bodyServer.url), { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
  });
});

describe('reference server with MAX_CONNECTIONS', () => {
  let issuer: TestIssuer;
  let server: ReferenceServer;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: AUDIENCE });
    server = await startServer(issuer, { MAX_CONNECTIONS: '2' });
  });
  afterAll(async () => {
    await server.close();
    await issuer.close();
  });

  it('closes connections past the cap at once, and serves again when one is freed', async () => {
    const holders = [open(server.url), open(server.url)];
    await Promise.all(holders.map(({ socket }) => new Promise((resolveConnected) => socket.once('connect', resolveConnected))));
    // Partial requests: the server has read them, so both connections are counted.
    for (const { socket } of holders) socket.write('GET /healthz HTTP/1.1\r\n');
    await new Promise((resolveTick) => setTimeout(resolveTick, 100));
    const extra = open(server.url);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await extra.closed).toBe('');
    holders[0]?.socket.destroy();
    await holders[0]?.closed;
    const health = await fetch(new URL('/healthz', server.url), { headers: { connection: 'close' }, signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    holders[1]?.socket.destroy();
    await holders[1]?.closed;
  });
});
