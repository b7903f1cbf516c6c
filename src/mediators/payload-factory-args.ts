/**
 * The text a payloadFactory argument puts in place of its `$n`, by the rules of Synapse's TemplateProcessor
 * (getArgValues, inferReplacementType, prepareReplacementValue):
 * - a `value` is XML-escaped unless it is XML, whatever the media type;
 * - an expression's string value is XML-escaped only for an XML format, and not when it is JSON text from
 *   a JSONPath;
 * - an XML value from an XPath goes into a JSON format as its JSON mapping; JSON text from a JSONPath goes
 *   into an XML format as XML; anything else goes in as it is, except that a JSON format gets a string
 *   escaped for a JSON string (without quotes: the format writes them) when the argument is `literal` or
 *   does not start with `{` or `[`;
 * - the default-scope property QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON="true" quotes such strings unless they
 *   are a JSON number, true, false or null.
 */
import type { MessageContext } from '../context/message-context.js';
import { JavaFloating } from '../context/java-number.js';
import { jsonToXml, xmlToJsonText } from '../context/json-xml.js';
import { isJsonNumber, parseJson, stringifyJson } from '../json/json-number.js';
import type { Expression } from '../expr/expression.js';
import { jsonString } from '../expr/json-path.js';
import { synapseString } from '../expr/xpath-expression.js';
import { parseXml } from '../xml/dom.js';
import { isTrue } from '../context/truthy.js';

export type MediaType = 'xml' | 'json' | 'text';

export interface Arg {
  value: string | undefined;
  expression: Expression | undefined;
  /** The expression is a JSONPath (json-eval, or evaluator="json"). */
  jsonPath: boolean;
  literal: boolean;
}

const QUOTE_PROPERTY = 'QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON';
const JSON_NUMBER = /^-?(0|([1-9]\d*))(\.\d+)?([eE][+-]?\d+)?$/;

/** commons-text escapeXml10: the five entities, and characters XML 1.0 cannot hold dropped. */
export function escapeXml10(s: string): string {
  // eslint-disable-next-line no-control-regex
  const kept = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/.test(s) ? s.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g, '') : s;
  return /[<>&"']/.test(kept)
    ? kept.replace(/[<>&"']/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;'))
    : kept;
}

/** Synapse's escapeSpecialChars: backslash, quote, and \b \f \n \r \t, as inside a JSON string. */
export function escapeJsonChars(s: string): string {
  return /["\\\b\f\n\r\t]/.test(s)
    ? s.replace(/["\\\b\f\n\r\t]/g, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : c === '\b' ? '\\b' : c === '\f' ? '\\f' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'))
    : s;
}

function isNode(v: unknown): v is Node {
  return !!v && typeof v === 'object' && 'nodeType' in v;
}

/** Synapse's stringValueOf: node-sets and OM properties as Synapse prints them, JSON values as JSON text. */
function argString(v: unknown): string {
  if (isNode(v)) return synapseString([v]);
  if (Array.isArray(v) && v.every(isNode)) return synapseString(v);
  // DOUBLE, FLOAT and LONG properties print as Java prints them
  if (v instanceof JavaFloating || typeof v === 'bigint' || isJsonNumber(v)) return String(v);
  if (v !== null && typeof v === 'object') return stringifyJson(v);
  return jsonString(v);
}

/** Synapse's isXML: ends with '>', at least 4 characters, and parses as one element. */
function isXml(s: string): boolean {
  const t = s.trim();
  if (t.length < 4 || !t.endsWith('>') || t[0] !== '<') return false;
  try {
    parseXml(t);
    return true;
  } catch {
    return false;
  }
}

function startsJson(t: string): boolean {
  return t.startsWith('{') || t.startsWith('[');
}

/** JSON text as XML: the children of <jsonObject>/<jsonArray>, as Synapse inserts a JSON argument into XML. */
function jsonTextToXml(t: string): string {
  let value: unknown;
  try {
    value = parseJson(t);
  } catch {
    return escapeXml10(t);
  }
  const x = jsonToXml(value);
  const m = /^<(jsonObject|jsonArray)>([\s\S]*)<\/\1>$/.exec(x);
  return m ? m[2]! : x;
}

/** XML text as JSON, wrapped in <jsonObject> so that the root element's name is the first key. */
function xmlTextToJson(t: string): string {
  return xmlToJsonText(parseXml(`<jsonObject>${t}</jsonObject>`).documentElement);
}

type Inferred = 'xml' | 'json' | 'str';

/** escapeXmlChars="true": control characters of JSON text from a JSONPath written as JSON escapes. */
function escapeControlChars(s: string): string {
  return /[\b\f\n\r\t]/.test(s) ? s.replace(/[\b\f\n\r\t]/g, (c) => (c === '\b' ? '\\b' : c === '\f' ? '\\f' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : s;
}

export function argText(a: Arg, mediaType: MediaType, mc: MessageContext, escapeXmlChars = false): string {
  let value: string;
  let xml: boolean;
  if (a.value !== undefined) {
    xml = isXml(a.value);
    value = xml ? a.value : escapeXml10(a.value);
  } else {
    value = argString(a.expression!.evaluate(mc));
    xml = isXml(value);
    if (!xml && mediaType === 'xml' && !(a.jsonPath && startsJson(value.trim()))) value = escapeXml10(value);
  }
  const trimmed = value.trim();
  const type: Inferred = a.literal ? 'str' : a.jsonPath ? (startsJson(trimmed) ? 'json' : 'str') : xml ? 'xml' : 'str';
  if (mediaType === 'json' && type === 'xml') return xmlTextToJson(trimmed);
  if (mediaType === 'xml' && type === 'json') return jsonTextToXml(trimmed);
  if (mediaType === 'json' && type === 'json' && escapeXmlChars) return escapeControlChars(value);
  if (mediaType === 'json' && (a.literal || (type === 'str' && !startsJson(trimmed)))) {
    const s = escapeJsonChars(value);
    const quote = isTrue(mc.props.get(QUOTE_PROPERTY));
    if (quote && trimmed !== 'true' && trimmed !== 'false' && trimmed !== 'null' && !JSON_NUMBER.test(trimmed)) return `"${s}"`;
    return s;
  }
  return value;
}
