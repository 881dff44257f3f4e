import { Directive } from '@nestjs/graphql';

/**
 * `@AllowClients()`, `@RequireScopes()`, `@Authenticated()` and `@Public()`: the allow-clients
 * directives for code-first schemas and for REST controllers. On a `@Field()`, an `@ObjectType()` or
 * a resolver method (`@Query()`, `@Mutation()`) each emits its directive into the generated schema,
 * where the rules are compiled and checked when the schema is built (a wrong argument stops the
 * start, naming the coordinate, as in SDL). On a controller or a route method, `AllowClientsGuard`
 * reads the same rules.
 */

/** A class, method or property decorator. */
export type RuleDecorator = ClassDecorator & MethodDecorator & PropertyDecorator;

/** One condition on client metadata, as in SDL: the value under `key` is one of `in`. */
export interface ClientMetadataMatch {
  readonly key: string;
  readonly in: readonly string[];
}

/** The arguments of `@allowClients`: a client is admitted when it matches ANY of ids, names, metadata. */
export interface AllowClientsArgs {
  /** Client ids, matched exactly. */
  readonly ids?: readonly string[];
  /** Client names from the client claim (not unique: prefer ids for anything sensitive). */
  readonly names?: readonly string[];
  /** Matchers on the client claim's metadata; ALL must hold. */
  readonly metadata?: readonly ClientMetadataMatch[];
  /** Also admit user tokens issued through a matching client (first-party frontends). Default false. */
  readonly users?: boolean;
}

const rulesByTarget = new WeakMap<object, string[]>();

/** The directives (SDL) written with these decorators on a controller class or a route handler, in order. */
export function writtenRules(target: object): readonly string[] {
  return rulesByTarget.get(target) ?? [];
}

/**
 * Admits only the listed applications (`@allowClients`).
 *
 * @example
 * ```ts
 * @AllowClients({ metadata: [{ key: 'tier', in: ['gold', 'platinum'] }] })
 * @Field(() => Float) margin!: number;
 * ```
 */
export function AllowClients(args: AllowClientsArgs): RuleDecorator {
  return ruleDecorator('allowClients', args, ['ids', 'names', 'metadata', 'users']);
}

/**
 * Admits a caller holding every scope of at least one alternative (`@requireScopes(anyOf:)`): each
 * argument is one alternative, a scope or a list of scopes that must all be granted.
 *
 * @example
 * ```ts
 * @RequireScopes('orders:read')                       // anyOf: [["orders:read"]]
 * @RequireScopes(['orders:read', 'orders:write'], 'admin') // anyOf: [["orders:read", "orders:write"], ["admin"]]
 * ```
 */
export function RequireScopes(...alternatives: readonly (string | readonly string[])[]): RuleDecorator {
  const anyOf = alternatives.map((alternative) => (typeof alternative === 'string' ? [alternative] : alternative));
  return ruleDecorator('requireScopes', { anyOf }, ['anyOf']);
}

/** Admits any verified caller, machine or user; refuses anonymous callers (`@authenticated`). */
export function Authenticated(): RuleDecorator {
  return ruleDecorator('authenticated', undefined, []);
}

/** Admits every caller, anonymous ones included, overriding the default policy but no other rule (`@public`). */
export function Public(): RuleDecorator {
  return ruleDecorator('public', undefined, []);
}

function ruleDecorator(name: string, args: object | undefined, allowed: readonly string[]): RuleDecorator {
  let sdl: string | undefined;
  let problem: string | undefined;
  try {
    sdl = `@${name}${args === undefined ? '' : `(${printArguments(args, allowed)})`}`;
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error);
  }
  const decorate = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const coordinate = key === undefined ? nameOf(target) : `${nameOf(target.constructor)}.${String(key)}`;
    if (sdl === undefined) throw new TypeError(`${coordinate}: @${name} ${problem ?? 'has wrong arguments'}`);
    if (key === undefined) (Directive(sdl) as ClassDecorator)(target as Parameters<ClassDecorator>[0]);
    else (Directive(sdl) as PropertyDecorator)(target, key);
    const holder: unknown = key === undefined ? target : descriptor?.value;
    if (typeof holder === 'function') {
      const rules = rulesByTarget.get(holder) ?? [];
      rules.push(sdl);
      rulesByTarget.set(holder, rules);
    }
  };
  return decorate as RuleDecorator;
}

function nameOf(target: unknown): string {
  return typeof target === 'function' && target.name.length > 0 ? target.name : '(anonymous class)';
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** The arguments as GraphQL SDL; the rules themselves are checked where the schema is built. */
function printArguments(args: object, allowed: readonly string[]): string {
  if (Array.isArray(args)) throw new TypeError('takes an object of arguments');
  const entries = Object.entries(args).filter(([, value]) => value !== undefined);
  const unknown = entries.find(([key]) => !allowed.includes(key));
  if (unknown !== undefined) throw new TypeError(`has an unknown argument "${unknown[0]}"`);
  return entries.map(([key, value]) => `${key}: ${printValue(value, key)}`).join(', ');
}

function printValue(value: unknown, where: string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${(value as unknown[]).map((item) => printValue(item, where)).join(', ')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const fields = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    const badKey = fields.find(([key]) => !NAME.test(key));
    if (badKey !== undefined) throw new TypeError(`(${where}:) has a key that is not a GraphQL name: ${JSON.stringify(badKey[0])}`);
    return `{ ${fields.map(([key, item]) => `${key}: ${printValue(item, where)}`).join(', ')} }`;
  }
  throw new TypeError(`(${where}:) has a value that is not JSON (${typeof value})`);
}
