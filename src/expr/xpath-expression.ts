/**
 * General XPath 1.0 over the envelope DOM (the `xpath` package), with Synapse's variables ($body, $header,
 * $env, $ctx:, $axis2:, $trp:, $url:, $func:) and functions (get-property, base64Encode/Decode, url-encode,
 * fn:*, wso2:vault-lookup). Prefixes, functions and variables are checked at compile time so a typo is a
 * deploy error rather than a run-time fault.
 */
import xpathModule from 'xpath';

// the typings omit parse() and the resolver classes, which the package exports
const xpath = xpathModule as unknown as {
  parse(src: string): { evaluate(options: unknown): unknown };
  FunctionResolver: new () => { getFunction(l: string, n: string): Fn };
};
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import { ExpressionError, type Expression } from './compiled-expression.js';
import { getProperty, propertyString, scopedProperty, urlParam } from './get-property.js';
import { nodeString } from './node-string.js';
import { compileStreamPath, type StreamPath } from './stream-path.js';
import { compileDomPath, type DomPath } from './dom-path.js';
import { withXPathBudget } from './xpath-budget.js';
import { PAYLOAD_LIMIT_DEFAULTS } from '../context/payload-limits.js';


const FN_NS = 'http://www.w3.org/2005/xpath-functions';
const WSO2_NS = 'http://wso2.org/ns/functions';
const HASHICORP_NS = 'http://wso2.org/ns/functions/hashicorp';
const VAR_NS: Record<string, string> = {
  ctx: 'urn:mi:var:ctx',
  axis2: 'urn:mi:var:axis2',
  trp: 'urn:mi:var:trp',
  url: 'urn:mi:var:url',
  func: 'urn:mi:var:func',
};
const VAR_PREFIX_OF_NS: Record<string, string> = Object.fromEntries(Object.entries(VAR_NS).map(([k, v]) => [v, k]));

const CORE_FUNCTIONS = new Set([
  'last', 'position', 'count', 'id', 'local-name', 'namespace-uri', 'name', 'string', 'concat', 'starts-with',
  'contains', 'substring-before', 'substring-after', 'substring', 'string-length', 'normalize-space', 'translate',
  'boolean', 'not', 'true', 'false', 'lang', 'number', 'sum', 'floor', 'ceiling', 'round',
]);

type XValue = { stringValue(): string; nodeset?: () => { toArray(): Node[] } };
type Fn = (ctx: unknown, ...args: XValue[]) => unknown;

function str(v: XValue | undefined): string {
  return v === undefined ? '' : v.stringValue();
}

/** The current message while one expression evaluates (evaluation is synchronous). */
let current: MessageContext | undefined;
function mc(): MessageContext {
  if (!current) throw new Error('expression evaluated outside a message');
  return current;
}

const EXTRA_FUNCTIONS: Record<string, Fn> = {
  'get-property': (_c, a, b) => xpathValue(getProperty(mc(), str(a), b === undefined ? undefined : str(b))),
  base64Encode: (_c, a, cs) => Buffer.from(str(a), charset(cs)).toString('base64'),
  base64Decode: (_c, a, cs) => Buffer.from(str(a), 'base64').toString(charset(cs)),
  'url-encode': (_c, a, cs) => urlEncode(str(a), charset(cs)),
  'url-decode': (_c, a) => decodeURIComponent(str(a).replace(/\+/g, ' ')),
};

/** A property as an XPath value: XML (OM) properties stay nodes, as in Jaxen; anything else its string. */
function xpathValue(v: unknown): unknown {
  if (Array.isArray(v) || (v && typeof v === 'object' && 'nodeType' in v)) return v;
  return propertyString(v);
}

/** fn:replace / fn:matches patterns are nearly always literals: compile each once, not per message. */
const regexCache = new Map<string, RegExp>();
function cachedRegExp(pattern: string, flags: string): RegExp {
  const key = flags + '/' + pattern;
  let re = regexCache.get(key);
  if (!re) {
    if (regexCache.size >= 500) regexCache.clear();
    regexCache.set(key, (re = new RegExp(pattern, flags)));
  }
  re.lastIndex = 0;
  return re;
}

const FN_EXTRA: Record<string, Fn> = {
  'upper-case': (_c, a) => str(a).toUpperCase(),
  'lower-case': (_c, a) => str(a).toLowerCase(),
  'ends-with': (_c, a, b) => str(a).endsWith(str(b)),
  'string-join': (_c, a, sep) => (a?.nodeset ? a.nodeset().toArray().map((n) => n.textContent ?? '') : [str(a)]).join(str(sep)),
  replace: (_c, a, p, r) => str(a).replace(cachedRegExp(str(p), 'g'), str(r).replace(/\\\$/g, '$$$$')),
  matches: (_c, a, p) => cachedRegExp(str(p), '').test(str(a)),
  'current-dateTime': () => new Date().toISOString(),
};

