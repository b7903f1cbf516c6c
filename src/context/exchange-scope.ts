/**
 * State that lives exactly as long as one client exchange and is shared by every message of it: the original
 * and the branches that iterate and clone make (aggregations in progress). Everything is dropped, and every
 * timer cancelled, when the exchange ends, so state kept for a lost reply cannot outlive the request.
 */
export class ExchangeScope {
  private values: Map<object, unknown> | undefined;
  private disposers: (() => void)[] | undefined;
  private flushers: (() => boolean)[] | undefined;
  private disposed = false;

  /** True once the exchange has ended: late branch work must not start anything new. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The value kept under `key` (a mediator instance), made on first use. */
  get<T>(key: object, make: () => T): T {
    const map = (this.values ??= new Map());
    let v = map.get(key) as T | undefined;
    if (v === undefined) {
      v = make();
      map.set(key, v);
    }
    return v;
  }

  /**
   * Registers a step the exchange runs when no branch is running any more and the client has no reply yet:
   * it returns true when it started more work (an aggregation completed with what arrived).
   */
  onIdle(fn: () => boolean): void {
    (this.flushers ??= []).push(fn);
  }

  /** Runs the idle steps; true when one of them started more work. */
  idle(): boolean {
    let started = false;
    for (const f of this.flushers ?? []) if (f()) started = true;
    return started;
  }

  onDispose(fn: () => void): void {
    (this.disposers ??= []).push(fn);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const d = this.disposers;
    this.disposers = undefined;
    this.flushers = undefined;
    this.values = undefined;
    if (d) for (const f of d) f();
  }
}
