/**
 * The key a client address is limited under. An IPv4 address stands for itself (also when written
 * IPv4-mapped, `::ffff:192.0.2.1`); an IPv6 address counts as its /64 network, because one client
 * usually holds a whole /64 and could otherwise take a fresh address for every few attempts.
 */
import { isIPv6 } from 'node:net';

export function addressGroup(client: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(client);
  if (mapped) return mapped[1]!;
  if (!isIPv6(client)) return client;
  const [head, tail = ''] = client.split('%')[0]!.toLowerCase().split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = client.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
