/**
 * Things the deployed artifacts share and that hold connections (the DB mediators' pools): made on first use
 * under a key the artifact declared when it was parsed, kept while some deployed artifact declares that key,
 * closed when a redeployment leaves none that does, and when the runtime stops. A resource is never made at
 * deploy time, so an artifact whose database is down still deploys and fails per message.
 */
export interface SharedResource {
  close(): Promise<void>;
}

export class SharedResources {
  private readonly live = new Map<string, SharedResource>();

  /** The resource under `key`, made by `make` on first use. */
  get<T extends SharedResource>(key: string, make: () => T): T {
    let r = this.live.get(key) as T | undefined;
    if (r === undefined) {
      r = make();
      this.live.set(key, r);
    }
    return r;
  }

  /** How many are open (for the management view and tests). */
  get size(): number {
    return this.live.size;
  }

  /** Closes (in the background) every resource whose key is not in `keys`: what the new deployment uses. */
  retain(keys: ReadonlySet<string>): void {
    for (const [key, r] of this.live) {
      if (keys.has(key)) continue;
      this.live.delete(key);
      void r.close().catch(() => {});
    }
  }

  /** Closes everything (the runtime stops). */
  async closeAll(): Promise<void> {
    const all = [...this.live.values()];
    this.live.clear();
    await Promise.all(all.map((r) => r.close().catch(() => {})));
  }
}
