/**
 * `listener.trusted_proxies`: the addresses (or CIDR blocks, IPv4 and IPv6) of the load balancers whose
 * client-certificate header is believed. An IPv4 block also matches the IPv4-mapped form (::ffff:10.0.0.5)
 * a dual-stack socket reports. Compiled once when the configuration loads; a bad entry is a config error.
 */
import { BlockList, isIP } from 'node:net';

/** Answers remembered per peer address (BlockList.check allocates a SocketAddress per call). */
const MAX_REMEMBERED = 1024;

export class TrustedProxies {
  private readonly list = new BlockList();
  private readonly answers = new Map<string, boolean>();

  private constructor(readonly entries: readonly string[]) {}

  /** Parses the entries; throws Error naming the first that is not an address or address/prefix. */
  static parse(entries: readonly string[]): TrustedProxies {
    const t = new TrustedProxies(entries);
    for (const e of entries) {
      const slash = e.indexOf('/');
      const addr = slash < 0 ? e : e.slice(0, slash);
      const family = isIP(addr);
      if (family === 0) throw new Error(`'${e}' is not an IP address or CIDR block (e.g. 10.0.0.5, 10.0.0.0/24, fd00::/8)`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (slash < 0) {
        t.list.addAddress(addr, type);
        continue;
      }
      const bits = e.slice(slash + 1);
      const max = family === 4 ? 32 : 128;
      if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) throw new Error(`'${e}' has a prefix length that is not 0..${max}`);
      t.list.addSubnet(addr, Number(bits), type);
    }
    return t;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether the peer address (as node:net reports it) is a trusted proxy. */
  has(address: string): boolean {
    if (this.entries.length === 0 || address === '') return false;
    const known = this.answers.get(address);
    if (known !== undefined) return known;
    const family = isIP(address);
    const answer = family !== 0 && this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
    if (this.answers.size >= MAX_REMEMBERED) this.answers.clear();
    this.answers.set(address, answer);
    return answer;
  }
}
