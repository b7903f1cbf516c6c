/**
 * Resource matchers for REST APIs: `uri-template` (RFC 6570 level 1 plus Synapse's extras), servlet-style
 * `url-mapping`, and the match-anything matcher for a resource with neither attribute. Each is compiled once
 * at deploy time (one RegExp or a few precomputed strings); match() does no compilation.
 *
 * Behaviour follows Synapse (`URITemplate`, `URLMappingHelper`, `ApiUtils.getDispatchers()`), with the
 * differences listed here:
 *
 * uri-template
 * - `{var}` matches one non-empty path segment part (no '/'). Synapse also stops at RFC 3986 reserved
 *   characters (`:@!$&'()*+,;=`), so `/user/a@b.com` does not match `/user/{id}` there; here it does.
 * - `{a,b}` (comma list, Synapse/RFC level 3): values separated by ','; missing trailing values are "".
 * - `{var:N}`: the decoded value must be exactly N characters long (Synapse `Variable.checkModifier`).
 * - `{+var}`: reserved expansion, matches one or more characters including '/'.
 * - `{/var}`: '/' plus one segment; `{.var}`: '.' plus a label without '.' or '/'.
 * - `{#..}`, `{?..}`, `{&..}`, `{;..}` and `{var*}` are rejected (Synapse rejects or cannot match them).
 * - A trailing `*` matches any rest of the path (`/foo*` matches `/foo`, `/foobar`, `/foo/x`); a trailing
 *   `/*` matches `/foo`, `/foo/`, `/foo/a/b` (Synapse's literal-only `/foo/*` needs the '/' after `foo`;
 *   here `/foo` also matches, as url-mapping `/foo/*` does). A `*` anywhere else is a literal character.
 * - Trailing slash: one trailing '/' on the template is dropped (as Synapse) and a request path with one
 *   extra trailing '/' still matches (`/view/IBM/` matches `/view/{s}`, as Synapse's `Node.matchAll`).
 *   The root template `/` matches `/` only.
 * - Query part `?name={var}&other=literal&flag`: each parameter is looked up by name in the request query,
 *   in any order, extra request parameters allowed (Synapse compares the query text positionally, so it
 *   refuses another order and extra parameters). As in Synapse, `name={var}` needs `name=` in the request:
 *   the value may be empty (`?name=`), but `?name` alone or no `name` at all does not match. With duplicate
 *   request parameters the first one counts. A template without a query part ignores the request query.
 * - Values are percent-decoded; in the query '+' is a space (form encoding), in the path '+' stays '+'.
 *   A value whose percent-encoding is malformed is kept as it came. Literal parts compare against the raw
 *   (still encoded) request path, as Synapse. A variable used twice must have the same value both times.
 * - A template must start with '/' or '?' (Synapse accepts other text but it can never match).
 *
 * url-mapping (Synapse URLMappingHelper / URLMappingBasedDispatcher; servlet spec for `/` and `/*`)
 * - `/foo` (or `/foo/`): exact, ignoring trailing slashes of the request path;
 * - `/foo/*`: path prefix on segment boundaries (matches `/foo`, `/foo/`, `/foo/bar/baz`, not `/foobar`);
 * - `*.jsp`: extension (the request path ends with `.jsp`);
 * - `/*` matches everything as a prefix of zero segments; `/` is the servlet default and matches
 *   everything too, after every other mapping. (In Synapse `url-mapping="/"` is an exact match of the API
 *   root only; this runtime follows the servlet rule.)
 * - Precedence between url-mapping resources is servlet/Synapse style, see {@link DispatchTier}.
 */
import { Errors, MiError } from '../errors.js';
import { LINE_TERMINATORS, PathProgramBuilder, type PathEngine, type PathMatcher } from './path-program.js';

export type UriMatcherKind = 'uri-template' | 'url-mapping' | 'any';

export interface UriMatcher {
  readonly source: string;
  readonly kind: UriMatcherKind;
  /**
   * Dispatch precedence inside an API: lower is tried first, equal values keep document order. Mirrors
   * Synapse's dispatcher chain (url-mapping exact > longest path prefix > extension > default, then
   * uri-templates, then the resource without a matcher). Absent ⇒ {@link DispatchTier.URI_TEMPLATE}.
   */
  readonly precedence?: number;
  /** subPath: request path after context[/version], starting with '/', WITHOUT query; query: raw query string without '?'.
   *  Returns the template variables (decoded) or undefined when it does not match. */
  match(subPath: string, query: string): Record<string, string> | undefined;
}

