/**
 * One counter of the throttle mediator, as Synapse's CallerContext counts: a window of UnitTime ms opens at
 * the first request; up to MaximumCount requests pass in it; the next one is refused and starts a prohibit
 * period (ProhibitTimePeriod ms from now, or to the end of the window when it is 0); the first request after
 * the window (and any prohibit period) opens a new window. The same steps run in memory (decide) and in
 * Redis (WINDOW_SCRIPT, atomic, on the server's clock) so that several processes share one limit.
 */
import type { SharedScript } from '../../context/shared-stores.js';

export interface WindowState {
  /** Start and end of the current window (ms). */
  start: number;
  end: number;
  count: number;
  /** End of the prohibit period (ms); 0: not prohibited. */
  prohibitUntil: number;
}

export interface WindowLimits {
  readonly maxCount: number;
  readonly unitTime: number;
  readonly prohibitTime: number;
}

function open(now: number, unit: number): WindowState {
  return { start: now, end: now + unit, count: 1, prohibitUntil: 0 };
}

/** Decides one request at `now`; returns the new state (undefined: unchanged) and the answer. */
export function decide(state: WindowState | undefined, limits: WindowLimits, now: number): { allowed: boolean; state: WindowState | undefined } {
  const { maxCount, unitTime, prohibitTime } = limits;
  if (maxCount === 0) return { allowed: false, state };
  if (!state) return { allowed: true, state: open(now, unitTime) };
  if (state.end > now) {
    if (state.count < maxCount) return { allowed: true, state: { ...state, count: state.count + 1 } };
    if (state.prohibitUntil === 0) {
      const until = prohibitTime === 0 ? state.start + unitTime : now + prohibitTime;
      return { allowed: false, state: { ...state, prohibitUntil: until } };
    }
    if (state.prohibitUntil <= now) return { allowed: true, state: open(now, unitTime) };
    return { allowed: false, state };
  }
  if (state.count < maxCount || state.prohibitUntil === 0 || state.prohibitUntil <= now) return { allowed: true, state: open(now, unitTime) };
  return { allowed: false, state };
}

/** Until when a state matters: after that a fresh start decides the same way. */
export function stateExpiry(state: WindowState): number {
  return Math.max(state.end, state.prohibitUntil);
}

/**
 * Counters of one throttle mediator in this process, by counter key. Entries whose window and prohibit
 * period are over are dropped when the map grows, so it stays as small as the policy's entries in use.
 */
export class MemoryWindows {
  private readonly states = new Map<string, WindowState>();

  take(key: string, limits: WindowLimits, now = Date.now()): boolean {
    const { allowed, state } = decide(this.states.get(key), limits, now);
    if (state) this.states.set(key, state);
    if (this.states.size > 1024) this.sweep(now);
    return allowed;
  }

  private sweep(now: number): void {
    for (const [k, s] of this.states) if (stateExpiry(s) <= now) this.states.delete(k);
  }
}

/** decide() in Lua: KEYS[1] the counter; ARGV max count, unit time, prohibit time. Returns 1 (allowed) or 0. */
export const WINDOW_SCRIPT: SharedScript = {
  name: 'miThrottleWindow',
  lua: `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local max = tonumber(ARGV[1])
local unit = tonumber(ARGV[2])
local prohibit = tonumber(ARGV[3])
if max == 0 then return 0 end
local v = redis.call('HMGET', KEYS[1], 's', 'e', 'c', 'p')
local s, e, c, p = tonumber(v[1]), tonumber(v[2]), tonumber(v[3]), tonumber(v[4])
local allowed = 0
if not e then
  s, e, c, p = now, now + unit, 1, 0
  allowed = 1
elseif e > now then
  if c < max then
    c = c + 1
    allowed = 1
  elseif p == 0 then
    if prohibit == 0 then p = s + unit else p = now + prohibit end
  elseif p <= now then
    s, e, c, p = now, now + unit, 1, 0
    allowed = 1
  end
elseif c < max or p == 0 or p <= now then
  s, e, c, p = now, now + unit, 1, 0
  allowed = 1
end
redis.call('HSET', KEYS[1], 's', s, 'e', e, 'c', c, 'p', p)
local keep = math.max(e, p) - now
if keep < 1 then keep = 1 end
redis.call('PEXPIRE', KEYS[1], keep)
return allowed
`,
};
