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

export interface RequestTarget {
  /** scheme://host:port, for the connection pool. */
  origin: string;
  /** The request-target: path and query, as sent. */
  path: string;
  /** origin + path: the absolute form (POST_TO_URI), without userinfo. */
  href: string;
}

// WHATWG URL's path and (special-scheme) query percent-encode sets; '%' is left alone
const PATH_UNSAFE = /[\u0000-\u0020"<>`{}\u007f\\]|[^\u0000-\u007f]+/g;
const QUERY_UNSAFE = /[\u0000-\u0020"<>'\u007f]|[^\u0000-\u007f]+/g;

function percentEncode(m: string): string {
  return m === '\\' ? '%5C' : encodeURIComponent(m).replace(/^[^%]$/, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

/**
 * Splits an absolute http(s) URL into what the HTTP client sends. The host goes through the URL parser; the
 * path does not, because it would turn `%2E%2E` (data: a variable's dots, kept encoded) back into `..` and
 * resolve it. Literal `.` and `..` segments (written in the address) are resolved and stop at the root;
 * unsafe characters are percent-encoded as the URL parser would, `\` included (it is data, not a `/`).
 */
export function requestTarget(url: string): RequestTarget {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  const origin = u.origin;
  // the raw text after scheme://authority
  const afterScheme = url.indexOf('//') + 2;
  let start = afterScheme;
  while (start < url.length && !'/?#\\'.includes(url[start]!)) start++;
  let rest = url.slice(start);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const q = rest.indexOf('?');
  let path = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q);
  path = resolveLiteralDots(path.replace(PATH_UNSAFE, percentEncode));
  if (path === '') path = '/';
  const target = path + query.replace(QUERY_UNSAFE, percentEncode);
  return { origin, path: target, href: origin + target };
}

/** RFC 3986 remove_dot_segments for literal `.` / `..` only (encoded dots are data), never above the root. */
function resolveLiteralDots(path: string): string {
  if (!path.includes('.')) return path;
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const dots = s === '.' ? 1 : s === '..' ? 2 : 0;
    if (dots === 0) {
      out.push(s);
      continue;
    }
    if (dots === 2) out.pop();
    if (i === segments.length - 1) out.push('');
  }
  return '/' + out.join('/');
}
