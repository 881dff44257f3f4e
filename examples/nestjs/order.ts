import { Field, Float, ID, ObjectType } from '@nestjs/graphql';
import { AllowClients, RequireScopes } from '../../src/nestjs/index.js'; // allow-clients/nestjs in your project

/**
 * An order of the partner API. Every field needs a verified caller (the default policy); the
 * decorators narrow some of them down. Protected fields are nullable: in filter mode a denied
 * field is null (with a FORBIDDEN error) and its siblings still answer.
 */
@ObjectType()
export class Order {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  status!: string;

  @Field(() => Float)
  total!: number;

  /** Partner-only: one named application. */
  @AllowClients({ ids: ['acme-gold'] })
  @Field(() => Float, { nullable: true })
  margin!: number;

  /** Tier-only: applications whose metadata says gold or silver. */
  @AllowClients({ metadata: [{ key: 'tier', in: ['gold', 'silver'] }] })
  @Field(() => Float, { nullable: true })
  wholesaleDiscount!: number;

  /** Scope-guarded: callers granted stock:read. */
  @RequireScopes('stock:read')
  @Field(() => String, { nullable: true })
  warehouseNote!: string;

  /** First-party users only: user tokens issued through the storefront. */
  @AllowClients({ ids: ['storefront-web'], users: true })
  @Field(() => String, { nullable: true })
  customerEmail!: string;
}

/** Who is calling, as the API sees it. */
@ObjectType()
export class Viewer {
  @Field(() => String)
  kind!: string;

  @Field(() => String)
  clientId!: string;

  @Field(() => String, { nullable: true })
  clientName!: string | null;

  @Field(() => [String])
  scopes!: string[];
}
