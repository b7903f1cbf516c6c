/**
 * Tells whether the event loop runs long turns: a timer due every CHECK_MS that fires LATE_MS late or more
 * means a turn that long, and LATE_CHECKS of them in a row a busy loop. One watch serves the process; it
 * runs only while someone listens to it.
 */
import { performance } from 'node:perf_hooks';

const CHECK_MS = 25;
/**
 * One accept per turn at 5 ms turns is 200 new connections a second: a burst of 1000 would wait 5 s. An
 * idle or lightly loaded loop runs its timers within a millisecond or two.
 */
const LATE_MS = 5;
/**
 * Checks in a row that must find the loop late: one late timer is a collection or a slow callback (seen
 * with a client that opens one connection per request, which the extra handles would only cost CPU).
 */
const LATE_CHECKS = 3;

export interface TurnListener {
  /** Turns have run long for a while (LATE_CHECKS checks in a row). */
  late(): void;
  /** No turn ran long for `quietForMs` (checked every CHECK_MS). */
  quiet(quietForMs: number): void;
}

class TurnWatch {
  private readonly listeners = new Set<TurnListener>();
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private lastLate = 0;
  private lateInARow = 0;

  add(l: TurnListener): void {
    this.listeners.add(l);
    if (this.timer) return;
    this.last = this.lastLate = performance.now();
    this.timer = setInterval(() => this.check(), CHECK_MS).unref();
  }

  delete(l: TurnListener): void {
    this.listeners.delete(l);
    if (this.listeners.size > 0 || !this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    const now = performance.now();
    const late = now - this.last - CHECK_MS;
    this.last = now;
    if (late >= LATE_MS) {
      this.lastLate = now;
      if (++this.lateInARow >= LATE_CHECKS) for (const l of this.listeners) l.late();
    } else {
      this.lateInARow = 0;
      for (const l of this.listeners) l.quiet(now - this.lastLate);
    }
  }
}

export const turnWatch = new TurnWatch();
