/** URL helpers of the endpoints: safe forms for logs, validation, and Synapse's REST_URL_POSTFIX append. */

const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i;

/** The URL without its userinfo (user:password@) part: the only form that may reach logs and messages. */
export function safeUrl(url: string): string {
  return url.replace(USERINFO, '$1');
}

/** Removes userinfo from any URL embedded in free text (e.g. an error message from the HTTP client). */
export function scrubUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/gi, '$1');
}

export function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * address + REST_URL_POSTFIX (the part of the request path after the proxy or API context, with its query):
 * exactly one slash between the path parts, and the two query strings joined with '&'.
 */
export function withPostfix(address: string, postfix: unknown): string {
  if (typeof postfix !== 'string' || postfix === '') return address;
  const aq = address.indexOf('?');
  const pq = postfix.indexOf('?');
  const base = aq < 0 ? address : address.slice(0, aq);
  const path = pq < 0 ? postfix : postfix.slice(0, pq);
  const query = [aq < 0 ? '' : address.slice(aq + 1), pq < 0 ? '' : postfix.slice(pq + 1)].filter((q) => q !== '').join('&');
  let url = base;
  if (path !== '') {
    const slashA = base.endsWith('/');
    const slashP = path.startsWith('/');
    url = slashA && slashP ? base + path.slice(1) : slashA || slashP ? base + path : base + '/' + path;
  }
  return query === '' ? url : url + '?' + query;
}
