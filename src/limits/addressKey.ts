import { isIPv4, isIPv6 } from 'node:net';

/**
 * The rate-limit key of an anonymous caller: its IPv4 address, or the /64 network of its IPv6
 * address (one host usually holds a whole /64, so counting single IPv6 addresses would give it
 * 2^64 separate allowances). An IPv4-mapped IPv6 address counts as the IPv4 address; a missing or
 * unparsable address falls into one shared `unknown` key (fail closed: it never escapes the limit).
 *
 * @example
 * ```ts
 * addressKey('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 * addressKey('::ffff:192.0.2.7'); // '192.0.2.7'
 * ```
 */
export function addressKey(address: unknown): string {
  if (typeof address !== 'string') return 'unknown';
  const zoneless = address.split('%', 1)[0] ?? '';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(zoneless)?.[1];
  if (mapped !== undefined && isIPv4(mapped)) return mapped;
  if (isIPv4(zoneless)) return zoneless;
  if (isIPv6(zoneless)) return `${ipv6Network64(zoneless)}::/64`;
  return 'unknown';
}

/** The first four groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Network64(address: string): string {
  const [head = '', tail] = address.split('::', 2);
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // A trailing dotted IPv4 part stands for two groups; it is always past the first four.
  const width = (groups: string[]): number => groups.reduce((sum, group) => sum + (group.includes('.') ? 2 : 1), 0);
  const missing = tail === undefined ? 0 : 8 - width(headGroups) - width(tailGroups);
  const groups = [...headGroups, ...Array.from({ length: missing }, () => '0'), ...tailGroups];
  return groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':');
}