/** Precedence values used by the compiled matchers (see {@link UriMatcher.precedence}). */
export const DispatchTier = {
  /** url-mapping `/foo`. */
  EXACT: 0,
  /** url-mapping `/a/b/*` ranks at PREFIX_ZERO - 2: more segments first; `/*` ranks at PREFIX_ZERO. */
  PREFIX_ZERO: 10_000,
  /** url-mapping `*.ext`. */
  EXTENSION: 20_000,
  /** url-mapping `/` (servlet default). */
  DEFAULT: 30_000,
  URI_TEMPLATE: 40_000,
  /** A resource without uri-template or url-mapping. */
  ANY: 50_000,
} as const;

/** A uri-template or url-mapping that cannot be compiled; carries MI_ART_013. */
export class UriTemplateError extends MiError {
  constructor(message: string) {
    super(Errors.BAD_URI_TEMPLATE, message);
    this.name = 'UriTemplateError';
  }
}

// ------------------------------------------------------------------------------------------------------
// shared helpers

/** Percent-decodes; '+' becomes a space when `form` (query strings). Malformed input is returned as is. */
function decode(raw: string, form: boolean): string {
  const s = form && raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Sets a variable; false when the name already holds a different value. */
function assign(vars: Record<string, string>, name: string, value: string): boolean {
  if (Object.prototype.hasOwnProperty.call(vars, name)) return vars[name] === value;
  if (name === '__proto__') Object.defineProperty(vars, name, { value, enumerable: true, writable: true, configurable: true });
  else vars[name] = value;
  return true;
}

// The last parsed query string: the resources of one request are usually matched against the same query.
let lastQuery: string | undefined;
let lastParams: ReadonlyMap<string, string | null> = new Map();

/** name -> decoded value (null for a name without '='), first occurrence wins. */
function parseQuery(query: string): ReadonlyMap<string, string | null> {
  if (query === lastQuery) return lastParams;
  const params = new Map<string, string | null>();
  if (query.length > 0) {
    for (const part of query.split('&')) {
      if (part.length === 0) continue;
      const eq = part.indexOf('=');
      const name = decode(eq < 0 ? part : part.slice(0, eq), true);
      if (!params.has(name)) params.set(name, eq < 0 ? null : decode(part.slice(eq + 1), true));
    }
  }
  lastQuery = query;
  lastParams = params;
  return params;
}

// ------------------------------------------------------------------------------------------------------
// uri-template

interface VarSpec {
  readonly name: string;
  /** `{name:N}`: the decoded value must have exactly N characters. */
  readonly length: number | undefined;
}

interface QuerySpec {
  readonly param: string;
  /** Variable receiving the value, or undefined for a literal / presence-only parameter. */
  readonly variable: VarSpec | undefined;
  /** Required decoded value for `name=literal`; undefined = any value. */
  readonly literal: string | undefined;
}

const VAR_NAME = /^[A-Za-z0-9._-]+$/;

function fail(template: string, what: string): never {
  throw new UriTemplateError(`invalid uri-template '${template}': ${what}`);
}

function parseVariable(template: string, text: string, expr: string): VarSpec {
  if (text.length === 0) fail(template, `empty variable name in '{${expr}}'`);
  let name = text;
  let length: number | undefined;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    name = text.slice(0, colon);
    const n = text.slice(colon + 1);
    if (!/^[1-9][0-9]{0,3}$/.test(n)) fail(template, `'{${expr}}': the length after ':' must be a positive number`);
    length = Number(n);
    if (name.length === 0) fail(template, `empty variable name in '{${expr}}'`);
  }
  if (name.endsWith('*')) fail(template, `'{${expr}}': the explode modifier '*' is not supported`);
  if (!VAR_NAME.test(name)) {
    const bad = [...name].find((c) => !/[A-Za-z0-9._-]/.test(c));
    fail(template, `invalid character '${bad}' in variable name '${name}' (allowed: letters, digits, '.', '-', '_')`);
  }
  return { name, length };
}

interface ParsedExpression {
  readonly op: '' | '+' | '/' | '.';
  readonly vars: readonly VarSpec[];
}

function parseExpression(template: string, expr: string): ParsedExpression {
  const first = expr.charAt(0);
  if (first === '#') fail(template, `'{${expr}}': fragment expressions are not supported (a request never carries a fragment)`);
  if (first === '?' || first === '&') {
    fail(template, `'{${expr}}': form-style query expressions are not supported; write the query as '?name={var}'`);
  }
  if (';=,!@|$()'.includes(first)) fail(template, `'{${expr}}': the operator '${first}' is not supported`);
  const op = first === '+' || first === '/' || first === '.' ? first : '';
  const body = op === '' ? expr : expr.slice(1);
  const parts = body.split(',');
  if (op !== '' && parts.length > 1) fail(template, `'{${expr}}': a variable list is only supported without an operator`);
  return { op, vars: parts.map((p) => parseVariable(template, p, expr)) };
}

