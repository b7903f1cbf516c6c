/**
 * What identifies a request for the cache, as Micro Integrator's HttpRequestHashGenerator chooses it: the
 * To address (path and query), the transport headers (all but `headersToExcludeInHash`, or only
 * `headersToIncludeInHash`; never Date, User-Agent or the correlation header), and, unless the request is a
 * REST GET, DELETE or HEAD, the body (a SOAP envelope's Body only). Here the HTTP method is part of the
 * hash too (docs/mediators.md: a DELETE is never answered with a cached GET), and the body is hashed as bytes.
 */
import { createHash } from 'node:crypto';
import type { MessageContext } from '../../context/message-context.js';
import { headerString } from '../../context/transport-headers.js';
import { stringifyJson } from '../../json/json-number.js';
import { serializeXml, SOAP11_NS, SOAP12_NS } from '../../xml/dom.js';
import type { CacheSettings } from './cache-settings.js';

/** Headers MI never hashes (HttpRequestHashGenerator skips them at digest time). */
const NEVER_HASHED = new Set(['date', 'user-agent']);

export function httpMethod(mc: MessageContext): string {
  return mc.inbound.method.toUpperCase();
}

/** A REST GET, DELETE or HEAD: the body is not part of the hash (and need not be read). */
export function hashSkipsBody(mc: MessageContext): boolean {
  const m = httpMethod(mc);
  if (m !== 'GET' && m !== 'DELETE' && m !== 'HEAD') return false;
  const k = mc.requestKind;
  return k !== 'soap11' && k !== 'soap12';
}

function headersPart(mc: MessageContext, s: CacheSettings): string {
  const correlation = mc.runtime.config.correlationHeader;
  let names: string[];
  if (s.includeHeaders !== undefined) {
    names = s.includeHeaders[0] === '*' ? [...mc.headers.keys()] : [...s.includeHeaders];
  } else {
    if (s.excludeHeaders[0] === '*') return '';
    names = [...mc.headers.keys()].filter((h) => !s.excludeHeaders.includes(h));
  }
  let out = '';
  for (const n of [...new Set(names)].sort()) {
    if (NEVER_HASHED.has(n) || n === correlation) continue;
    const v = headerString(mc.headers.get(n));
    out += `${n}\u0000${v === undefined ? '\u0001' : v}\u0000`;
  }
  return out;
}

/** The body as hashed: the bytes received, or a SOAP envelope's Body, or the current payload once changed. */
function bodyPart(mc: MessageContext): Buffer | string {
  const p = mc.payload;
  const k = p.kind;
  if (k === 'soap11' || k === 'soap12') {
    const env = p.envelope().documentElement;
    for (let n = env.firstChild; n; n = n.nextSibling) {
      const el = n as Element;
      if (n.nodeType === 1 && el.localName === 'Body' && (el.namespaceURI === SOAP11_NS || el.namespaceURI === SOAP12_NS)) return serializeXml(el);
    }
    return '';
  }
  const raw = p.rawBytes;
  if (raw !== undefined) return raw;
  if (p.isJson) return stringifyJson(p.json());
  return serializeXml(p.envelope());
}

/** Hex SHA-256 of the request's identity; the body must be loaded unless hashSkipsBody(). */
export function requestHash(mc: MessageContext, s: CacheSettings): string {
  const h = createHash('sha256');
  h.update(`${httpMethod(mc)}\u0000${mc.to}\u0000${headersPart(mc, s)}\u0000`);
  if (!hashSkipsBody(mc)) h.update(bodyPart(mc));
  return h.digest('hex');
}
