/**
 * Transport (HTTP) headers of a message: a Map keyed by lower-case name, as Synapse's case-insensitive
 * TRANSPORT_HEADERS. Hop-by-hop headers never cross the runtime in either direction (RFC 9110 7.6.1).
 */
export type HeaderValue = string | string[];
export type TransportHeaders = Map<string, HeaderValue>;

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
  'http2-settings',
]);

export function isHopByHop(name: string): boolean {
  return HOP_BY_HOP.has(name);
}

/**
 * The header names a Connection header lists (RFC 9110 7.6.1: they are hop-by-hop too), lower case; undefined
 * for the usual `keep-alive` / `close`, so the common request allocates nothing.
 */
function connectionListed(conn: HeaderValue | undefined): Set<string> | undefined {
  if (conn === undefined) return undefined;
  const text = typeof conn === 'string' ? conn : conn.join(',');
  if (text === 'keep-alive' || text === 'close' || text === 'Keep-Alive' || text === 'Close' || text === '') return undefined;
  const listed = new Set<string>();
  for (const token of text.toLowerCase().split(',')) {
    const name = token.trim();
    if (name !== '' && name !== 'keep-alive' && name !== 'close') listed.add(name);
  }
  return listed.size ? listed : undefined;
}

/** Copies Node's already lower-cased header object, dropping hop-by-hop headers and those named in Connection. */
export function fromIncoming(raw: Record<string, string | string[] | undefined>): TransportHeaders {
  const out: TransportHeaders = new Map();
  const listed = connectionListed(raw['connection']);
  for (const k in raw) {
    const v = raw[k];
    if (v === undefined || HOP_BY_HOP.has(k) || listed?.has(k)) continue;
    out.set(k, v);
  }
  return out;
}

export function headerString(v: HeaderValue | undefined): string | undefined {
  return v === undefined ? undefined : typeof v === 'string' ? v : v.join(', ');
}

/** Plain object for undici / node:http, minus hop-by-hop headers (and any a mediator-set Connection names). */
export function toOutgoing(h: TransportHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const listed = connectionListed(h.get('connection'));
  for (const [k, v] of h) if (!HOP_BY_HOP.has(k) && !listed?.has(k)) out[k] = v;
  return out;
}
