/**
 * Looked-up secrets kept for a time to live, as Micro Integrator's decryptedCacheMap. An expired entry stays
 * readable through stale() for the lookups that fall back on the last good value.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    return e && now < e.expires ? e.value : undefined;
  }

  stale(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.set(key, { value, expires: now + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}
