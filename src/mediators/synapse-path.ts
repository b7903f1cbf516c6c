/**
 * The expressions Micro Integrator 4.4's scatter-gather takes (SynapsePathFactory): `${...}` Synapse
 * expressions, `json-eval(...)` and XPath. Synapse expressions are a language of their own; the forms a
 * scatter-gather aggregation is written with are compiled here onto the runtime's XPath and JSONPath:
 * `${payload}` (the JSON payload, or the XML payload element), `${payload.a.b}` / `${payload["a"][0]}`
 * (JSONPath on the payload) and `${xpath('...')}` (XPath, its elements as XML). Any other `${...}` is refused
 * at deploy (MI_ART_075), never read wrongly.
 *
 * Like Synapse's SynapsePath, each gives an object value (objectValueOf: a JSON value, or XML elements) and a
 * string value (stringValueOf: XML elements as XML text, JSON as JSON text).
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { jsonString } from '../expr/json-path.js';
import type { Expression } from '../expr/expression.js';
import { serializeXml } from '../xml/dom.js';

/** An object value: XML nodes, or a JSON value (a string, number or boolean from XPath counts as one). */
export type PathValue = { readonly xml: readonly Node[] } | { readonly json: unknown };

export interface SynapsePath {
  readonly source: string;
  readonly contentAware: boolean;
  objectValue(mc: MessageContext): PathValue;
  stringValue(mc: MessageContext): string;
}

const SYNAPSE_EXPRESSION = /^\s*\$\{([\s\S]*)\}\s*$/;
const XPATH_CALL = /^\s*xpath\(\s*(?:'([^']*)'|"([^"]*)")\s*\)\s*$/;
const PAYLOAD = /^\s*payload((?:\.[A-Za-z_$][\w$-]*|\[\s*(?:\d+|'[^']*'|"[^"]*"|\*)\s*\])*)\s*$/;

/** A node-set's XML: each element or text node in document order. */
function nodesXml(nodes: readonly Node[]): string {
  return nodes.map((n) => (n.nodeType === 1 ? serializeXml(n) : n.nodeValue ?? '')).join('');
}

/** A path written on `el`'s attribute `attr`. */
export function compileSynapsePath(el: Element, ctx: ParseContext, text: string): SynapsePath {
  const se = SYNAPSE_EXPRESSION.exec(text);
  if (!se) {
    // json-eval(...) or XPath, as Synapse's SynapseJsonPath / SynapseXPath
    return fromExpression(text, ctx.expression(el, text), /^\s*json-eval\(/.test(text) ? 'json-eval' : 'xpath');
  }
  const inner = se[1]!;
  const x = XPATH_CALL.exec(inner);
  if (x) return fromExpression(text, ctx.expression(el, x[1] ?? x[2]!), 'xpath-xml');
  const p = PAYLOAD.exec(inner);
  if (p) {
    const rest = p[1]!;
    if (rest === '') return wholePayload(text);
    return fromExpression(text, ctx.expression(el, `json-eval($${rest})`), 'json');
  }
  return ctx.fail(el, Errors.SYNAPSE_EXPRESSION_UNSUPPORTED, `the Synapse expression '${text}' is not supported here; use \${payload}, \${payload.path}, \${xpath('...')}, json-eval(...) or an XPath`);
}

/** `${payload}`: the JSON value of a JSON message, else the payload element (or what the body holds). */
function wholePayload(source: string): SynapsePath {
  const value = (mc: MessageContext): PathValue => {
    if (mc.payload.isJson) return { json: mc.payload.json() };
    const el = mc.payload.bodyElement();
    return { xml: el ? [el] : [] };
  };
  return {
    source,
    contentAware: true,
    objectValue: value,
    stringValue: (mc) => {
      const v = value(mc);
      return 'xml' in v ? nodesXml(v.xml) : jsonString(v.json);
    },
  };
}

/**
 * An XPath or JSONPath as a path: `xpath-xml`, a `${xpath()}` Synapse expression, gives its nodes as XML text;
 * `json`, a `${payload.path}`, JSON text (a string unquoted); `json-eval` and `xpath` (SynapseJsonPath,
 * SynapseXPath) their usual string value (for XPath, the text of the nodes).
 */
function fromExpression(source: string, e: Expression, kind: 'xpath-xml' | 'json' | 'json-eval' | 'xpath'): SynapsePath {
  const xml = kind === 'xpath-xml' || kind === 'xpath';
  return {
    source,
    contentAware: e.contentAware,
    objectValue: (mc) => {
      const v = e.evaluate(mc);
      return xml && Array.isArray(v) ? { xml: v as Node[] } : { json: v ?? null };
    },
    stringValue: (mc) => {
      if (kind === 'json-eval' || kind === 'xpath') return e.stringValue(mc);
      const v = e.evaluate(mc);
      if (kind === 'xpath-xml' && Array.isArray(v)) return nodesXml(v as Node[]);
      return v === undefined ? '' : jsonString(v);
    },
  };
}
