/**
 * REST controllers of the guard tests, with a call counter per handler.
 */
import { Controller, Get, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { Client, Principal } from '../../../src/index.js';
import { AllowClients, AllowClientsGuard, CurrentClient, CurrentPrincipal, Public, RequireScopes } from '../../../src/nestjs/index.js';

export const REST_CALLS = Symbol('rest calls');
export type Calls = Record<string, number>;

function count(calls: Calls, handler: string): void {
  calls[handler] = (calls[handler] ?? 0) + 1;
}

@Controller('orders')
@UseGuards(AllowClientsGuard)
export class OrdersController {
  constructor(@Inject(REST_CALLS) private readonly calls: Calls) {}

  @Get()
  @RequireScopes('orders:read')
  list(@CurrentClient() client: Client | null): { client: string | null; orders: string[] } {
    count(this.calls, 'orders.list');
    return { client: client?.id ?? null, orders: ['o-1', 'o-2'] };
  }

  @Get('health')
  @Public()
  health(@CurrentPrincipal() principal: Principal | null): { ok: true; caller: string } {
    count(this.calls, 'orders.health');
    return { ok: true, caller: principal?.client.id ?? 'anonymous' };
  }

  @Post(':id/cancel')
  @AllowClients({ ids: ['partner-gold'] })
  @RequireScopes('orders:write')
  cancel(@Param('id') id: string): { cancelled: string } {
    count(this.calls, 'orders.cancel');
    return { cancelled: id };
  }
}

/** Every route of the controller is for gold-tier partners (the rule on the class). */
@Controller('reports')
@UseGuards(AllowClientsGuard)
@AllowClients({ metadata: [{ key: 'tier', in: ['gold'] }] })
export class ReportsController {
  constructor(@Inject(REST_CALLS) private readonly calls: Calls) {}

  @Get()
  revenue(): { revenue: number } {
    count(this.calls, 'reports.revenue');
    return { revenue: 1000 };
  }
}
