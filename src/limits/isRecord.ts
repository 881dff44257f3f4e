/** A plain object (not null, not an array): what every options check reads members from. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An options argument checked once: absent means `{}`; anything but a plain object, or a member
 * outside `names`, is a TypeError naming it ("… is not an option of <owner>").
 */
export function optionsRecord(options: unknown, names: ReadonlySet<string>, owner: string): Record<string, unknown> {
  const record = options === undefined ? {} : options;
  if (!isRecord(record)) throw new TypeError('"options" must be an object');
  for (const name of Object.keys(record)) {
    if (!names.has(name)) throw new TypeError(`"${name}" is not an option of ${owner}`);
  }
  return record;
}
