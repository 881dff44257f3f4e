/**
 * Fixed windows for quotas and cost budgets: UTC calendar days and months, and windows of N seconds
 * aligned on the Unix epoch. A window is named by its start, so every replica (and a restarted one)
 * counts the same instant in the same window, whatever its own clock started with.
 */

/** Which fixed window: a UTC calendar day, a UTC calendar month, or `seconds` aligned on the epoch. */
export type FixedWindowKind = { readonly kind: 'day' } | { readonly kind: 'month' } | { readonly kind: 'seconds'; readonly seconds: number };

/** The window that holds an instant. */
export interface FixedWindow {
  /** A short id, unique for the window among windows of its kind (`d20261202`, `m202612`, `s60:29463840`). */
  readonly id: string;
  /** Start and end of the window, ms since the epoch (end excluded). */
  readonly start: number;
  readonly end: number;
}

/** The window of `kind` that holds the instant `now` (ms since the epoch). */
export function fixedWindowAt(kind: FixedWindowKind, now: number): FixedWindow {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  switch (kind.kind) {
    case 'day': {
      const start = Date.UTC(year, month, date.getUTCDate());
      return { id: `d${year}${pad(month + 1)}${pad(date.getUTCDate())}`, start, end: start + 86_400_000 };
    }
    case 'month':
      return { id: `m${year}${pad(month + 1)}`, start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
    case 'seconds': {
      const length = kind.seconds * 1000;
      const index = Math.floor(now / length);
      return { id: `s${kind.seconds}:${index}`, start: index * length, end: (index + 1) * length };
    }
  }
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
