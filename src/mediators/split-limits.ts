/**
 * The bounds on what one message may fan out to. A request must not be able to start unbounded work: a split
 * (iterate, clone) makes at most MAX_SPLIT_PARTS parts, else it fails with MI_MED_040 before any
 * part starts; and at most MAX_PARALLEL_BRANCHES parts of one split run at once, the rest wait their turn
 * (so 1000 parts mean at most 64 backend calls in flight for that split, not 1000).
 */
export const MAX_SPLIT_PARTS = 1000;
export const MAX_PARALLEL_BRANCHES = 64;

/** A counting gate: at most `limit` holders at once, the others wait in order. */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  enter(): Promise<void> | undefined {
    if (this.active < this.limit) {
      this.active++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  leave(): void {
    const next = this.waiting.shift();
    if (next) next(); // the place passes to the next waiter
    else this.active--;
  }
}
