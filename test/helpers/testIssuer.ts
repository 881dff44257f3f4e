/**
 * A real token issuer for tests: RSA/EC keys generated with node:crypto, a JWKS and an OpenID
 * discovery document served over HTTP on 127.0.0.1 (ephemeral port), tokens signed with
 * jsonwebtoken. It can rotate and add keys, count requests per path, and misbehave on demand
 * (500, garbage, closed connections, a slow drip) to test outages.
 *
 * @example
 * ```ts
 * const issuer = await startTestIssuer();
 * const token = issuer.sign({ scope: 'read:orders' });
 * // ... verify against issuer.url / issuer.jwksUri
 * await issuer.close();
 * ```
 */
import { createHmac, generateKeyPair, randomUUID, sign as cryptoSign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import jwt from 'jsonwebtoken';
import type { Algorithm } from 'jsonwebtoken';

const generateKeyPairAsync = promisify(generateKeyPair);

/** How the issuer's HTTP endpoints behave. */
export type IssuerMode =
  /** Serve the JWKS and discovery normally. */
  | 'ok'
  /** Answer 500 with a text body. */
  | 'error'
  /** Answer 200 with a body that is not JSON. */
  | 'garbage'
  /** Answer 200 with JSON that is not a JWKS (`{ "keys": "nope" }`). */
  | 'not-jwks'
  /** Destroy the connection without answering. */
  | 'close'
  /** Send headers and then one byte every `dripIntervalMs`, never finishing. */
  | 'drip'
  /** Answer 200 with a valid JWKS padded to 4 MiB. */
  | 'huge';

/** A key the issuer holds. */
export interface TestKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The public JWK as published (with kid, alg, use). */
  readonly jwk: Readonly<Record<string, unknown>>;
  /** The public key as SPKI PEM. */
  readonly publicPem: string;
}

/** Options of {@link TestIssuer.addKey}. */
export interface AddKeyOptions {
  /** Default a random UUID. */
  readonly kid?: string;
  /** 'rsa' (default) or 'ec' (P-256). */
  readonly type?: 'rsa' | 'ec';
  /** RSA modulus length, default 2048. */
  readonly modulusLength?: number;
  /** The `alg` published in the JWK and used by default to sign: default RS256 (rsa) or ES256 (ec). */
  readonly alg?: string;
  /** Publish the `alg` member in the JWK (default true). */
  readonly publishAlg?: boolean;
  /** The `use` published (default 'sig'; null to omit). */
  readonly use?: string | null;
  /** Make it the key that `sign` uses by default (default true). */
  readonly current?: boolean;
  /** Put it in the JWKS (default true). An unpublished key models an attacker's key. */
  readonly publish?: boolean;
}

/** Options of {@link TestIssuer.sign}. */
export interface SignOptions {
  /** Key id put in the header; default the signing key's kid. `null` omits the kid. */
  readonly kid?: string | null;
  /** Header `alg`; default the signing key's alg. */
  readonly alg?: string;
  /** Extra header members (typ, crit, cty, jku, ...); `undefined` values remove a member. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Lifetime in seconds from `iat` (default 3600). Ignored when the claims set `exp`. */
  readonly expiresIn?: number;
  /** The key to sign with (default the current key). May be a key that is not published. */
  readonly key?: TestKey;
  /** The issuing time in seconds since the epoch (default now). */
  readonly now?: number;
}

/** Options of {@link startTestIssuer}. */
export interface TestIssuerOptions {
  /** Number of RSA keys created at start (default 1); the last one is current. */
  readonly keys?: number;
  /** Path of the JWKS (default '/.well-known/jwks.json'). */
  readonly jwksPath?: string;
  /** Serve '/.well-known/openid-configuration' (default true). */
  readonly discovery?: boolean;
  /** Default audience (default 'https://api.example.test'). */
  readonly audience?: string;
  /** Initial mode (default 'ok'). */
  readonly mode?: IssuerMode;
  /** Interval between dripped bytes (default 100 ms). */
  readonly dripIntervalMs?: number;
  /** Replaces the discovery document served in mode 'ok' (given the issuer url). */
  readonly discoveryDocument?: (url: string) => unknown;
}

