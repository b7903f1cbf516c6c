/**
 * Throttling windows are aligned to the clock (a per-minute window ends at each full minute): a test that
 * counts a limit waits, when the current window is about to end, for the next one, so that its requests
 * cannot fall into two windows. Setup, not an assertion on time.
 */
export async function awayFromWindowEnd(windowMs: number, marginMs = 15_000): Promise<void> {
  const left = windowMs - (Date.now() % windowMs);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 100));
}

export interface Fault {
  code: number;
  message: string;
  description: string;
  nextAccessTime: string;
}

/** The 429 of a throttled call: its fault, after checking what every throttled answer has. */
export function throttledFault(status: number, headers: Headers, text: string, windowMs: number): Fault {
  if (status !== 429) throw new Error(`expected 429, got ${status}: ${text}`);
  const retryAfter = Number(headers.get('retry-after'));
  if (!(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowMs / 1000)) throw new Error(`Retry-After ${headers.get('retry-after')} is not a number of seconds within the window`);
  return (JSON.parse(text) as { fault: Fault }).fault;
}
