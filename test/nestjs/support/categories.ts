/**
 * A small code-first API whose type nests into itself (for depth), with a call counter per
 * resolver so that tests can prove a refused operation ran nothing.
 */
import { Inject } from '@nestjs/common';
import { Field, ID, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';

export const CATEGORY_CALLS = Symbol('category calls');
export type Calls = Record<string, number>;

@ObjectType('Category')
export class Category {
  @Field(() => ID) id!: string;
  @Field(() => Category, { nullable: true }) parent!: Category | null;
}

@Resolver(() => Category)
export class CategoriesResolver {
  constructor(@Inject(CATEGORY_CALLS) private readonly calls: Calls) {}

  private count(coordinate: string): void {
    this.calls[coordinate] = (this.calls[coordinate] ?? 0) + 1;
  }

  @Query(() => String)
  ping(): string {
    this.count('Query.ping');
    return 'pong';
  }

  @Query(() => Category, { nullable: true })
  category(): Category {
    this.count('Query.category');
    return { id: 'c-1', parent: null };
  }

  @ResolveField('parent', () => Category, { nullable: true })
  parent(@Parent() category: Category): Category {
    this.count('Category.parent');
    return { id: `${category.id}-up`, parent: null };
  }
}
