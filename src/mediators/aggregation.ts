/**
 * The aggregations one aggregate mediator has in progress for one client exchange (Synapse's Aggregate and
 * activeAggregates), kept in the exchange's scope: everything here is dropped, and its timer cancelled, when
 * the exchange ends, so a reply that never comes cannot hold memory past the request.
 */
import type { ExchangeScope } from '../context/exchange-scope.js';
import type { MessageContext } from '../context/message-context.js';

export class Aggregation {
  readonly messages: MessageContext[] = [];
  completed = false;
  timer: NodeJS.Timeout | undefined;
  /** Run once when it completes (the store retires it). */
  onFinish: (() => void) | undefined;

  constructor(
    readonly key: string,
    /** messageSequence[.id]: the part count a split wrote on its parts. */
    private readonly sequenceProperty: string,
    private readonly min: number,
    private readonly max: number,
  ) {}

  /** Collects a message unless max messages are already in (Aggregate.addMessage). */
  add(mc: MessageContext): boolean {
    if (this.max > 0 && this.messages.length >= this.max) return false;
    this.messages.push(mc);
    return true;
  }

  /** Aggregate.isComplete: every part of the split arrived, or min, or max reached (the timeout fires apart). */
  get isComplete(): boolean {
    if (this.completed) return false;
    const n = this.messages.length;
    const seq = this.messages[0]?.props.get(this.sequenceProperty);
    if (typeof seq === 'string') {
      const total = Number.parseInt(seq.split('/')[1] ?? '', 10);
      if (Number.isFinite(total) && n >= total) return true;
    }
    if (this.min > 0 && n >= this.min) return true;
    return this.max > 0 && n >= this.max;
  }

  /** Marks it done and lets go of its timer; false when it was already done. */
  finish(): boolean {
    if (this.completed) return false;
    this.completed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.onFinish?.();
    return true;
  }
}

export class AggregationStore {
  private readonly active = new Map<string, Aggregation>();
  /** Correlations already completed: a late part is dropped, not the start of a new aggregation. */
  private readonly done = new Set<string>();

  constructor(scope: ExchangeScope, complete: (a: Aggregation) => void) {
    scope.onDispose(() => {
      for (const a of [...this.active.values()]) a.finish();
      this.active.clear();
    });
    // no branch is running and nothing answered: what is waiting will get no more parts; complete it now
    scope.onIdle(() => {
      const waiting = [...this.active.values()];
      for (const a of waiting) complete(a);
      return waiting.length > 0;
    });
  }

  get(key: string): Aggregation | undefined {
    return this.active.get(key);
  }

  isDone(key: string): boolean {
    return this.done.has(key);
  }

  add(a: Aggregation): void {
    this.active.set(a.key, a);
    a.onFinish = () => this.retire(a);
  }

  /** Removes a completed aggregation. */
  private retire(a: Aggregation): void {
    this.active.delete(a.key);
    this.done.add(a.key);
  }
}
