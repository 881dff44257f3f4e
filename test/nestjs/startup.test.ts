import { fileURLToPath } from 'node:url';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { Field, ID, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_GUARD } from '@nestjs/core';
import { AllowClients, AllowClientsGuard, AllowClientsModule, AllowClientsService, RequireScopes, type AllowClientsModuleOptions } from '../../src/nestjs/index.js';
import { startTestIssuer, type TestIssuer } from '../helpers/testIssuer.js';
import { get, machineToken, startTestApp, trusting } from './support/nestApp.js';

const SETTINGS = Symbol('settings');

/** A configuration module, as ConfigModule would be: it provides the settings the factory reads. */
@Module({})
class SettingsModule {
  static register(settings: AllowClientsModuleOptions): DynamicModule {
    return { module: SettingsModule, providers: [{ provide: SETTINGS, useValue: settings }], exports: [SETTINGS] };
  }
}

@Controller('ping')
class PingController {
  @Get()
  @RequireScopes('ping')
  ping(): { pong: true } {
    return { pong: true };
  }
}

/** Wrong rules and wrong options stop the application at start, naming the coordinate or the option. */

@ObjectType('Invoice')
class Invoice {
  @Field(() => ID) id!: string;

  @AllowClients({ ids: [] })
  @Field(() => String, { nullable: true })
  secret!: string;
}

@Resolver(() => Invoice)
class InvoicesResolver {
  @Query(() => [Invoice])
  invoices(): Invoice[] {
    return [];
  }
}

@Controller('reports')
class ReportsController {
  @Get()
  @RequireScopes([])
  list(): string[] {
    return [];
  }
}

describe('NestJS adapter: failures at start', () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startTestIssuer();
  });
  afterAll(async () => {
    await issuer?.close();
  });

  it('code-first: a wrong @AllowClients argument names the field', async () => {
    await expect(startTestApp({ allowClients: trusting(issuer), graphql: { autoSchemaFile: true }, providers: [InvoicesResolver] })).rejects.toThrow(
      new TypeError('Invoice.secret: @allowClients(ids:) must be a non-empty list of non-empty strings'),
    );
  });

  it('schema-first: a wrong @allowClients in SDL names the field', async () => {
    const typePaths = [fileURLToPath(new URL('./support/badOrders.graphql', import.meta.url))];
    await expect(startTestApp({ allowClients: trusting(issuer), graphql: { typePaths } })).rejects.toThrow(
      new TypeError('Order.margin: @allowClients(ids:) must be a non-empty list of non-empty strings'),
    );
  });

  it('REST: a wrong @RequireScopes on a route names the controller and method', async () => {
    await expect(startTestApp({ allowClients: trusting(issuer), graphql: null, controllers: [ReportsController] })).rejects.toThrow(
      new TypeError('ReportsController.list: @requireScopes(anyOf:) must be a non-empty list of non-empty lists of non-empty strings'),
    );
  });

  it('a decorator argument it does not know fails when the class is declared', () => {
    expect(() => {
      class Bad {
        @AllowClients({ ids: ['a'], idz: ['b'] } as never)
        field!: string;
      }
      return Bad;
    }).toThrow(new TypeError('Bad.field: @allowClients has an unknown argument "idz"'));
  });

  it('a wrong module option names the option', async () => {
    await expect(startTestApp({ allowClients: { ...trusting(issuer), mode: 'loose' as never }, graphql: null })).rejects.toThrow(
      new TypeError('"mode" must be "filter", "reject" or "dry-run"'),
    );
    await expect(startTestApp({ allowClients: { ...trusting(issuer), audiences: 'x' } as never, graphql: null })).rejects.toThrow(/"audiences"/);
  });

  it('forRootAsync({ imports, inject, useFactory }) takes the options from a factory', async () => {
    const module = AllowClientsModule.forRootAsync({
      imports: [SettingsModule.register({ ...trusting(issuer), realm: 'from-factory' })],
      inject: [SETTINGS],
      useFactory: (settings: AllowClientsModuleOptions) => settings,
    });
    // The guard for every route of the application (APP_GUARD), rather than per controller.
    const app = await startTestApp({ allowClients: module, graphql: null, controllers: [PingController], providers: [{ provide: APP_GUARD, useClass: AllowClientsGuard }] });
    try {
      const refused = await get(app.url, '/ping', machineToken(issuer, 'partner-a', null, 'other'));
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toBe(
        'Bearer realm="from-factory", error="insufficient_scope", error_description="Not allowed for this client", scope="ping"',
      );
      const allowed = await get(app.url, '/ping', machineToken(issuer, 'partner-a', null, 'ping'));
      expect(allowed.json).toEqual({ pong: true });
    } finally {
      await app.close();
    }
  });

  it('apolloOptions refuses a context of its own, stack traces and sortSchema', async () => {
    const service = new AllowClientsService(trusting(issuer));
    expect(() => service.apolloOptions({ context: () => ({}) } as never)).toThrow(/"context" is set by allow-clients/);
    expect(() => service.apolloOptions({ includeStacktraceInErrorResponses: true })).toThrow(/must not be true/);
    expect(() => service.apolloOptions({ autoSchemaFile: true, sortSchema: true })).toThrow(/"sortSchema" is not supported/);
  });
});
