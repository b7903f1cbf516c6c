/**
 * The API router, compiled once per deployment. Contexts go into a trie keyed by path segment, so finding
 * the API costs one Map lookup per request path segment, whatever the number of APIs.
 *
 * API selection
 * - The API whose context is the longest prefix of the path on a segment boundary wins (`/stock` does not
 *   take `/stockquote`); context `/` takes whatever no other context takes. Contexts compare case-sensitively
 *   against the raw (still percent-encoded) path. A versioned API's context already holds its version.
 * - `hostname` / `port` filters: an API with a hostname only takes requests whose host (case-insensitive)
 *   is that hostname, one with a port only requests on that port; a request without host/port information
 *   never matches a filtered API (as Synapse). Several APIs on one context: the most specific filter first
 *   (hostname+port, then hostname or port, then none), then constructor order. When no API on the longest
 *   context passes its filter, shorter contexts are tried (Synapse tries every API's canProcess()).
 * - Once an API is chosen its resources decide; a resource miss is 'no-resource', never another API.
 *
 * Resource selection (Synapse `API.process` + `ApiUtils.getDispatchers()`)
 * - Resources are tried by {@link UriMatcher.precedence} (url-mapping exact, longest prefix, extension,
 *   default; then uri-templates; then the resource without a matcher), in document order within a tier, so
 *   overlapping uri-templates resolve by document order. The first resource whose matcher matches AND whose
 *   methods include the request method wins.
 * - A matcher matches but no such resource allows the method ⇒ 'method-not-allowed' (405) with the union of
 *   their methods in `allowed`; nothing matches ⇒ 'no-resource' (404). (Synapse answers 404 instead of 405
 *   when some other resource accepts the method; this router always reports 405 for a path match.)
 * - Methods compare case-insensitively; a resource without methods allows every method.
 * - HEAD is not folded into GET: a HEAD request needs a resource listing HEAD (or no methods), as in Synapse
 *   (`Resource.canProcess` checks `methods.contains(method)`), so `GET`-only resources answer HEAD with 405.
 * - OPTIONS is an ordinary method here. Synapse accepts OPTIONS on every resource for CORS; a caller that
 *   wants that can answer a 'method-not-allowed' OPTIONS request itself from `allowed`.
 */
import { DispatchTier, type UriMatcher } from './uri-template.js';

export interface RoutableResource {
  readonly methods: ReadonlySet<string> | undefined;
  readonly matcher: UriMatcher;
}

export interface RoutableApi {
  readonly name: string;
  readonly context: string;
  readonly hostname?: string;
  readonly port?: number;
  readonly resources: readonly RoutableResource[];
}

export type RouteResult<A extends RoutableApi> =
  | {
      kind: 'match';
      api: A;
      resource: A['resources'][number];
      resourceIndex: number;
      vars: Record<string, string>;
      subPath: string;
      contextPath: string;
    }
  | { kind: 'method-not-allowed'; api: A; allowed: string[] }
  | { kind: 'no-resource'; api: A }
  | { kind: 'no-api' };

interface CompiledResource {
  readonly index: number;
  readonly matcher: UriMatcher;
  /** Upper-cased; undefined = every method. */
  readonly methods: ReadonlySet<string> | undefined;
  /** As declared (upper-cased), for `allowed`. */
  readonly methodList: readonly string[];
}

interface CompiledApi<A> {
  readonly api: A;
  readonly context: string;
  readonly hostname: string | undefined;
  readonly port: number | undefined;
  readonly specificity: number;
  /** Resources in dispatch order. */
  readonly resources: readonly CompiledResource[];
}

interface ContextNode<A> {
  readonly children: Map<string, ContextNode<A>>;
  apis: CompiledApi<A>[] | undefined;
}

function newNode<A>(): ContextNode<A> {
  return { children: new Map(), apis: undefined };
}

/** Context segments: leading '/' implied, trailing '/' ignored; `/` ⇒ []. */
function contextSegments(context: string): string[] {
  let c = context.trim();
  const q = c.indexOf('?');
  if (q >= 0) c = c.slice(0, q);
  let end = c.length;
  while (end > 0 && c.charCodeAt(end - 1) === 47) end--;
  c = c.slice(c.startsWith('/') ? 1 : 0, end);
  return c === '' ? [] : c.split('/');
}

/** `host` may carry the port (`example.com:8290`, `[::1]:8290`); an explicit port wins. */
function splitHost(host: string | undefined, port: number | undefined): { host: string | undefined; port: number | undefined } {
  if (host === undefined || host === '') return { host: undefined, port };
  let h = host.trim().toLowerCase();
  let p = port;
  const close = h.lastIndexOf(']');
  const colon = h.lastIndexOf(':');
  if (colon > close && (h.startsWith('[') || h.indexOf(':') === colon)) {
    const digits = h.slice(colon + 1);
    if (p === undefined && /^[0-9]+$/.test(digits)) p = Number(digits);
    h = h.slice(0, colon);
  }
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  return { host: h, port: p };
}