const WSO2_FUNCTIONS: Record<string, Fn> = {
  // as Micro Integrator: the type and encrypted flag count only in the 3-argument form; Boolean.parseBoolean
  'vault-lookup': (_c, ...args) =>
    args.length === 3
      ? mc().runtime.lookupSecret(str(args[0]), str(args[1]), str(args[2]).trim().toLowerCase() === 'true')
      : mc().runtime.lookupSecret(str(args[0])),
};

// url-encode is Commons HttpClient's URIUtil.encodePathQuery: the part before '?' keeps the characters allowed
// in an absolute path, the part after it those allowed in a query; everything else (space too) is %XX
const UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()";
const PATH_SAFE = new Set(UNRESERVED + ':@&=$,;/');
const QUERY_SAFE = new Set(UNRESERVED + ';/?:@&=+$,');

function percentEncode(s: string, safe: Set<string>, enc: BufferEncoding): string {
  let out = '';
  for (const b of Buffer.from(s, enc)) {
    const c = String.fromCharCode(b);
    out += b < 128 && safe.has(c) ? c : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

function urlEncode(s: string, enc: BufferEncoding): string {
  const q = s.indexOf('?');
  if (q < 0) return percentEncode(s, PATH_SAFE, enc);
  return percentEncode(s.slice(0, q), PATH_SAFE, enc) + '?' + percentEncode(s.slice(q + 1), QUERY_SAFE, enc);
}

function charset(v: XValue | undefined): BufferEncoding {
  const s = str(v).toLowerCase().replace('-', '');
  return s === 'ascii' || s === 'usascii' ? 'ascii' : s === 'iso88591' || s === 'latin1' ? 'latin1' : s === 'utf16le' ? 'utf16le' : 'utf8';
}

function resolveFunction(localName: string, ns: string | null | undefined): Fn | undefined {
  if (!ns) return EXTRA_FUNCTIONS[localName];
  if (ns === FN_NS) return FN_EXTRA[localName] ?? (CORE_FUNCTIONS.has(localName) ? coreByName(localName) : undefined);
  if (ns === WSO2_NS) return WSO2_FUNCTIONS[localName];
  if (ns === HASHICORP_NS && localName === 'vault-lookup') {
    return (_c, ...args) => {
      const m = mc();
      return m.runtime.lookupExternalSecret('hashicorp', args.map(str), m);
    };
  }
  return undefined;
}

// fn:concat and friends: call the engine's own implementation through a tiny expression
const coreCache = new Map<string, Fn>();
function coreByName(name: string): Fn {
  let f = coreCache.get(name);
  if (!f) {
    const fr = new xpath.FunctionResolver();
    f = fr.getFunction(name, '');
    coreCache.set(name, f);
  }
  return f;
}

/** Synapse's string value of an XPath result. */
export function synapseString(result: unknown): string {
  if (Array.isArray(result)) {
    let s = '';
    for (const n of result as Node[]) s += nodeString(n);
    return s;
  }
  if (result === undefined || result === null) return '';
  return String(result);
}

interface Walked {
  contentAware: boolean;
  problems: string[];
  /** Calls hashicorp:vault-lookup (the value must be fetched before evaluation). */
  external: boolean;
  /** Secure vault aliases written as literals in wso2:vault-lookup, checked at deploy time. */
  aliases: string[];
}

const SOURCE_TYPES = new Set(['DOCKER', 'FILE', 'ENV']);

/** The string of a literal argument ('abc'), or undefined for anything computed. */
function literal(node: unknown): string | undefined {
  let n = node as Record<string, unknown> | undefined;
  if (n && 'filter' in n && Array.isArray(n['filterPredicates']) && (n['filterPredicates'] as unknown[]).length === 0) n = n['filter'] as Record<string, unknown>;
  return n && typeof n['str'] === 'string' ? (n['str'] as string) : undefined;
}

function noteVaultCall(ns: string | undefined, local: string, args: unknown[], out: Walked): void {
  if (local !== 'vault-lookup') return;
  if (ns === HASHICORP_NS) out.external = true;
  if (ns !== WSO2_NS || args.length === 0) return;
  const alias = literal(args[0]);
  const type = args.length === 3 ? literal(args[1]) : '';
  if (alias !== undefined && alias !== '' && type !== undefined && !SOURCE_TYPES.has(type)) out.aliases.push(alias);
}

function walk(node: unknown, namespaces: Record<string, string>, out: Walked): void {
  if (!node || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  // path objects always carry these keys; only a present value means a location path
  if (Array.isArray(o['steps']) || (o['locationPath'] !== undefined && o['locationPath'] !== null)) out.contentAware = true;
  const nt = o['nodeTest'] as { prefix?: string | null } | undefined;
  if (nt && nt.prefix && !(nt.prefix in namespaces)) out.problems.push(`namespace prefix '${nt.prefix}' is not declared`);
  if (typeof o['variable'] === 'string') {
    const v = o['variable'] as string;
    const colon = v.indexOf(':');
    if (colon < 0) {
      if (v === 'body' || v === 'header' || v === 'env') out.contentAware = true;
      else out.problems.push(`unknown variable $${v}`);
    } else if (!(v.slice(0, colon) in VAR_NS)) out.problems.push(`unknown variable prefix in $${v}`);
  }
  if (typeof o['functionName'] === 'string') {
    const f = o['functionName'] as string;
    const colon = f.indexOf(':');
    const local = colon < 0 ? f : f.slice(colon + 1);
    const ns = colon < 0 ? '' : namespaces[f.slice(0, colon)];
    if (colon >= 0 && ns === undefined) out.problems.push(`function prefix in '${f}' is not declared`);
    else if (!(colon < 0 && CORE_FUNCTIONS.has(local)) && !resolveFunction(local, ns)) out.problems.push(`unknown function ${f}()`);
    else noteVaultCall(ns, local, Array.isArray(o['arguments']) ? (o['arguments'] as unknown[]) : [], out);
  }
  for (const k in o) {
    const v = o[k];
    if (Array.isArray(v)) for (const x of v) walk(x, namespaces, out);
    else if (v && typeof v === 'object') walk(v, namespaces, out);
  }
}

export function compileXPath(source: string, declared: Record<string, string>): Expression {
  const namespaces: Record<string, string> = { fn: FN_NS, wso2: WSO2_NS, hashicorp: HASHICORP_NS, ...declared, ...VAR_NS };
  let parsed: ReturnType<typeof xpath.parse>;
  try {
    parsed = xpath.parse(source);
  } catch (err) {
    throw new ExpressionError(`XPath '${source}' does not compile: ${(err as Error).message}`);
  }
  const w: Walked = { contentAware: false, problems: [], external: false, aliases: [] };
  walk((parsed as unknown as { expression: unknown }).expression, namespaces, w);
  if (w.problems.length) throw new ExpressionError(`XPath '${source}': ${w.problems.join('; ')}`);

  const variables = {
    getVariable(local: string, ns: string | null): unknown {
      const m = mc();
      if (!ns) {
        if (local === 'body') return [m.payload.body()];
        if (local === 'header') return m.payload.header() ? [m.payload.header()!] : [];
        if (local === 'env') return [m.payload.envelope().documentElement];
        return '';
      }
      const p = VAR_PREFIX_OF_NS[ns];
      if (p === 'url') return urlParam(m, local) ?? '';
      const scope = p === 'ctx' ? 'default' : p === 'trp' ? 'transport' : p!;
      return xpathValue(scopedProperty(m, scope, local));
    },
  };
  const functions = { getFunction: resolveFunction };
  const stream: StreamPath | undefined = w.contentAware ? compileStreamPath(source, namespaces) : undefined;
  const domPath: DomPath | undefined = w.contentAware ? compileDomPath(source, namespaces) : undefined;

  type R = { stringValue(): string; booleanValue(): boolean; numberValue(): number; nodeset?: () => { toArray(): Node[] } };
  /** Evaluates and reads the result within one budget (sorting a node set into document order is part of it). */
  const run = <T>(m: MessageContext, read: (r: R) => T): T => {
    const prev = current;
    current = m;
    try {
      const node = w.contentAware ? m.payload.envelope().documentElement : undefined;
      const maxSteps = m.runtime.config.server.maxXpathSteps ?? PAYLOAD_LIMIT_DEFAULTS.maxXpathSteps;
      return withXPathBudget(maxSteps, () => read(parsed.evaluate({ node: node as never, namespaces, variables, functions } as never) as unknown as R));
    } catch (err) {
      if (err instanceof MiError) throw err;
      throw new MiError(Errors.EXPRESSION_ERROR, `XPath '${source}' failed: ${(err as Error).message}`);
    } finally {
      current = prev;
    }
  };
  const toJs = (r: R): unknown => {
    const ctor = (r as object).constructor.name;
    if (ctor === 'XNodeSet') return r.nodeset!().toArray();
    if (ctor === 'XNumber') return r.numberValue();
    if (ctor === 'XBoolean') return r.booleanValue();
    return r.stringValue();
  };
  return {
    source,
    contentAware: w.contentAware,
    externalLookups: w.external,
    vaultAliases: w.aliases,
    evaluate: (m) => (domPath ? domPath.select(m.payload.envelope()) : run(m, toJs)),
    stringValue(m) {
      if (stream) {
        const raw = m.payload.utf8RawBytes;
        if (raw !== undefined && (m.payload.kind === 'soap11' || m.payload.kind === 'soap12' || m.payload.kind === 'xml')) {
          const hit = stream.match(raw, m.payload.kind === 'xml');
          if (hit !== undefined) return hit;
        }
      }
      return synapseString(run(m, toJs));
    },
    booleanValue: (m) => run(m, (r) => r.booleanValue()),
  };
}
