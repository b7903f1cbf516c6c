/**
 * <payloadFactory media-type="xml|json|text">: replaces the payload with a format whose $1..$n are filled from
 * <args>. The format is split into literal parts and argument slots once, at deploy time.
 */
import type { MessageContext } from '../context/message-context.js';
import { escapeXml } from '../context/soap.js';
import { mediaType as mediaTypeOf } from '../context/payload.js';
import { jsonToXml, xmlToJsonText } from '../context/json-xml.js';
import { isJsonNumber, parseJson, stringifyJson } from '../json/json-number.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { jsonString } from '../expr/json-path.js';
import { synapseString } from '../expr/xpath-expression.js';
import { JavaFloating } from '../context/java-number.js';
import { childElements, parseXml, serializeXml, SYNAPSE_NS, textOf } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

type MediaType = 'xml' | 'json' | 'text';

interface Arg {
  value: string | undefined;
  expression: Expression | undefined;
  literal: boolean;
}

/** Alternating literal text and argument indexes (0-based). */
type Compiled = (string | number)[];

function compileFormat(format: string): Compiled {
  const out: Compiled = [];
  const re = /\$(\d+)/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out.push(format.slice(last, m.index), Number(m[1]) - 1);
    last = m.index + m[0].length;
  }
  out.push(format.slice(last));
  return out;
}