/** A running test issuer. */
export interface TestIssuer {
  /** The issuer identifier, `http://127.0.0.1:<port>/` (with trailing slash). */
  readonly url: string;
  /** The absolute JWKS URL. */
  readonly jwksUri: string;
  /** The absolute discovery URL. */
  readonly discoveryUri: string;
  /** The default audience. */
  readonly audience: string;
  /** Every key created, published or not, in creation order. */
  readonly keys: readonly TestKey[];
  /** The key `sign` uses by default. */
  readonly currentKey: TestKey;
  /** Requests received per path (query excluded). */
  readonly hits: Readonly<Record<string, number>>;
  /** Number of requests to a path (0 if none). */
  hitCount(path: string): number;
  /** Total requests received. */
  readonly totalHits: number;
  /** Responses whose connection the client closed before the issuer finished (e.g. an aborted drip). */
  readonly abortedResponses: number;
  /** Resets hit counters and aborted count. */
  resetHits(): void;
  /** Changes how the endpoints behave. */
  setMode(mode: IssuerMode): void;
  readonly mode: IssuerMode;
  /** Creates a key; published and current by default. */
  addKey(options?: AddKeyOptions): Promise<TestKey>;
  /** Creates a new current key and unpublishes the previous ones unless `keepOld`. Returns the new key. */
  rotate(options?: AddKeyOptions & { readonly keepOld?: boolean }): Promise<TestKey>;
  /** Removes a key from the JWKS (it can still sign). */
  unpublish(kid: string): void;
  /** The JWKS currently served. */
  jwks(): { keys: Record<string, unknown>[] };
  /**
   * Signs a token with jsonwebtoken. Default claims: iss (this url), aud, sub 'clientA@clients',
   * azp 'clientA', gty 'client-credentials', iat now, exp iat + expiresIn. A claim set to
   * `undefined` is removed. Claims jsonwebtoken refuses to sign (non-numeric exp, no iat) are
   * signed by hand with node:crypto instead.
   */
  sign(claims?: Readonly<Record<string, unknown>>, options?: SignOptions): string;
  /**
   * Builds a token from an exact header and payload, signed with node:crypto: with `key` (RSA/EC
   * private KeyObject, alg from the header), with an HMAC `secret`, or unsigned (`'none'`).
   */
  signRaw(header: Readonly<Record<string, unknown>>, payload: unknown, signer: RawSigner): string;
  /** Default claims at a given time (seconds). */
  defaultClaims(now?: number): Record<string, unknown>;
  /** Stops the server and every open connection. */
  close(): Promise<void>;
}

/** How {@link TestIssuer.signRaw} signs. */
export type RawSigner = 'none' | { readonly key: KeyObject } | { readonly secret: string | Buffer };

const base64url = (input: string | Buffer): string => Buffer.from(input).toString('base64url');