/** Compiles the path part into a matcher (see path-program.ts) and the variables of its captures, in order. */
function compilePathPart(template: string, path: string, engine: PathEngine): { program: PathMatcher; vars: VarSpec[] } {
  let wildcard: '' | '*' | '/*' = '';
  let body = path;
  if (body.endsWith('/*')) {
    wildcard = '/*';
    body = body.slice(0, -2);
  } else if (body.endsWith('*')) {
    wildcard = '*';
    body = body.slice(0, -1);
  } else if (body.length > 1 && body.endsWith('/')) {
    body = body.slice(0, -1); // Synapse drops one trailing '/' of the template
  }

  const b = new PathProgramBuilder();
  const vars: VarSpec[] = [];
  if (wildcard === '' && (body === '' || body === '/')) return { program: b.literal('/').build(engine), vars };
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === '}') fail(template, `unbalanced '}' at position ${i + 1}`);
    if (ch !== '{') {
      b.literal(ch);
      i++;
      continue;
    }
    let j = i + 1;
    while (j < body.length && body[j] !== '}') {
      if (body[j] === '{') fail(template, `'{' at position ${j + 1} inside the expression opened at position ${i + 1}`);
      j++;
    }
    if (j >= body.length) fail(template, `unbalanced '{' at position ${i + 1}: missing '}'`);
    const expr = body.slice(i + 1, j);
    if (expr.length === 0) fail(template, `empty variable name '{}' at position ${i + 1}`);
    const parsed = parseExpression(template, expr);
    // Lazy captures stop where the next literal starts, as Synapse's expression stops at the next node's
    // first character; right before a trailing wildcard the capture is greedy (takes the whole segment).
    const lazy = !(j + 1 === body.length && wildcard !== '');
    switch (parsed.op) {
      case '':
        if (parsed.vars.length === 1) {
          b.capture('/', 1, lazy);
        } else {
          b.capture('/,', 1, lazy);
          for (let k = 1; k < parsed.vars.length; k++) b.optional((o) => o.literal(',').capture('/,', 0, lazy));
        }
        break;
      case '+':
        b.capture(LINE_TERMINATORS, 1, lazy);
        break;
      case '/':
        b.literal('/').capture('/', 1, lazy);
        break;
      case '.':
        b.literal('.').capture('/.', 1, lazy);
        break;
    }
    vars.push(...parsed.vars);
    i = j + 1;
  }

  if (wildcard === '/*') b.optional((o) => o.literal('/').repeat(LINE_TERMINATORS, 0, false));
  else if (wildcard === '*') b.repeat(LINE_TERMINATORS, 0, false);
  else b.optional((o) => o.literal('/')); // one trailing '/' on the request is tolerated
  return { program: b.build(engine), vars };
}

function compileQueryPart(template: string, query: string): QuerySpec[] {
  const specs: QuerySpec[] = [];
  for (const part of query.split('&')) {
    if (part.length === 0) continue;
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    if (/[{}]/.test(rawName)) {
      fail(template, `query parameter '${part}': the name must be literal, write 'name={var}'`);
    }
    if (rawName.length === 0) fail(template, `query parameter '${part}' has no name`);
    const param = decode(rawName, true);
    if (eq < 0) {
      specs.push({ param, variable: undefined, literal: undefined });
      continue;
    }
    const value = part.slice(eq + 1);
    const m = /^\{([^{}]*)\}$/.exec(value);
    if (m) {
      const expr = m[1]!;
      if (expr.length === 0) fail(template, `empty variable name '{}' in query parameter '${rawName}'`);
      const parsed = parseExpression(template, expr);
      if (parsed.vars.length !== 1 || (parsed.op !== '' && parsed.op !== '+')) {
        fail(template, `query parameter '${rawName}': the value must be a single {variable} or a literal`);
      }
      specs.push({ param, variable: parsed.vars[0], literal: undefined });
    } else if (/[{}]/.test(value)) {
      const open = value.indexOf('{');
      const close = value.indexOf('}');
      if (open < 0) fail(template, `unbalanced '}' in query parameter '${rawName}'`);
      if (close < 0) fail(template, `unbalanced '{' in query parameter '${rawName}': missing '}'`);
      fail(template, `query parameter '${rawName}': the value must be a single {variable} or a literal`);
    } else {
      specs.push({ param, variable: undefined, literal: decode(value, true) });
    }
  }
  return specs;
}

class UriTemplateMatcher implements UriMatcher {
  readonly kind = 'uri-template' as const;
  readonly precedence = DispatchTier.URI_TEMPLATE;

  constructor(
    readonly source: string,
    private readonly path: PathMatcher,
    private readonly vars: readonly VarSpec[],
    private readonly query: readonly QuerySpec[],
  ) {}

