/**
 * The numbers one proxy service or API resource collects per request, as plain fields: a request pays a
 * counter increment, one clock read at each end and a bucket increment, nothing else. No label set is
 * built or hashed per request (prom-client's labelled children hash their labels on every inc/observe);
 * the Prometheus text is made from these fields when it is scraped.
 */
import { performance } from 'node:perf_hooks';

export class RequestStats {
  requests = 0;
  errors = 0;
  /** Seconds, summed over every finished request. */
  sum = 0;
  /** Finished requests (requests still in flight are counted in `requests` only). */
  count = 0;
  /** Per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  /** Faults by ERROR_CODE; made on the first fault only. */
  byCode: Map<string, number> | undefined;
  /** False once the artifact is undeployed: its series stay (counters never go back) but it is not "up". */
  live = true;

  constructor(
    /** Upper bounds in seconds, increasing. */
    readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** A request came in: counts it and returns the start time to hand to end(). */
  begin(): number {
    this.requests++;
    return performance.now();
  }

  /** The reply is ready; `errorCode` is the first fault's ERROR_CODE, undefined when none ran. */
  end(startedAt: number, errorCode: unknown): void {
    const s = (performance.now() - startedAt) / 1000;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && s > b[i]!) i++;
    this.counts[i]++;
    this.sum += s;
    this.count++;
    if (errorCode !== undefined) this.fail(errorCode);
  }

  private fail(code: unknown): void {
    this.errors++;
    const k = String(code);
    const m = (this.byCode ??= new Map());
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  /** Adds another record's numbers into this one (an API's totals are the sum of its resources). */
  addInto(total: RequestStats): void {
    total.requests += this.requests;
    total.errors += this.errors;
    total.sum += this.sum;
    total.count += this.count;
    for (let i = 0; i < this.counts.length; i++) total.counts[i] += this.counts[i]!;
    if (this.byCode) {
      const m = (total.byCode ??= new Map());
      for (const [k, v] of this.byCode) m.set(k, (m.get(k) ?? 0) + v);
    }
  }
}
