import { DEFAULT_REALM } from '../http/challenge.js';

/**
 * The realm of a request's `WWW-Authenticate` challenges travels with its context: it is given once,
 * to `createAuthContext`, which writes the 401s, and `allowClientsPlugin` reads it from the context
 * when it writes a 403. The key is enumerable, so a context spread into a larger one
 * (`{ ...(await auth(argument)), db }`) keeps it; being a private symbol, nothing else can set it.
 */
const REALM: unique symbol = Symbol('allow-clients realm');

/** Binds `realm` to a context object made for one request, and returns that object. */
export function bindRealm<TContext extends object>(context: TContext, realm: string): TContext {
  Object.defineProperty(context, REALM, { value: realm, enumerable: true, writable: false, configurable: true });
  return context;
}

/** The realm bound to a context, or the default (`'api'`, as for `createAuthContext`) for any other. */
export function realmOf(context: unknown): string {
  if (typeof context !== 'object' || context === null) return DEFAULT_REALM;
  const realm: unknown = (context as { [REALM]?: unknown })[REALM];
  return typeof realm === 'string' ? realm : DEFAULT_REALM;
}

/** Tells a caller of 0.1 where the realm went, rather than ignoring it. */
export function refuseRealmOption(options: unknown, where: string): void {
  if (typeof options === 'object' && options !== null && 'realm' in options) {
    throw new TypeError(`"realm" is given once, to createAuthContext, no longer to ${where}`);
  }
}
