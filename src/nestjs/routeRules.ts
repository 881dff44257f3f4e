import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { buildSchema, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { applyAllowClients, authDirectiveTypeDefs, checkOperation, type AccessError, type Principal } from '../index.js';
import { MODULE_OPTIONS_TOKEN, type AllowClientsModuleOptions } from './moduleOptions.js';
import { writtenRules } from './ruleDecorators.js';

/**
 * The rules of REST routes, compiled by the core exactly as a schema's are: each controller becomes
 * an object type (its decorators on the type, each method's on a field), so a route is decided by the
 * same code, with the same default policy, the same decision cache and the same log line as a field,
 * and a wrong argument stops the start naming `Controller.method`.
 */

/** A controller class or a route handler: compared by identity only. */
type Callable = object;

interface ControllerRules {
  readonly schema: GraphQLSchema;
  /** One document per handler, selecting its field. */
  readonly documents: ReadonlyMap<Callable, DocumentNode>;
}

const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

@Injectable()
export class RouteRules implements OnModuleInit {
  readonly #byController = new WeakMap<Callable, ControllerRules>();
  readonly #options: AllowClientsModuleOptions;
  readonly #discovery: DiscoveryService;

  constructor(@Inject(MODULE_OPTIONS_TOKEN) options: AllowClientsModuleOptions, @Inject(DiscoveryService) discovery: DiscoveryService) {
    this.#options = options;
    this.#discovery = discovery;
  }

  /** Compiles every controller's rules at start, so that a wrong rule stops the application there. */
  onModuleInit(): void {
    for (const wrapper of this.#discovery.getControllers()) {
      const controller: unknown = wrapper.metatype;
      if (typeof controller === 'function') this.#rulesOf(controller);
    }
  }

  /**
   * Decides a route for a caller.
   *
   * @returns null when the caller may call it, else the AccessError to answer (403, or 401 when anonymous)
   * @throws Error when the handler is not a method of the controller (fail closed)
   */
  decide(controller: Callable, handler: Callable, principal: Principal | null): AccessError | null {
    const rules = this.#rulesOf(controller);
    const document = rules.documents.get(handler);
    // Fail closed: a handler that is not a method of its controller is not served.
    if (document === undefined) throw new Error(`${nameOf(controller)}: the route handler is not one of its methods`);
    const decision = checkOperation({ schema: rules.schema, document, principal });
    if (decision === null) throw new Error(`${nameOf(controller)}: the route could not be decided`);
    return decision.refusal;
  }

  #rulesOf(controller: Callable): ControllerRules {
    let rules = this.#byController.get(controller);
    if (rules === undefined) {
      rules = compileController(controller, this.#options);
      this.#byController.set(controller, rules);
    }
    return rules;
  }
}

function compileController(controller: Callable, options: AllowClientsModuleOptions): ControllerRules {
  const typeName = graphqlName(nameOf(controller), 'Controller');
  const used = new Set<string>();
  const fields: string[] = [];
  const documents = new Map<Callable, DocumentNode>();
  for (const [method, handler] of methodsOf(controller)) {
    let field = graphqlName(method, 'route');
    while (used.has(field)) field = `${field}_`;
    used.add(field);
    fields.push(`  ${field}: Boolean ${writtenRules(handler).join(' ')}`);
    documents.set(handler, parse(`{ route { ${field} } }`));
  }
  if (fields.length === 0) fields.push('  _: Boolean');
  const sdl = `${authDirectiveTypeDefs}
type Query { route: ${typeName} @public }
type ${typeName} ${writtenRules(controller).join(' ')} {
${fields.join('\n')}
}`;
  const schema = applyAllowClients(buildSchema(sdl), { defaultPolicy: options.defaultPolicy, mode: 'reject', cacheSize: options.cacheSize, logger: options.logger });
  return { schema, documents };
}

/** The methods of a class and of its parents, by name (the nearest definition wins). */
function methodsOf(controller: Callable): Map<string, Callable> {
  const methods = new Map<string, Callable>();
  const start: unknown = typeof controller === 'function' ? (controller as { prototype?: unknown }).prototype : null;
  for (let prototype: unknown = start ?? null; prototype !== null && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype)) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      if (name === 'constructor' || methods.has(name)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
      if (typeof descriptor?.value === 'function') methods.set(name, descriptor.value as Callable);
    }
  }
  return methods;
}

function nameOf(controller: Callable): string {
  return typeof controller === 'function' && controller.name.length > 0 ? controller.name : 'Controller';
}

/** A GraphQL name for a class or method name (which may hold `$`), never one of the schema's own. */
function graphqlName(name: string, fallback: string): string {
  const cleaned = name.replace(/[^_0-9A-Za-z]/g, '_');
  const named = NAME.test(cleaned) && !cleaned.startsWith('__') ? cleaned : `${fallback}_${cleaned}`;
  return ['Query', 'Boolean', 'String', 'ID', 'Int', 'Float', 'ClientMetadataMatch'].includes(named) ? `${named}_` : named;
}