function jsonEscape(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function isNode(v: unknown): v is Node {
  return !!v && typeof v === 'object' && 'nodeType' in v;
}

function isNodeList(v: unknown): v is Node[] {
  return Array.isArray(v) && v.length > 0 && v.every(isNode);
}

/** String value of an argument: XPath node-sets and OM properties as Synapse prints them, JSON as JSON text. */
function argString(v: unknown): string {
  if (isNode(v)) return synapseString([v]);
  if (isNodeList(v) || (Array.isArray(v) && v.length === 0)) return synapseString(v);
  // DOUBLE, FLOAT and LONG properties print as Java prints them
  if (v instanceof JavaFloating || typeof v === 'bigint' || isJsonNumber(v)) return String(v);
  if (v !== null && typeof v === 'object') return stringifyJson(v);
  return jsonString(v);
}

/** Well-formed XML with one root element (Synapse's isXML: parses, ends with '>', at least 4 characters). */
function isXmlText(s: string): boolean {
  const t = s.trim();
  if (t.length < 4 || t[0] !== '<' || !t.endsWith('>')) return false;
  try {
    parseXml(t);
    return true;
  } catch {
    return false;
  }
}

/** JSON text as XML children (the <jsonObject>/<jsonArray> wrapper removed), as Synapse inserts a JSON argument into XML. */
function jsonTextToXml(t: string): string {
  let value: unknown;
  try {
    value = parseJson(t);
  } catch {
    return escapeXml(t);
  }
  const x = jsonToXml(value);
  const m = /^<(jsonObject|jsonArray)>([\s\S]*)<\/\1>$/.exec(x);
  return m ? m[2]! : x;
}

class PayloadFactoryMediator implements Mediator {
  readonly tag = 'payloadFactory';
  readonly contentAware: boolean;
  constructor(
    private readonly mediaType: MediaType,
    private readonly format: Compiled | undefined,
    private readonly formatKey: string | undefined,
    private readonly args: readonly Arg[],
  ) {
    this.contentAware = args.some((a) => a.expression?.contentAware);
  }

  /**
   * An argument as Micro Integrator inserts it: the expression's string value (text of the selected
   * nodes, or the serialized element when it has no text of its own); text that is well-formed XML goes
   * into an XML format as XML and into a JSON format as its JSON mapping; JSON text goes into a JSON
   * format as JSON; anything else is escaped for the format.
   */
  private argText(a: Arg, mc: MessageContext): string {
    if (a.value !== undefined) {
      if (this.mediaType === 'xml') return isXmlText(a.value) ? a.value : escapeXml(a.value);
      return this.mediaType === 'json' ? jsonEscape(a.value) : a.value;
    }
    const v = a.expression!.evaluate(mc);
    const fromJsonPath = /^\s*json-eval\(/.test(a.expression!.source);
    const s = argString(v);
    const t = s.trim();
    const looksJson = t.startsWith('{') || t.startsWith('[');
    if (this.mediaType === 'xml') {
      if (fromJsonPath && looksJson && !a.literal) return jsonTextToXml(t);
      return isXmlText(s) ? s : escapeXml(s);
    }
    if (this.mediaType === 'json') {
      if (!fromJsonPath && !a.literal && isXmlText(s)) return xmlToJsonText(parseXml(`<jsonObject>${t}</jsonObject>`).documentElement);
      return looksJson ? s : jsonEscape(s);
    }
    return s;
  }

  mediate(mc: MessageContext): boolean {
    let format = this.format;
    if (!format) {
      const entry = mc.runtime.localEntry(this.formatKey!);
      if (!entry) throw new MiError(Errors.MEDIATION_ERROR, `payloadFactory format local entry '${this.formatKey}' is not deployed`);
      format = compileFormat(entry.element ? stripSynapseNs(serializeXml(entry.element)) : entry.text);
    }
    let out = '';
    for (const part of format) {
      if (typeof part === 'string') out += part;
      else {
        const a = this.args[part];
        out += a ? this.argText(a, mc) : `$${part + 1}`;
      }
    }
    if (this.mediaType === 'json') {
      let value: unknown;
      try {
        value = parseJson(out);
      } catch (err) {
        throw new MiError(Errors.MEDIATION_ERROR, `payloadFactory produced invalid JSON: ${(err as Error).message}`);
      }
      mc.payload.setJson(value);
      mc.setProperty('messageType', 'application/json', 'axis2');
    } else if (this.mediaType === 'text') {
      mc.payload.setText(out);
      mc.setProperty('messageType', 'text/plain', 'axis2');
    } else {
      const trimmed = out.trim();
      if (/^<([\w.\-]+:)?Envelope[\s>]/.test(trimmed) && /schemas\.xmlsoap\.org\/soap\/envelope|www\.w3\.org\/2003\/05\/soap-envelope/.test(trimmed.slice(0, 300))) {
        mc.payload.setRaw(Buffer.from(trimmed), mc.payload.soapVersion === '1.2' ? 'application/soap+xml' : 'text/xml');
        mc.payload.markXmlChanged();
      } else {
        mc.payload.setBodyXml(trimmed);
      }
      // Synapse keeps an XML or SOAP messageType and sets application/xml for anything else (JSON, text, none)
      const mt = mc.axis2.get('messageType');
      const current = mediaTypeOf(typeof mt === 'string' ? mt : mc.payload.contentType);
      if (current !== 'application/xml' && current !== 'text/xml' && current !== 'application/soap+xml') {
        mc.setProperty('messageType', 'application/xml', 'axis2');
      }
    }
    return true;
  }
}

/** Inline formats sit in the Synapse namespace by inheritance; the payload must not carry it. */
function stripSynapseNs(xml: string): string {
  return xml.split(` xmlns="${SYNAPSE_NS}"`).join('');
}

export const payloadFactory: MediatorDef = {
  tag: 'payloadFactory',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['media-type', 'template-type', 'description']);
    const mediaType = (a.get('media-type') ?? 'xml') as MediaType;
    if (!['xml', 'json', 'text'].includes(mediaType)) ctx.fail(el, Errors.BAD_VALUE, `media-type must be xml, json or text, not '${mediaType}'`);
    const tt = a.get('template-type');
    if (tt !== undefined && tt !== 'default') ctx.fail(el, Errors.UNSUPPORTED, `template-type '${tt}' is not supported; use the default $n template`);
    let format: Compiled | undefined;
    let formatKey: string | undefined;
    const args: Arg[] = [];
    let sawFormat = false;
    for (const c of childElements(el)) {
      if (c.localName === 'format') {
        sawFormat = true;
        const fa = ctx.attrs(c, ['key']);
        formatKey = fa.get('key');
        if (formatKey !== undefined) {
          ctx.ref(c, 'localEntry', formatKey);
          continue;
        }
        const inner = childElements(c)[0];
        const text = mediaType === 'xml' && inner ? stripSynapseNs(serializeXml(inner)) : textOf(c).trim();
        if (text === '') ctx.fail(c, Errors.BAD_VALUE, 'the payloadFactory format is empty');
        format = compileFormat(text);
      } else if (c.localName === 'args') {
        for (const g of childElements(c)) {
          if (g.localName !== 'arg') ctx.fail(g, Errors.UNKNOWN_ELEMENT, `<${g.localName}> is not allowed in <args>; use <arg>`);
          const ga = ctx.attrs(g, ['value', 'expression', 'evaluator', 'literal', 'description']);
          const value = ga.get('value');
          const expr = ga.get('expression');
          if (value === undefined && expr === undefined) ctx.fail(g, Errors.MISSING_ATTRIBUTE, '<arg> needs a value or an expression');
          const ev = ga.get('evaluator');
          if (ev !== undefined && ev !== 'xml' && ev !== 'json') ctx.fail(g, Errors.BAD_VALUE, `evaluator must be xml or json, not '${ev}'`);
          let expression: Expression | undefined;
          if (value === undefined) {
            // evaluator="json" means a JSONPath written without json-eval()
            const src = ev === 'json' && !/^\s*json-eval\(/.test(expr!) ? `json-eval(${expr})` : expr!;
            expression = ctx.expression(g, src);
          }
          args.push({ value, expression, literal: ga.bool('literal', false) });
        }
      } else {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <payloadFactory>; use <format> and <args>`);
      }
    }
    if (!sawFormat) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'payloadFactory needs a <format>');
    return new PayloadFactoryMediator(mediaType, format, formatKey, args);
  },
};
