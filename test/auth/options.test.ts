import { describe, expect, it } from 'vitest';
import { createAuthContext } from '../../src/apollo/createAuthContext.js';
import { createVerifier } from '../../src/auth/verifier.js';
import type { VerifierOptions } from '../../src/auth/verifierOptions.js';

const issuer = 'https://tenant.example.com/';
const audience = 'https://api.example.test';

/** Options are checked once, at construction, with a TypeError naming the option. */
describe('verifier options', () => {
  const rejects = (options: Record<string, unknown>, option: string): void => {
    expect(() => createVerifier({ issuer, audience, ...options } as unknown as VerifierOptions)).toThrow(TypeError);
    expect(() => createVerifier({ issuer, audience, ...options } as unknown as VerifierOptions)).toThrow(`"${option}"`);
  };

  it('applies documented defaults', () => {
    const { options } = createVerifier({ issuer, audience });
    expect(options).toMatchObject({
      algorithms: ['RS256'],
      clientClaim: 'https://allow-clients.dev/client',
      clockTolerance: 30,
      maxTokenLifetime: 30 * 24 * 3600,
      maxTokenLength: 8192,
      cacheSize: 10_000,
      cacheTtl: 600,
      jwksCooldown: 30,
      jwksTimeout: 5,
      jwksMaxAge: 600,
      jwksUri: undefined,
      audience: [audience],
    });
    expect(options.preset.name).toBe('auth0');
  });

  it.each([
    [{ issuer: 'tenant.example.com' }, 'issuer'],
    [{ issuer: 'http://tenant.example.com/' }, 'issuer'],
    [{ issuer: undefined }, 'issuer'],
    [{ audience: undefined }, 'audience'],
    [{ audience: '' }, 'audience'],
    [{ audience: [] }, 'audience'],
    [{ algorithms: ['HS256'] }, 'algorithms'],
    [{ algorithms: ['none'] }, 'algorithms'],
    [{ algorithms: ['RS256', 'NONE'] }, 'algorithms'],
    [{ algorithms: [] }, 'algorithms'],
    [{ jwksUri: 'ftp://keys.example/' }, 'jwksUri'],
    [{ preset: 'firebase' }, 'preset'],
    [{ clientClaim: '' }, 'clientClaim'],
    [{ clockTolerance: 61 }, 'clockTolerance'],
    [{ clockTolerance: -1 }, 'clockTolerance'],
    [{ maxTokenLifetime: 0 }, 'maxTokenLifetime'],
    [{ maxTokenLength: 10 }, 'maxTokenLength'],
    [{ cacheSize: 1.5 }, 'cacheSize'],
    [{ cacheTtl: Number.NaN }, 'cacheTtl'],
    [{ jwksCooldown: 0 }, 'jwksCooldown'],
    [{ jwksCooldown: 60 }, 'jwksCooldown'],
    [{ jwksTimeout: 31 }, 'jwksTimeout'],
    [{ allowedClientIds: 'clientA' }, 'allowedClientIds'],
    [{ logger: console.log }, 'logger'],
    [{ logger: { info: () => undefined } }, 'logger'],
    [{ now: 5 }, 'now'],
    [{ audiance: audience }, 'audiance'],
  ])('refuses %j, naming "%s"', (options, option) => {
    rejects(options, option);
  });

  it('accepts http issuers on loopback only (for development and tests)', () => {
    expect(() => createVerifier({ issuer: 'http://127.0.0.1:4001/', audience })).not.toThrow();
    expect(() => createVerifier({ issuer: 'http://localhost:4001/', audience })).not.toThrow();
  });

  it('checks createAuthContext options the same way, plus realm and allowAnonymous', () => {
    expect(() => createAuthContext({ issuer, audience, realm: 'say "hi"' })).toThrow('"realm"');
    expect(() => createAuthContext({ issuer, audience, allowAnonymous: 'yes' as unknown as boolean })).toThrow('"allowAnonymous"');
    expect(() => createAuthContext({ issuer: 'nope', audience })).toThrow('"issuer"');
    expect(() => createAuthContext({ issuer, audience, allowAnonymous: true, realm: 'orders' })).not.toThrow();
  });
});
