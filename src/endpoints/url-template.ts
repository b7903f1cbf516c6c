/**
 * RFC 6570 URI templates for <http uri-template="..">, compiled once at deploy time. Values are strings
 * (message properties), so list/explode forms reduce to their string cases. Levels 1-3 operators and the
 * `:n` prefix modifier are supported; undefined variables expand to nothing, as the RFC says.
 */

import { DotSegment, dotSegmentKind, mayHoldDotSegment } from './dot-segments.js';

type Op = '' | '+' | '#' | '.' | '/' | ';' | '?' | '&';

interface VarSpec {
  name: string;
  prefix: number | undefined;
}

interface Expr {
  op: Op;
  vars: VarSpec[];
}

const OPS: Record<Op, { first: string; sep: string; named: boolean; ifEmpty: string; reserved: boolean }> = {
  '': { first: '', sep: ',', named: false, ifEmpty: '', reserved: false },
  '+': { first: '', sep: ',', named: false, ifEmpty: '', reserved: true },
  '#': { first: '#', sep: ',', named: false, ifEmpty: '', reserved: true },
  '.': { first: '.', sep: '.', named: false, ifEmpty: '', reserved: false },
  '/': { first: '/', sep: '/', named: false, ifEmpty: '', reserved: false },
  ';': { first: ';', sep: ';', named: true, ifEmpty: '', reserved: false },
  '?': { first: '?', sep: '&', named: true, ifEmpty: '=', reserved: false },
  '&': { first: '&', sep: '&', named: true, ifEmpty: '=', reserved: false },
};

export class UrlTemplateError extends Error {}

export interface UrlTemplate {
  readonly source: string;
  /** Names of the variables, for diagnostics. */
  readonly variables: readonly string[];
  expand(lookup: (name: string) => string | undefined): string;
}

/** Percent-encodes everything but unreserved characters (and, for + and #, reserved ones and %XX triplets). */
function encode(value: string, reserved: boolean): string {
  if (!reserved) return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return value.replace(/%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]+/g, (m) => (m[0] === '%' && m.length === 3 ? m : encodeURI(m)));
}

/**
 * A value that is (or, in reserved expansion, holds) a dot segment has its dots written as %2E: a variable's
 * `..` is data, never a step up out of the template's base path. Encoded slashes stay encoded by encode().
 */
function keepDotsData(enc: string): string {
  if (!mayHoldDotSegment(enc)) return enc;
  const pieces = enc.split('/');
  let changed = false;
  for (let i = 0; i < pieces.length; i++) {
    if (dotSegmentKind(pieces[i]!) !== DotSegment.NONE) {
      pieces[i] = pieces[i]!.replace(/\.|%2e/gi, '%2E');
      changed = true;
    }
  }
  return changed ? pieces.join('/') : enc;
}

function parseExpr(body: string, source: string): Expr {
  const c = body[0] ?? '';
  const op = ('+#./;?&'.includes(c) && c !== '' ? c : '') as Op;
  const list = op === '' ? body : body.slice(1);
  const vars: VarSpec[] = [];
  for (const raw of list.split(',')) {
    const m = /^([A-Za-z0-9_.%-]+)(?::(\d{1,4})|\*)?$/.exec(raw.trim());
    if (!m) throw new UrlTemplateError(`'{${body}}' in '${source}' is not a valid template expression`);
    vars.push({ name: m[1]!, prefix: m[2] !== undefined ? Number(m[2]) : undefined });
  }
  return { op, vars };
}

function expandExpr(e: Expr, lookup: (name: string) => string | undefined): string {
  const spec = OPS[e.op];
  const parts: string[] = [];
  for (const v of e.vars) {
    let value = lookup(v.name);
    if (value === undefined) continue;
    if (v.prefix !== undefined) value = value.slice(0, v.prefix);
    const enc = keepDotsData(encode(value, spec.reserved));
    if (!spec.named) parts.push(enc);
    else parts.push(value === '' ? v.name + spec.ifEmpty : `${v.name}=${enc}`);
  }
  return parts.length ? spec.first + parts.join(spec.sep) : '';
}

/**
 * Compiles a template. A template that starts with a plain `{var}` takes the whole URL from that variable,
 * so its value is expanded with reserved characters kept (Synapse's `uri-template="{uri.var.url}"`).
 */
export function compileUrlTemplate(source: string): UrlTemplate {
  const parts: (string | Expr)[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{', i);
    if (open < 0) {
      parts.push(source.slice(i));
      break;
    }
    const close = source.indexOf('}', open);
    if (close < 0) throw new UrlTemplateError(`unclosed '{' in '${source}'`);
    if (open > i) parts.push(source.slice(i, open));
    parts.push(parseExpr(source.slice(open + 1, close), source));
    i = close + 1;
  }
  const head = parts[0];
  if (head && typeof head !== 'string' && head.op === '') head.op = '+';
  const variables = parts.flatMap((p) => (typeof p === 'string' ? [] : p.vars.map((v) => v.name)));
  return {
    source,
    variables,
    expand(lookup) {
      let out = '';
      for (const p of parts) out += typeof p === 'string' ? p : expandExpr(p, lookup);
      return out;
    },
  };
}