  match(subPath: string, query: string): Record<string, string> | undefined {
    const m = this.path.exec(subPath);
    if (m === undefined) return undefined;
    const out: Record<string, string> = {};
    for (let k = 0; k < this.vars.length; k++) {
      const spec = this.vars[k]!;
      const value = decode(m[k] ?? '', false);
      if (spec.length !== undefined && value.length !== spec.length) return undefined;
      if (!assign(out, spec.name, value)) return undefined;
    }
    if (this.query.length > 0) {
      const params = parseQuery(query);
      for (const q of this.query) {
        const value = params.get(q.param);
        if (value === undefined) return undefined;
        if (q.literal !== undefined && value !== q.literal) return undefined;
        if (q.variable !== undefined) {
          if (value === null) return undefined; // `name={var}` needs `name=` (Synapse matches the text `name=`)
          if (q.variable.length !== undefined && value.length !== q.variable.length) return undefined;
          if (!assign(out, q.variable.name, value)) return undefined;
        }
      }
    }
    return out;
  }

  toString(): string {
    return this.source;
  }
}

/** Index of the '?' that starts the query part (a '?' inside `{…}` is an operator, not the query). */
function queryStart(t: string): number {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '?' && depth === 0) return i;
  }
  return -1;
}

/** `engine` is for tests: the default picks the native RegExp where it is linear, else the Pike VM. */
export function compileUriTemplate(template: string, engine: PathEngine = 'auto'): UriMatcher {
  const t = template.trim();
  if (t.length === 0) throw new UriTemplateError('invalid uri-template: it is empty; use "/" or "/*", or leave the attribute out');
  if (!t.startsWith('/') && !t.startsWith('?')) fail(template, "it must start with '/' (or '?' for a query-only template)");
  const q = queryStart(t);
  const pathPart = q < 0 ? t : t.slice(0, q);
  const queryPart = q < 0 ? '' : t.slice(q + 1);
  const { program, vars } = compilePathPart(template, pathPart === '' ? '/' : pathPart, engine);
  const query = compileQueryPart(template, queryPart);
  return new UriTemplateMatcher(template, program, vars, query);
}

// ------------------------------------------------------------------------------------------------------
// url-mapping

const NO_VARS = (): Record<string, string> => ({});

function trimTrailingSlashes(p: string): string {
  let end = p.length;
  while (end > 1 && p.charCodeAt(end - 1) === 47 /* '/' */) end--;
  return end === p.length ? p : p.slice(0, end);
}

function urlMapping(source: string, precedence: number, test: (subPath: string) => boolean): UriMatcher {
  return Object.freeze({
    source,
    kind: 'url-mapping' as const,
    precedence,
    match: (subPath: string) => (test(subPath) ? NO_VARS() : undefined),
    toString: () => source,
  });
}

export function compileUrlMapping(mapping: string): UriMatcher {
  const m = mapping.trim();
  const bad = (what: string): never => {
    throw new UriTemplateError(`invalid url-mapping '${mapping}': ${what}`);
  };
  if (m.length === 0) throw new UriTemplateError('invalid url-mapping: it is empty; use "/*" to match every path');
  if (m === '/') return urlMapping(mapping, DispatchTier.DEFAULT, () => true);
  if (m === '/*') return urlMapping(mapping, DispatchTier.PREFIX_ZERO, () => true);
  if (m.startsWith('*.')) {
    const ext = m.slice(1);
    if (ext.length < 2) bad("the extension after '*.' is empty");
    if (/[/*?]/.test(ext.slice(1))) bad("an extension mapping is '*.' followed by the extension, e.g. '*.jsp'");
    return urlMapping(mapping, DispatchTier.EXTENSION, (p) => p.endsWith(ext));
  }
  if (!m.startsWith('/')) bad("it must start with '/' (path) or '*.' (extension)");
  if (m.includes('?')) bad("a url-mapping has no query part; use a uri-template for query parameters");
  if (m.endsWith('/*')) {
    const prefix = m.slice(0, -2);
    if (prefix.includes('*')) bad("'*' is only allowed as a trailing '/*' or a leading '*.'");
    const segments = prefix.slice(1).split('/');
    if (segments.some((s) => s.length === 0)) bad('it contains an empty path segment');
    const withSlash = prefix + '/';
    return urlMapping(mapping, DispatchTier.PREFIX_ZERO - segments.length, (p) => p === prefix || p.startsWith(withSlash));
  }
  if (m.includes('*')) bad("'*' is only allowed as a trailing '/*' or a leading '*.'");
  const exact = trimTrailingSlashes(m);
  return urlMapping(mapping, DispatchTier.EXACT, (p) => trimTrailingSlashes(p) === exact);
}

// ------------------------------------------------------------------------------------------------------
// no attribute

/** The matcher of a resource without uri-template and url-mapping: every sub-path, no variables. */
export const MATCH_ANY: UriMatcher = Object.freeze({
  source: '',
  kind: 'any' as const,
  precedence: DispatchTier.ANY,
  match: NO_VARS,
  toString: () => '*',
});
