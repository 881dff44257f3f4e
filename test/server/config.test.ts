import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_AUDIENCE, readConfig } from '../../src/server/config.js';

function expectConfigError(env: Record<string, string>, variable: string, message: RegExp): void {
  let thrown: unknown;
  try {
    readConfig(env);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  expect(error.variable).toBe(variable);
  expect(error.message.startsWith(`${variable} `)).toBe(true);
  expect(error.message).toMatch(message);
}

describe('readConfig', () => {
  it('starts the embedded dev issuer with safe defaults when nothing is set', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 4000,
      // The embedded issuer's tokens follow RFC 9068, so its preset is the default without AUTH_ISSUER.
      auth: { issuer: null, audience: DEV_AUDIENCE, jwksUri: null, preset: 'rfc9068', clientClaim: null, algorithms: ['RS256'], allowedClientIds: null, allowAnonymous: false },
      authz: { mode: 'filter', defaultPolicy: 'authenticated' },
      logLevel: 'info',
      production: false,
      introspection: true,
      maxBodyBytes: 1024 * 1024,
      timeouts: { headersMs: 10_000, requestMs: 30_000 },
      maxConnections: 0,
      devIssuer: { host: '127.0.0.1', port: 4001, audience: DEV_AUDIENCE },
    });
  });

  it('starts nothing dev-only when AUTH_ISSUER is set', () => {
    const config = readConfig({ AUTH_ISSUER: 'https://tenant.auth0.com/', AUTH_AUDIENCE: 'https://api.example.com' });
    expect(config.devIssuer).toBeNull();
    expect(config.auth.issuer).toBe('https://tenant.auth0.com/');
    expect(config.auth.audience).toBe('https://api.example.com');
    expect(config.auth.preset).toBe('auth0');
  });

  it('reads the client id list that the cognito preset needs instead of an audience', () => {
    const config = readConfig({ AUTH_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/pool', AUTH_PRESET: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'a1, b2' });
    expect(config.auth.allowedClientIds).toEqual(['a1', 'b2']);
    expect(config.auth.audience).toBeNull();
  });

  it('reads every variable', () => {
    const config = readConfig({
      AUTH_ISSUER: 'https://tenant.auth0.com/',
      AUTH_AUDIENCE: 'api',
      AUTH_JWKS_URI: 'https://tenant.auth0.com/.well-known/jwks.json',
      AUTH_PRESET: 'rfc9068',
      AUTH_CLIENT_CLAIM: 'https://example.com/client',
      AUTH_ALGORITHMS: 'RS256, PS256',
      AUTH_ALLOW_ANONYMOUS: 'true',
      AUTHZ_MODE: 'reject',
      AUTHZ_DEFAULT_POLICY: 'deny',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      GRAPHQL_INTROSPECTION: 'true',
      PORT: '0',
      HOST: '0.0.0.0',
      MAX_BODY_BYTES: '2048',
      HEADERS_TIMEOUT: '5',
      REQUEST_TIMEOUT: '20',
      MAX_CONNECTIONS: '500',
    });
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 0,
      auth: {
        jwksUri: 'https://tenant.auth0.com/.well-known/jwks.json',
        preset: 'rfc9068',
        clientClaim: 'https://example.com/client',
        algorithms: ['RS256', 'PS256'],
        allowAnonymous: true,
      },
      authz: { mode: 'reject', defaultPolicy: 'deny' },
      logLevel: 'warn',
      production: true,
      introspection: true,
      maxBodyBytes: 2048,
      timeouts: { headersMs: 5000, requestMs: 20_000 },
      maxConnections: 500,
    });
  });

  it('turns introspection off in production unless GRAPHQL_INTROSPECTION=true', () => {
    const config = readConfig({ NODE_ENV: 'production', AUTH_ISSUER: 'https://i.example/', AUTH_AUDIENCE: 'api' });
    expect(config.introspection).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', /integer between 0 and 65535/],
    [{ PORT: '70000' }, 'PORT', /integer between 0 and 65535/],
    [{ AUTH_ISSUER: 'tenant.auth0.com', AUTH_AUDIENCE: 'api' }, 'AUTH_ISSUER', /absolute URL/],
    [{ AUTH_ISSUER: 'ftp://tenant.auth0.com/', AUTH_AUDIENCE: 'api' }, 'AUTH_ISSUER', /http\(s\) URL/],
    [{ AUTH_ISSUER: 'https://tenant.auth0.com/' }, 'AUTH_AUDIENCE', /required when AUTH_ISSUER is set/],
    [{ AUTH_JWKS_URI: 'https://x.example/jwks' }, 'AUTH_JWKS_URI', /needs AUTH_ISSUER/],
    [{ AUTH_PRESET: 'auth1' }, 'AUTH_PRESET', /must be one of .*auth0.*rfc9068.*\(got "auth1"\)/],
    [{ AUTH_ISSUER: 'https://i.example/', AUTH_PRESET: 'cognito' }, 'AUTH_ALLOWED_CLIENT_IDS', /required with AUTH_PRESET=cognito/],
    [{ AUTH_ISSUER: 'https://i.example/', AUTH_AUDIENCE: 'api', AUTH_PRESET: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'a1' }, 'AUTH_AUDIENCE', /cannot be checked with AUTH_PRESET=cognito/],
    [{ AUTH_PRESET: 'cognito', AUTH_ALLOWED_CLIENT_IDS: 'a1' }, 'AUTH_PRESET', /cognito needs AUTH_ISSUER/],
    [{ AUTH_ALGORITHMS: 'RS256,none' }, 'AUTH_ALGORITHMS', /got "none"/],
    [{ AUTH_ALGORITHMS: 'HS256' }, 'AUTH_ALGORITHMS', /got "HS256"/],
    [{ AUTH_ALGORITHMS: 'RS256,,PS256' }, 'AUTH_ALGORITHMS', /without empty items/],
    [{ AUTH_ALLOW_ANONYMOUS: 'yes' }, 'AUTH_ALLOW_ANONYMOUS', /true or false/],
    [{ AUTHZ_MODE: 'strict' }, 'AUTHZ_MODE', /one of filter, reject/],
    [{ AUTHZ_DEFAULT_POLICY: 'allow' }, 'AUTHZ_DEFAULT_POLICY', /one of public, authenticated, deny/],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /one of fatal/],
    [{ GRAPHQL_INTROSPECTION: 'on' }, 'GRAPHQL_INTROSPECTION', /true or false/],
    [{ MAX_BODY_BYTES: '10' }, 'MAX_BODY_BYTES', /between 1024/],
    [{ RATE_LIMIT_REQUESTS: '-1' }, 'RATE_LIMIT_REQUESTS', /^RATE_LIMIT_REQUESTS must be an integer between 0 and 100000000 \(got "-1"\)$/],
    [{ RATE_LIMIT_REQUESTS: 'lots' }, 'RATE_LIMIT_REQUESTS', /integer between 0 and 100000000 \(got "lots"\)/],
    [{ RATE_LIMIT_REQUESTS: '100000001' }, 'RATE_LIMIT_REQUESTS', /integer between 0 and 100000000/],
    [{ RATE_LIMIT_WINDOW: '0' }, 'RATE_LIMIT_WINDOW', /^RATE_LIMIT_WINDOW must be an integer between 1 and 86400 \(got "0"\)$/],
    [{ RATE_LIMIT_WINDOW: '1.5' }, 'RATE_LIMIT_WINDOW', /integer between 1 and 86400 \(got "1.5"\)/],
    [{ RATE_LIMIT_WINDOW: '86401' }, 'RATE_LIMIT_WINDOW', /integer between 1 and 86400/],
    [{ HEADERS_TIMEOUT: '0' }, 'HEADERS_TIMEOUT', /integer between 1 and 300 \(got "0"\)/],
    [{ REQUEST_TIMEOUT: 'soon' }, 'REQUEST_TIMEOUT', /integer between 1 and 3600/],
    [{ HEADERS_TIMEOUT: '20', REQUEST_TIMEOUT: '10' }, 'REQUEST_TIMEOUT', /must be at least HEADERS_TIMEOUT \(20 s; got 10 s\)/],
    [{ MAX_CONNECTIONS: '-1' }, 'MAX_CONNECTIONS', /integer between 0 and 1000000/],
    [{ DEV_ISSUER_HOST: '0.0.0.0' }, 'DEV_ISSUER_HOST', /loopback/],
    [{ DEV_ISSUER_PORT: '-1' }, 'DEV_ISSUER_PORT', /integer/],
    [{ NODE_ENV: 'production' }, 'AUTH_ISSUER', /required when NODE_ENV=production/],
  ])('refuses %o naming %s', (env, variable, message) => {
    expectConfigError(env, variable, message);
  });
});
