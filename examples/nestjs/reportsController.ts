import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import type { Client } from '../../src/index.js'; // allow-clients in your project
import { AllowClientsGuard, CurrentClient, RequireScopes } from '../../src/nestjs/index.js'; // allow-clients/nestjs in your project
import { OrderStore } from './orderStore.js';

/** A REST route that partners call with the same token as the GraphQL API. */
@Controller('reports')
@UseGuards(AllowClientsGuard)
export class ReportsController {
  constructor(@Inject(OrderStore) private readonly store: OrderStore) {}

  @Get('revenue')
  @RequireScopes('reports:read')
  revenue(@CurrentClient() client: Client): { client: string; openRevenue: number } {
    return { client: client.id, openRevenue: this.store.revenue() };
  }
}
