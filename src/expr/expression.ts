/**
 * Expressions as Synapse artifacts write them, compiled once at deploy time. compileExpression() picks the
 * cheapest form that gives the same answer: a direct property lookup ($ctx:x, $trp:x, get-property('x')),
 * JSONPath for json-eval(), a streaming scan of the untouched bytes for simple location paths, and the full
 * XPath 1.0 engine over the envelope DOM for everything else.
 */
import type { MessageContext } from '../context/message-context.js';
import { getProperty, propertyString, scopedProperty, urlParam } from './get-property.js';
import { compileJsonPath } from './json-path.js';
import { compileXPath } from './xpath-expression.js';

export type { Expression } from './compiled-expression.js';
export { ExpressionError } from './compiled-expression.js';
import { ExpressionError, type Expression } from './compiled-expression.js';

const VAR = /^\s*\$(ctx|axis2|trp|url|func):([A-Za-z_][\w.\-]*)\s*$/;
const GET_PROP_1 = /^\s*get-property\(\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*$/;
const GET_PROP_2 = /^\s*get-property\(\s*(?:'([^']*)'|"([^"]*)")\s*,\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*$/;
const JSON_EVAL = /^\s*json-eval\(([\s\S]*)\)\s*$/;

class PropertyExpression implements Expression {
  readonly contentAware = false;
  constructor(
    readonly source: string,
    private readonly lookup: (mc: MessageContext) => unknown,
  ) {}
  stringValue(mc: MessageContext): string {
    return propertyString(this.lookup(mc));
  }
  booleanValue(mc: MessageContext): boolean {
    const v = this.lookup(mc);
    if (typeof v === 'boolean') return v;
    return v !== undefined && v !== null && propertyString(v) !== '';
  }
  evaluate(mc: MessageContext): unknown {
    return this.lookup(mc) ?? '';
  }
}

const SCOPE_OF_VAR: Record<string, string> = { ctx: 'default', axis2: 'axis2', trp: 'transport', func: 'func' };

/** Sees every expression compiled while observeCompiles() runs its body (parsing is synchronous). */
let observer: ((e: Expression) => void) | undefined;

/**
 * Runs `body` and reports each expression compiled during it, whatever compiled it (a mediator, an inline
 * endpoint's property). Nested calls see only their own expressions.
 */
export function observeCompiles<T>(report: (e: Expression) => void, body: () => T): T {
  const prev = observer;
  observer = report;
  try {
    return body();
  } finally {
    observer = prev;
  }
}

/**
 * Compiles an expression. `namespaces` are the prefixes declared where it was written.
 * Throws ExpressionError with a message fit for a diagnostic.
 */
export function compileExpression(source: string, namespaces: Record<string, string> = {}): Expression {
  const e = compile(source, namespaces);
  observer?.(e);
  return e;
}

function compile(source: string, namespaces: Record<string, string>): Expression {
  const src = source.trim();
  if (src === '') throw new ExpressionError('empty expression');
  let m = VAR.exec(src);
  if (m) {
    const kind = m[1]!;
    const name = m[2]!;
    if (kind === 'url') return new PropertyExpression(source, (mc) => urlParam(mc, name));
    const scope = SCOPE_OF_VAR[kind]!;
    return new PropertyExpression(source, (mc) => scopedProperty(mc, scope, name));
  }
  m = GET_PROP_1.exec(src);
  if (m) {
    const name = m[1] ?? m[2]!;
    return new PropertyExpression(source, (mc) => getProperty(mc, name));
  }
  m = GET_PROP_2.exec(src);
  if (m) {
    const a = m[1] ?? m[2]!;
    const b = m[3] ?? m[4]!;
    return new PropertyExpression(source, (mc) => getProperty(mc, a, b));
  }
  m = JSON_EVAL.exec(src);
  if (m) return compileJsonPath(source, m[1]!.trim());
  return compileXPath(source, namespaces);
}

/** A value written as text or as a dynamic `{expression}`, e.g. a key or a property name. */
export interface DynamicValue {
  readonly isStatic: boolean;
  readonly contentAware: boolean;
  resolve(mc: MessageContext): string;
}

export function compileDynamicValue(text: string, namespaces: Record<string, string> = {}): DynamicValue {
  const t = text.trim();
  if (t.length > 2 && t.startsWith('{') && t.endsWith('}')) {
    const e = compileExpression(t.slice(1, -1), namespaces);
    return { isStatic: false, contentAware: e.contentAware, resolve: (mc) => e.stringValue(mc) };
  }
  return { isStatic: true, contentAware: false, resolve: () => text };
}

/**
 * Text with embedded `{expression}` parts, e.g. `https://api.example.com/v1?key={wso2:vault-lookup('apikey')}`.
 * A `{` that does not open a compilable expression (a JSON literal, an http uri-template variable) is kept as
 * text, so only real expressions are evaluated. Returns undefined when the text has no expression at all.
 */
export function compileTextTemplate(text: string, namespaces: Record<string, string> = {}): DynamicValue | undefined {
  const parts: (string | Expression)[] = [];
  let last = 0;
  for (let open = text.indexOf('{'); open >= 0; open = text.indexOf('{', open + 1)) {
    const close = text.indexOf('}', open + 1);
    if (close < 0) break;
    const inner = text.slice(open + 1, close);
    if (!/[(:$]/.test(inner)) continue; // {uri.var.x}-style placeholders are not expressions
    let e: Expression;
    try {
      e = compileExpression(inner, namespaces);
    } catch {
      continue;
    }
    parts.push(text.slice(last, open), e);
    last = close + 1;
    open = close;
  }
  if (!parts.length) return undefined;
  parts.push(text.slice(last));
  const contentAware = parts.some((p) => typeof p !== 'string' && p.contentAware);
  return {
    isStatic: false,
    contentAware,
    resolve(mc) {
      let s = '';
      for (const p of parts) s += typeof p === 'string' ? p : p.stringValue(mc);
      return s;
    },
  };
}
