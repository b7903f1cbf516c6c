/**
 * Outcome accounting: every request of the soak ends with one label (an HTTP status such as `200`, or a
 * word: `aborted`, `closed`, `leak`, an undici error code, ...) and is judged against its class:
 *   expected    the label is one the class must get;
 *   interim     the label is accepted only until a pending hardening fix lands (not with STRICT=1);
 *   fault       the class reaches the backend and the request overlapped an injected fault (or its
 *               after-effects: endpoint suspension, timeouts), so the failure is the fault's;
 *   unexpected  anything else.
 */

export type Verdict = 'expected' | 'interim' | 'fault' | 'unexpected';

export interface RequestClass {
  name: string;
  kind: 'normal' | 'attack';
  /** Reaches the backend, so an injected fault may explain a failure. */
  usesBackend: boolean;
  expect: ReadonlySet<string>;
  /** Accepted until a pending fix lands; empty with STRICT=1. */
  interimAccept: ReadonlySet<string>;
}

export interface ClassTally {
  cls: RequestClass;
  total: number;
  byVerdict: Record<Verdict, number>;
  labels: Map<string, number>;
  /** Latencies (ms) of expected answers. */
  latencies: number[];
  /** A few unexpected results with what was sent and what came back. */
  examples: string[];
  maxMs: number;
}

interface Window {
  start: number;
  end: number | undefined;
  cause: string;
  /** How long after `end` its effects may still show. */
  graceMs: number;
}

/** Periods during which failures of backend-reaching requests are explained by something the soak did. */
export class FaultWindows {
  private readonly windows: Window[] = [];

  constructor(private readonly graceMs: number) {}

  open(cause: string, at = Date.now()): Window {
    const w: Window = { start: at, end: undefined, cause, graceMs: this.graceMs };
    this.windows.push(w);
    return w;
  }

  close(w: Window, at = Date.now()): void {
    w.end = at;
  }

  /** A window of fixed length, its after-effects included (an endpoint suspended by an aborted upload). */
  mark(cause: string, lengthMs: number, at = Date.now()): void {
    this.windows.push({ start: at, end: at + lengthMs, cause, graceMs: 0 });
  }

  /** The cause of the first window the request [start, end] overlaps, its grace period included. */
  cause(start: number, end: number): string | undefined {
    const now = Date.now();
    for (let i = this.windows.length - 1; i >= 0; i--) {
      const w = this.windows[i]!;
      const until = (w.end ?? now) + w.graceMs;
      if (start <= until && end >= w.start) return w.cause;
      if (until < start - 600_000) break; // windows are in start order; older ones cannot overlap
    }
    return undefined;
  }

  get count(): number {
    return this.windows.length;
  }
}

export interface IntervalCounts {
  requests: number;
  normal: number;
  expected: number;
  interim: number;
  fault: number;
  unexpected: number;
  normalLatencies: number[];
}

const emptyInterval = (): IntervalCounts => ({ requests: 0, normal: 0, expected: 0, interim: 0, fault: 0, unexpected: 0, normalLatencies: [] });

const MAX_EXAMPLES = 6;

export class Outcomes {
  readonly tallies = new Map<string, ClassTally>();
  private interval = emptyInterval();
  /** Causes to which failures were attributed, with counts. */
  readonly attributed = new Map<string, number>();

  constructor(private readonly faults: FaultWindows) {}

  register(cls: RequestClass): void {
    this.tallies.set(cls.name, {
      cls,
      total: 0,
      byVerdict: { expected: 0, interim: 0, fault: 0, unexpected: 0 },
      labels: new Map(),
      latencies: [],
      examples: [],
      maxMs: 0,
    });
  }

  /** Judges and counts one result; `describe` is called only when the result is unexpected. */
  record(name: string, label: string, start: number, end: number, describe?: () => string): Verdict {
    const t = this.tallies.get(name);
    if (!t) throw new Error(`unregistered request class ${name}`);
    const ms = end - start;
    let v: Verdict;
    if (t.cls.expect.has(label)) v = 'expected';
    else if (t.cls.interimAccept.has(label)) v = 'interim';
    else {
      const cause = t.cls.usesBackend ? this.faults.cause(start, end) : undefined;
      if (cause) {
        v = 'fault';
        this.attributed.set(cause, (this.attributed.get(cause) ?? 0) + 1);
      } else v = 'unexpected';
    }
    t.total++;
    t.byVerdict[v]++;
    t.labels.set(label, (t.labels.get(label) ?? 0) + 1);
    if (ms > t.maxMs) t.maxMs = ms;
    const i = this.interval;
    i.requests++;
    i[v]++;
    if (t.cls.kind === 'normal') {
      i.normal++;
      if (v === 'expected') {
        t.latencies.push(ms);
        i.normalLatencies.push(ms);
      }
    }
    if (v === 'unexpected' && t.examples.length < MAX_EXAMPLES) {
      t.examples.push(`${new Date(start).toISOString()} ${label} after ${ms} ms${describe ? `: ${describe()}` : ''}`);
    }
    return v;
  }

  /** The counts since the previous call. */
  takeInterval(): IntervalCounts {
    const i = this.interval;
    this.interval = emptyInterval();
    return i;
  }

  totals(): Record<Verdict, number> & { requests: number } {
    const r = { requests: 0, expected: 0, interim: 0, fault: 0, unexpected: 0 };
    for (const t of this.tallies.values()) {
      r.requests += t.total;
      for (const k of ['expected', 'interim', 'fault', 'unexpected'] as const) r[k] += t.byVerdict[k];
    }
    return r;
  }
}

/** Percentile of unsorted values (nearest rank); NaN when empty. Sorts a copy. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const v = Float64Array.from(values).sort();
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite);
  if (!v.length) return NaN;
  const s = Float64Array.from(v).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