/** Starts a test issuer on 127.0.0.1 (ephemeral port). */
export async function startTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  const jwksPath = options.jwksPath ?? '/.well-known/jwks.json';
  const discovery = options.discovery ?? true;
  const audience = options.audience ?? 'https://api.example.test';
  const dripIntervalMs = options.dripIntervalMs ?? 100;
  let mode: IssuerMode = options.mode ?? 'ok';
  const keys: TestKey[] = [];
  const published = new Set<string>();
  let current: TestKey | undefined;
  let hits: Record<string, number> = {};
  let totalHits = 0;
  let abortedResponses = 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let url = '';

  const jwksDocument = (): { keys: Record<string, unknown>[] } => ({
    keys: keys.filter((key) => published.has(key.kid)).map((key) => ({ ...key.jwk })),
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    hits[path] = (hits[path] ?? 0) + 1;
    totalHits += 1;
    const known = path === jwksPath || (discovery && path === '/.well-known/openid-configuration');
    if (!known) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    switch (mode) {
      case 'error':
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html>{{{ not json');
        return;
      case 'not-jwks':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"nope"}');
        return;
      case 'close':
        req.socket.destroy();
        return;
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        const timer = setInterval(() => res.write(' '), dripIntervalMs);
        timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
          if (!res.writableFinished) abortedResponses += 1;
        });
        return;
      }
      case 'huge': {
        const document = path === jwksPath ? jwksDocument() : { issuer: url, jwks_uri: new URL(jwksPath, url).href };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...document, padding: 'x'.repeat(4 * 1024 * 1024) }));
        return;
      }
      case 'ok': {
        const body =
          path === jwksPath
            ? jwksDocument()
            : (options.discoveryDocument?.(url) ?? { issuer: url, jwks_uri: new URL(jwksPath, url).href, id_token_signing_alg_values_supported: ['RS256'] });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        return;
      }
    }
  };

  const server: Server = createServer(handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/`;

  const addKey = async (keyOptions: AddKeyOptions = {}): Promise<TestKey> => {
    const type = keyOptions.type ?? 'rsa';
    const pair =
      type === 'rsa'
        ? await generateKeyPairAsync('rsa', { modulusLength: keyOptions.modulusLength ?? 2048 })
        : await generateKeyPairAsync('ec', { namedCurve: 'P-256' });
    const kid = keyOptions.kid ?? randomUUID();
    const alg = keyOptions.alg ?? (type === 'rsa' ? 'RS256' : 'ES256');
    const exported = pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const jwk: Record<string, unknown> = { ...exported, kid };
    if (keyOptions.publishAlg ?? true) jwk.alg = alg;
    const use = keyOptions.use === undefined ? 'sig' : keyOptions.use;
    if (use !== null) jwk.use = use;
    const key: TestKey = {
      kid,
      alg,
      privateKey: pair.privateKey,
      publicKey: pair.publicKey,
      jwk,
      publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    keys.push(key);
    if (keyOptions.publish ?? true) published.add(kid);
    if (keyOptions.current ?? true) current = key;
    return key;
  };

  const defaultClaims = (now: number = Math.floor(Date.now() / 1000)): Record<string, unknown> => ({
    iss: url,
    aud: audience,
    sub: 'clientA@clients',
    azp: 'clientA',
    gty: 'client-credentials',
    iat: now,
    exp: now + 3600,
  });

  const signRaw = (header: Readonly<Record<string, unknown>>, payload: unknown, signer: RawSigner): string => {
    const input = `${base64url(JSON.stringify(header))}.${base64url(typeof payload === 'string' ? payload : JSON.stringify(payload))}`;
    if (signer === 'none') return `${input}.`;
    if ('secret' in signer) {
      const alg = String(header.alg ?? 'HS256');
      const hash = `sha${alg.slice(2)}`;
      return `${input}.${createHmac(hash, signer.secret).update(input).digest('base64url')}`;
    }
    const alg = String(header.alg ?? 'RS256');
    const hash = `sha${alg.slice(2)}`;
    const signature = alg.startsWith('ES')
      ? cryptoSign(hash, Buffer.from(input), { key: signer.key, dsaEncoding: 'ieee-p1363' })
      : alg.startsWith('PS')
        ? cryptoSign(hash, Buffer.from(input), { key: signer.key, padding: 6, saltLength: Number(alg.slice(2)) / 8 })
        : cryptoSign(hash, Buffer.from(input), signer.key);
    return `${input}.${signature.toString('base64url')}`;
  };

  const sign = (claims: Readonly<Record<string, unknown>> = {}, signOptions: SignOptions = {}): string => {
    const key = signOptions.key ?? current;
    if (key === undefined) throw new Error('test issuer has no key');
    const now = signOptions.now ?? Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = defaultClaims(now);
    payload.exp = now + (signOptions.expiresIn ?? 3600);
    for (const [name, value] of Object.entries(claims)) {
      if (value === undefined) delete payload[name];
      else payload[name] = value;
    }
    const header: Record<string, unknown> = { alg: signOptions.alg ?? key.alg, typ: 'JWT' };
    const kid = signOptions.kid === undefined ? key.kid : signOptions.kid;
    if (kid !== null) header.kid = kid;
    for (const [name, value] of Object.entries(signOptions.header ?? {})) {
      if (value === undefined) delete header[name];
      else header[name] = value;
    }
    const jsonwebtokenCanSign =
      payload.iat !== undefined &&
      ['iat', 'exp', 'nbf'].every((name) => payload[name] === undefined || typeof payload[name] === 'number') &&
      typeof header.alg === 'string' &&
      /^(RS|PS|ES)(256|384|512)$/.test(header.alg);
    if (!jsonwebtokenCanSign) return signRaw(header, payload, { key: key.privateKey });
    return jwt.sign(payload, key.privateKey, {
      algorithm: header.alg as Algorithm,
      header: header as unknown as jwt.JwtHeader,
      allowInsecureKeySizes: true,
      allowInvalidAsymmetricKeyTypes: true,
    });
  };

  const initialKeys = options.keys ?? 1;
  for (let index = 0; index < initialKeys; index += 1) await addKey();

  const issuer: TestIssuer = {
    url,
    jwksUri: new URL(jwksPath, url).href,
    discoveryUri: new URL('/.well-known/openid-configuration', url).href,
    audience,
    keys,
    get currentKey(): TestKey {
      if (current === undefined) throw new Error('test issuer has no key');
      return current;
    },
    get hits(): Readonly<Record<string, number>> {
      return { ...hits };
    },
    hitCount: (path: string): number => hits[path] ?? 0,
    get totalHits(): number {
      return totalHits;
    },
    get abortedResponses(): number {
      return abortedResponses;
    },
    resetHits: (): void => {
      hits = {};
      totalHits = 0;
      abortedResponses = 0;
    },
    setMode: (next: IssuerMode): void => {
      mode = next;
    },
    get mode(): IssuerMode {
      return mode;
    },
    addKey,
    rotate: async (rotateOptions: AddKeyOptions & { readonly keepOld?: boolean } = {}): Promise<TestKey> => {
      const previous = [...published];
      const key = await addKey({ ...rotateOptions, current: true, publish: true });
      if (!(rotateOptions.keepOld ?? false)) for (const kid of previous) published.delete(kid);
      return key;
    },
    unpublish: (kid: string): void => {
      published.delete(kid);
    },
    jwks: jwksDocument,
    sign,
    signRaw,
    defaultClaims,
    close: async (): Promise<void> => {
      for (const timer of timers) clearInterval(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => {
        const guard = setTimeout(resolve, 2000);
        server.close(() => {
          clearTimeout(guard);
          resolve();
        });
      });
    },
  };
  return issuer;
}
