/**
 * Pagination of the reference API's lists: `first` items (at most {@link MAX_PAGE}) after the item
 * whose cursor is `after`. Every list field of schema/api.graphql takes these two arguments, so no
 * answer grows with the data.
 */
import { GraphQLError } from 'graphql';

/** The most items one page of any list holds. */
export const MAX_PAGE = 100;

/** A caller's mistake in its arguments: `BAD_USER_INPUT` with a fixed message. */
export function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * One page of a list in its stable order.
 *
 * @param cursorOf - the item's cursor, as `after` names it (its id, or what the field documents)
 * @throws GraphQLError `BAD_USER_INPUT` for `first` outside 0..100, or an `after` that is no item's cursor
 */
export function page<T>(items: readonly T[], cursorOf: (item: T) => string, first: number, after: string | null | undefined): T[] {
  if (!Number.isSafeInteger(first) || first < 0 || first > MAX_PAGE) throw badInput(`first must be between 0 and ${MAX_PAGE}`);
  let start = 0;
  if (after !== null && after !== undefined) {
    const index = items.findIndex((item) => cursorOf(item) === after);
    if (index === -1) throw badInput('after must be the cursor of an item of this list (the id of the last item received)');
    start = index + 1;
  }
  return items.slice(start, start + first);
}
