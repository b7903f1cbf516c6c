/**
 * Where an API key travels in a request and how it is taken off before the backend sees it: a header
 * (its transport header is removed) or a query parameter (dropped from REST_URL_POSTFIX, the query the
 * endpoint appends, and from `query.param.*`). API Manager reads `apikey` from either.
 */
import type { MessageContext } from '../../context/message-context.js';

/** Where a request carries its API key; `name` undefined: `[api_security] api_key_header` (`apikey`). */
export interface ApiKeyLocation {
  readonly in: 'header' | 'query';
  readonly name: string | undefined;
}

export interface ApiKeyScheme {
  readonly locations: readonly ApiKeyLocation[];
}

export interface FoundApiKey {
  readonly key: string;
  readonly location: ApiKeyLocation;
  readonly name: string;
}

/** The first location of the scheme that carries a key (headers before query parameters, as declared). */
export function findApiKey(mc: MessageContext, scheme: ApiKeyScheme, defaultName: string): FoundApiKey | undefined {
  for (const location of scheme.locations) {
    const name = location.name ?? defaultName;
    if (location.in === 'header') {
      const v = mc.headers.get(name.toLowerCase());
      if (typeof v === 'string') return { key: v.trim(), location, name };
    } else {
      const v = queryValue(mc.inbound.queryString, name);
      if (v !== undefined) return { key: v, location, name };
    }
  }
  return undefined;
}

function decodeQueryPart(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

function queryValue(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (decodeQueryPart(eq < 0 ? part : part.slice(0, eq)) === name) return eq < 0 ? '' : decodeQueryPart(part.slice(eq + 1));
  }
  return undefined;
}

/** The key does not travel on to the backend: its header, or its query parameter in REST_URL_POSTFIX. */
export function removeApiKey(mc: MessageContext, found: FoundApiKey): void {
  if (found.location.in === 'header') {
    mc.removeProperty(found.name, 'transport');
    return;
  }
  mc.props.delete(`query.param.${found.name}`);
  const postfix = mc.axis2.get('REST_URL_POSTFIX');
  if (typeof postfix !== 'string') return;
  const q = postfix.indexOf('?');
  if (q < 0) return;
  const kept = postfix
    .slice(q + 1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      return decodeQueryPart(eq < 0 ? part : part.slice(0, eq)) !== found.name;
    });
  mc.axis2.set('REST_URL_POSTFIX', postfix.slice(0, q) + (kept.length ? `?${kept.join('&')}` : ''));
}
