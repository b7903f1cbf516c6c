/**
 * The callers of one throttle type (IP or DOMAIN) and the rule each gets, found as Synapse's
 * IPBaseThrottleConfiguration / DomainBaseThrottleConfiguration find them. The key found names the rule and
 * its counter: every caller that falls under `other` (or under one range) shares that entry's count, as in
 * Micro Integrator.
 */

export interface CallerRule {
  /** The throttle:ID as written: `other`, an IP, a range `a.b.c.d-a.b.c.e`, `a.b.c.*`, a domain, `*.domain`. */
  id: string;
  state: 'allow' | 'deny' | 'control';
  /** MaximumCount per unit time (0: never allowed, as Synapse). */
  maxCount: number;
  /** UnitTime in milliseconds. */
  unitTime: number;
  /** ProhibitTimePeriod in milliseconds; 0: until the unit time is over. */
  prohibitTime: number;
}

export const OTHER = 'other';

export class CallerTable {
  private other: CallerRule | undefined;
  private readonly rules = new Map<string, CallerRule>();
  /** IP ranges: the key (first address) -> the last address of the range. */
  private readonly rangeEnds = new Map<string, string>();

  constructor(readonly type: 'IP' | 'DOMAIN') {}

  get size(): number {
    return this.rules.size + (this.other ? 1 : 0);
  }

  add(rule: CallerRule): void {
    let key = rule.id;
    if (this.type === 'IP') {
      const dash = key.indexOf('-');
      if (dash >= 0) {
        this.rangeEnds.set(key.slice(0, dash).trim(), key.slice(dash + 1).trim());
        key = key.slice(0, dash);
      }
    }
    key = key.trim();
    if (key === OTHER) this.other = rule;
    else this.rules.set(key, rule);
  }

  rule(key: string): CallerRule | undefined {
    return key === OTHER ? this.other : this.rules.get(key);
  }

  /** The key of the entry that applies to a caller, or undefined (no entry and no `other`). */
  keyOf(caller: string): string | undefined {
    const id = caller.trim();
    if (this.rules.has(id)) return id;
    const found = this.type === 'IP' ? this.ipKey(id) : this.domainKey(id);
    return found ?? (this.other ? OTHER : undefined);
  }

  /** A range of the same network whose first and last host parts hold the caller's, then `net.*`. */
  private ipKey(ip: string): string | undefined {
    const dot = ip.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const net = ip.slice(0, dot);
    const host = hostPart(ip.slice(dot + 1));
    if (host === undefined) return undefined;
    for (const key of this.rules.keys()) {
      const end = this.rangeEnds.get(key);
      if (end === undefined || !key.startsWith(net)) continue;
      const first = hostPart(key.slice(key.lastIndexOf('.') + 1));
      const last = hostPart(end.slice(end.lastIndexOf('.') + 1));
      if (first !== undefined && last !== undefined && first <= host && host <= last) return key;
    }
    const all = `${net}.*`;
    return this.rules.has(all) ? all : undefined;
  }

  /** `*.root` for the nearest root domain: a.b.c tries *.b.c, then b.c, *.c, c. */
  private domainKey(domain: string): string | undefined {
    const dot = domain.indexOf('.');
    if (dot > 0) {
      const root = domain.slice(dot + 1);
      const all = `*.${root}`;
      for (const key of this.rules.keys()) if (key.endsWith(all)) return key;
      return this.rules.has(root) ? root : this.domainKey(root);
    }
    const all = `*.${domain}`;
    for (const key of this.rules.keys()) if (key.endsWith(all)) return key;
    return undefined;
  }
}

function hostPart(s: string): number | undefined {
  return /^\s*\d+\s*$/.test(s) ? Number(s) : undefined;
}
