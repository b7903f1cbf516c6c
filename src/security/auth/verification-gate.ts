/**
 * Bounds password verifications: scrypt runs on the libuv thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), which file reads, DNS lookups and compression share, and each
 * verification holds 128 MiB. At most `concurrency` run at once and `queueSize` wait; a check that cannot
 * wait is refused at once, before any CPU is spent. One client address may hold at most a quarter of the
 * waiting places, and waiting checks are served round-robin across addresses, so a flood from one
 * address is not ahead of everybody else.
 */
export type Admission =
  /** `ready` resolves with the function that gives the place back (call it exactly once, in finally). */
  | { readonly ok: true; readonly ready: Promise<() => void> }
  /** busy: the queue is full; address-busy: this address holds its share of it already. */
  | { readonly ok: false; readonly reason: 'busy' | 'address-busy' };

export class VerificationGate {
  private running = 0;
  private waiting = 0;
  /** Waiting checks per client address; Map order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();
  readonly perAddress: number;

  constructor(
    readonly concurrency: number,
    readonly queueSize: number,
  ) {
    this.perAddress = Math.max(1, Math.ceil(queueSize / 4));
  }

  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting };
  }

  admit(client: string): Admission {
    if (this.running < this.concurrency && this.waiting === 0) {
      this.running++;
      return { ok: true, ready: Promise.resolve(this.releaser()) };
    }
    const queue = this.queues.get(client);
    if (queue && queue.length >= this.perAddress) return { ok: false, reason: 'address-busy' };
    if (this.waiting >= this.queueSize) return { ok: false, reason: 'busy' };
    this.waiting++;
    const ready = new Promise<() => void>((resolve) => {
      const start = (): void => resolve(this.releaser());
      if (queue) queue.push(start);
      else this.queues.set(client, [start]);
    });
    return { ok: true, ready };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.next();
    };
  }

  /** The next address in turn gets the free place; it goes to the back of the line if it has more waiting. */
  private next(): void {
    if (this.running >= this.concurrency) return;
    const first = this.queues.entries().next();
    if (first.done) return;
    const [client, queue] = first.value;
    const start = queue.shift()!;
    this.queues.delete(client);
    if (queue.length) this.queues.set(client, queue);
    this.waiting--;
    this.running++;
    start();
  }
}