function normalizeHostname(h: string | undefined): string | undefined {
  if (h === undefined) return undefined;
  const t = h.trim().toLowerCase();
  if (t === '') return undefined;
  return t.startsWith('[') && t.endsWith(']') ? t.slice(1, -1) : t;
}

function compileApi<A extends RoutableApi>(api: A): CompiledApi<A> {
  const resources = api.resources.map((r, index): CompiledResource => {
    const methodList = r.methods === undefined ? [] : [...new Set([...r.methods].map((m) => m.toUpperCase()))];
    return {
      index,
      matcher: r.matcher,
      methods: r.methods === undefined || r.methods.size === 0 ? undefined : new Set(methodList),
      methodList,
    };
  });
  const tier = (r: CompiledResource): number => r.matcher.precedence ?? DispatchTier.URI_TEMPLATE;
  resources.sort((a, b) => tier(a) - tier(b) || a.index - b.index);
  const hostname = normalizeHostname(api.hostname);
  const port = api.port;
  const segments = contextSegments(api.context);
  return {
    api,
    context: '/' + segments.join('/'),
    hostname,
    port,
    specificity: (hostname !== undefined ? 1 : 0) + (port !== undefined ? 1 : 0),
    resources,
  };
}

export class ApiRouter<A extends RoutableApi> {
  readonly apis: readonly A[];
  private readonly root: ContextNode<A> = newNode<A>();

  constructor(apis: readonly A[]) {
    this.apis = Object.freeze([...apis]);
    for (const api of this.apis) {
      const compiled = compileApi(api);
      let node = this.root;
      for (const seg of contextSegments(api.context)) {
        let child = node.children.get(seg);
        if (child === undefined) {
          child = newNode<A>();
          node.children.set(seg, child);
        }
        node = child;
      }
      (node.apis ??= []).push(compiled);
    }
    this.sortNodes(this.root);
  }

  private sortNodes(node: ContextNode<A>): void {
    node.apis?.sort((a, b) => b.specificity - a.specificity); // stable: constructor order within a level
    for (const child of node.children.values()) this.sortNodes(child);
  }

  /**
   * @param path  request path (raw, percent-encoded); a '?…' suffix is split off into the query if present
   * @param query raw query string without '?'
   * @param host  request host (Host header), optionally with ':port'
   * @param port  request port (Host header port or the listener's port); wins over a port in `host`
   */
  route(method: string, path: string, query: string, host?: string, port?: number): RouteResult<A> {
    let p = path;
    let q = query;
    const qi = p.indexOf('?');
    if (qi >= 0) {
      if (q === '') q = p.slice(qi + 1);
      p = p.slice(0, qi);
    }
    if (!p.startsWith('/')) p = '/' + p;

    // Walk the trie; remember every node on the way that holds APIs, with where its context ends.
    const nodes: ContextNode<A>[] = [];
    const ends: number[] = [];
    let node = this.root;
    if (node.apis !== undefined) {
      nodes.push(node);
      ends.push(0);
    }
    let pos = 0;
    while (pos < p.length) {
      let next = p.indexOf('/', pos + 1);
      if (next < 0) next = p.length;
      const child = node.children.get(p.slice(pos + 1, next));
      if (child === undefined) break;
      node = child;
      if (node.apis !== undefined) {
        nodes.push(node);
        ends.push(next);
      }
      pos = next;
    }
    if (nodes.length === 0) return { kind: 'no-api' };

    let filter: { host: string | undefined; port: number | undefined } | undefined;
    for (let k = nodes.length - 1; k >= 0; k--) {
      for (const api of nodes[k]!.apis!) {
        if (api.specificity > 0) {
          filter ??= splitHost(host, port);
          if (api.hostname !== undefined && api.hostname !== filter.host) continue;
          if (api.port !== undefined && api.port !== filter.port) continue;
        }
        const subPath = ends[k]! < p.length ? p.slice(ends[k]!) : '/';
        return this.dispatch(api, method.toUpperCase(), subPath, q);
      }
    }
    return { kind: 'no-api' };
  }

  private dispatch(api: CompiledApi<A>, method: string, subPath: string, query: string): RouteResult<A> {
    for (const r of api.resources) {
      if (r.methods !== undefined && !r.methods.has(method)) continue;
      const vars = r.matcher.match(subPath, query);
      if (vars !== undefined) {
        return {
          kind: 'match',
          api: api.api,
          resource: api.api.resources[r.index]!,
          resourceIndex: r.index,
          vars,
          subPath,
          contextPath: api.context,
        };
      }
    }
    // Unhappy path only: does any resource match the path with another method?
    let allowed: string[] | undefined;
    for (const r of api.resources) {
      if (r.methods === undefined || r.methods.has(method)) continue;
      if (r.matcher.match(subPath, query) === undefined) continue;
      allowed ??= [];
      for (const m of r.methodList) if (!allowed.includes(m)) allowed.push(m);
    }
    if (allowed !== undefined) return { kind: 'method-not-allowed', api: api.api, allowed };
    return { kind: 'no-resource', api: api.api };
  }
}
