/**
 * Bounds password verifications: scrypt runs on the libuv thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), which file reads, DNS lookups and compression share, and each
 * verification holds 128 MiB. At most `concurrency` run at once and `queueSize` wait; a check that cannot
 * wait is refused at once, before any CPU is spent. So that one client address cannot stand in front of
 * everybody else:
 * - it may hold at most a quarter of the waiting places;
 * - waiting checks are served round-robin across addresses;
 * - with two places or more, the last free one is kept for an address that has nothing running, so a
 *   newcomer starts at once instead of waiting for a flood's checks to finish.
 * A check that has waited `maxWaitMs` without starting gives up (its client would time out anyway).
 */
export type Admission =
  /**
   * `ready` resolves with the function that gives the place back (call it exactly once, in finally), or
   * with undefined when the check waited `maxWaitMs` without a place.
   */
  | { readonly ok: true; readonly ready: Promise<(() => void) | undefined> }
  /** busy: the queue is full; address-busy: this address holds its share of it already. */
  | { readonly ok: false; readonly reason: 'busy' | 'address-busy' };

export class VerificationGate {
  private running = 0;
  private waiting = 0;
  /** Running checks per client address. */
  private readonly runningBy = new Map<string, number>();
  /** Waiting checks per client address; Map order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();
  readonly perAddress: number;

  constructor(
    readonly concurrency: number,
    readonly queueSize: number,
    readonly maxWaitMs = 10_000,
  ) {
    this.perAddress = Math.max(1, Math.ceil(queueSize / 4));
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting };
  }

  admit(client: string): Admission {
    const queue = this.queues.get(client);
    if (!queue && this.mayStart(client)) return { ok: true, ready: Promise.resolve(this.start(client)) };
    if (queue && queue.length >= this.perAddress) return { ok: false, reason: 'address-busy' };
    if (this.waiting >= this.queueSize) return { ok: false, reason: 'busy' };
    this.waiting++;
    const ready = new Promise<(() => void) | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.giveUp(client, go);
        resolve(undefined);
      }, this.maxWaitMs);
      timer.unref();
      const go = (): void => {
        clearTimeout(timer);
        resolve(this.start(client));
      };
      if (queue) queue.push(go);
      else this.queues.set(client, [go]);
    });
    return { ok: true, ready };
  }

  private giveUp(client: string, go: () => void): void {
    const queue = this.queues.get(client);
    const i = queue ? queue.indexOf(go) : -1;
    if (i < 0) return;
    queue!.splice(i, 1);
    if (queue!.length === 0) this.queues.delete(client);
    this.waiting--;
  }

  /** A free place, and not the reserved last one unless this address has nothing running. */
  private mayStart(client: string): boolean {
    if (this.running >= this.concurrency) return false;
    return this.concurrency === 1 || this.running < this.concurrency - 1 || !this.runningBy.has(client);
  }

  private start(client: string): () => void {
    this.running++;
    this.runningBy.set(client, (this.runningBy.get(client) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      const left = this.runningBy.get(client)! - 1;
      if (left === 0) this.runningBy.delete(client);
      else this.runningBy.set(client, left);
      this.next();
    };
  }

  /** The next address in turn that may start gets the free place; it goes to the back of the line if it has more waiting. */
  private next(): void {
    for (const [client, queue] of this.queues) {
      if (this.running >= this.concurrency) return;
      if (!this.mayStart(client)) continue;
      const go = queue.shift()!;
      this.queues.delete(client);
      if (queue.length) this.queues.set(client, queue);
      this.waiting--;
      go();
      return;
    }
  }
}
