/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): reading the client's `traceparent` and writing
 * ours. Kept here, without the SDK's propagator, so the only OpenTelemetry package it needs is the API's types.
 */

export interface RemoteParent {
  readonly traceId: string;
  readonly spanId: string;
  /** The trace-flags byte (01 = sampled). */
  readonly flags: number;
}

/** version-traceid-parentid-flags; a later version may add fields after a dash, which are ignored. */
const HEADER = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The parent a `traceparent` names, or undefined for a missing or invalid one (a new trace starts). */
export function parseTraceparent(value: unknown): RemoteParent | undefined {
  if (typeof value !== 'string') return undefined;
  const m = HEADER.exec(value.trim());
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return undefined;
  return { traceId: traceId!, spanId: spanId!, flags: parseInt(flags!, 16) };
}

export function formatTraceparent(traceId: string, spanId: string, flags: number): string {
  return `00-${traceId}-${spanId}-${(flags & 0xff).toString(16).padStart(2, '0')}`;
}
