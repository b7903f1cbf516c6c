/**
 * A stored response (status, headers, body bytes as they left the collector) and the HTTP caching rules
 * Micro Integrator's HttpCachingFilter applies with `<enableCacheControl>`: no-store responses are not
 * stored; a stored one past its max-age, or marked no-cache with an ETag, goes back to the backend
 * (with If-None-Match, and a 304 answers with the stored body); `<includeAgeHeader>` adds Age.
 */
import type { HeaderValue, TransportHeaders } from '../../context/transport-headers.js';
import { headerString } from '../../context/transport-headers.js';

export interface CachedResponse {
  readonly status: number | undefined;
  readonly headers: readonly (readonly [string, HeaderValue])[];
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** When the backend answered: its Date header, else when it was stored (ms). */
  readonly fetchedAt: number;
}

/** 4-byte length, the metadata as JSON, then the body: one Redis value per entry. */
export function encodeEntry(e: CachedResponse): Buffer {
  const meta = Buffer.from(JSON.stringify({ s: e.status, h: e.headers, t: e.contentType, f: e.fetchedAt }), 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(meta.length, 0);
  return Buffer.concat([head, meta, e.body]);
}

export function decodeEntry(b: Buffer): CachedResponse | undefined {
  if (b.length < 4) return undefined;
  const n = b.readUInt32BE(0);
  if (4 + n > b.length) return undefined;
  try {
    const m = JSON.parse(b.subarray(4, 4 + n).toString('utf8')) as { s?: number; h: [string, HeaderValue][]; t?: string; f: number };
    return { status: m.s, headers: m.h, contentType: m.t, fetchedAt: m.f, body: b.subarray(4 + n) };
  } catch {
    return undefined;
  }
}

function cacheControlOf(headers: Iterable<readonly [string, HeaderValue]>): string | undefined {
  for (const [k, v] of headers) if (k === 'cache-control') return headerString(v);
  return undefined;
}

/** The response says no-store (HttpCachingFilter.isNoStore: the header contains the word). */
export function isNoStore(headers: TransportHeaders): boolean {
  const cc = headerString(headers.get('cache-control'));
  return cc !== undefined && cc.includes('no-store');
}

/**
 * HttpCachingFilter.isValidCacheEntry: true when the stored response must not be served as it is (its
 * max-age is over, or it is no-cache with an ETag; then `etag` is the value to revalidate with).
 */
export function needsBackend(e: CachedResponse, now = Date.now()): { again: boolean; etag?: string } {
  const cc = cacheControlOf(e.headers);
  let noCache = false;
  let maxAge = -1;
  if (cc !== undefined) {
    for (const d of cc.split(/\s*,\s*/)) {
      if (d.toLowerCase() === 'no-cache') noCache = true;
      if (d.includes('max-age')) {
        const n = Number.parseInt(d.split('=')[1] ?? '', 10);
        if (Number.isFinite(n)) maxAge = n;
      }
    }
  }
  if (maxAge > -1 && e.fetchedAt + maxAge * 1000 < now) return { again: true };
  const etag = e.headers.find(([k]) => k === 'etag');
  if (noCache && etag) {
    const v = headerString(etag[1]);
    if (v) return { again: true, etag: v };
  }
  return { again: false };
}

/** Seconds since the backend answered, as HttpCachingFilter.setAgeHeader computes them. */
export function ageOf(e: CachedResponse, now = Date.now()): string {
  return String(Math.abs(Math.trunc((e.fetchedAt - now) / 1000)));
}

/** The response's Date header (RFC 1123) when it has one, else now. */
export function fetchedTime(headers: TransportHeaders, now = Date.now()): number {
  const d = headerString(headers.get('date'));
  const t = d === undefined ? NaN : Date.parse(d);
  return Number.isFinite(t) ? t : now;
}
