/**
 * <payloadFactory media-type="xml|json|text">: replaces the payload with a format whose $1..$n are filled from
 * <args>, as Synapse's PayloadFactoryMediator and RegexTemplateProcessor do. The format is compiled once, at
 * deploy time (a keyed format once per local entry): whitespace-only text is dropped (removeIndentations)
 * and an XML format is written as Axiom writes the element, so namespaces in scope where the format was
 * written (the Synapse namespace included) are declared on the element that uses them. The output is trimmed;
 * JSON output is the payload exactly as produced, never re-validated or re-rendered.
 */
import type { MessageContext } from '../context/message-context.js';
import type { LocalEntryView } from '../context/message-runtime.js';
import { mediaType as mediaTypeOf } from '../context/payload.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import { isIndentation, serializeOmElement } from '../xml/om-serialize.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { argText, type Arg, type MediaType } from './payload-factory-args.js';

/** A format split into literal parts and argument slots (0-based), and whether its root is a SOAP envelope. */
interface Compiled {
  parts: (string | number)[];
  envelope: 'text/xml' | 'application/soap+xml' | undefined;
}

function compileFormat(format: string, envelope?: Compiled['envelope']): Compiled {
  const parts: (string | number)[] = [];
  const re = /\$(\d+)/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    parts.push(format.slice(last, m.index), Number(m[1]) - 1);
    last = m.index + m[0].length;
  }
  parts.push(format.slice(last));
  return { parts, envelope };
}

/** Content type of a SOAP envelope root, undefined for any other element. */
function envelopeOf(el: Element): Compiled['envelope'] {
  if (el.localName !== 'Envelope') return undefined;
  return el.namespaceURI === SOAP11_NS ? 'text/xml' : el.namespaceURI === SOAP12_NS ? 'application/soap+xml' : undefined;
}

/** PayloadFactoryMediatorFactory: an XML format is its first element; JSON and text, the text of <format>. */
function compileInline(format: Element, mediaType: MediaType): Compiled | undefined {
  if (mediaType === 'xml') {
    const root = childElements(format)[0];
    return root ? compileFormat(serializeOmElement(root, { dropIndentation: true }), envelopeOf(root)) : undefined;
  }
  let text = '';
  for (let n = format.firstChild; n; n = n.nextSibling) {
    if ((n.nodeType === 3 && !isIndentation(n.nodeValue ?? '')) || n.nodeType === 4) text += n.nodeValue ?? '';
  }
  return text.trim() === '' ? undefined : compileFormat(text);
}

/** Java's String.trim(). */
function javaTrim(s: string): string {
  return s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
}

/**
 * Synapse parses the output inside `<pfPadding>` and adds only its first element to the body: a result with
 * several root elements (a text format from a local entry, an argument holding more than one element)
 * keeps the first, and text around it is dropped.
 */
function firstElementOnly(body: Element): void {
  if (body.firstChild === body.lastChild) return;
  let kept = false;
  for (let n = body.firstChild; n; ) {
    const next = n.nextSibling;
    if (n.nodeType === 1 && !kept) kept = true;
    else body.removeChild(n);
    n = next;
  }
}

/** Keyed formats, compiled once per deployed local entry (a redeployed entry is a new object). */
const keyedFormats = new WeakMap<LocalEntryView, Compiled>();

class PayloadFactoryMediator implements Mediator {
  readonly tag = 'payloadFactory';
  readonly contentAware: boolean;
  constructor(
    private readonly mediaType: MediaType,
    private readonly format: Compiled | undefined,
    private readonly formatKey: string | undefined,
    private readonly args: readonly Arg[],
    private readonly escapeXmlChars: boolean,
  ) {
    this.contentAware = args.some((a) => a.expression?.contentAware);
  }

  private keyedFormat(mc: MessageContext): Compiled {
    const entry = mc.runtime.localEntry(this.formatKey!);
    if (!entry) throw new MiError(Errors.MEDIATION_ERROR, `Key ${this.formatKey} not found`);
    let c = keyedFormats.get(entry);
    if (!c) {
      c = entry.element ? compileFormat(serializeOmElement(entry.element, { dropIndentation: true }), envelopeOf(entry.element)) : compileFormat(entry.text);
      keyedFormats.set(entry, c);
    }
    return c;
  }

  mediate(mc: MessageContext): boolean {
    const format = this.format ?? this.keyedFormat(mc);
    let out = '';
    for (const part of format.parts) {
      if (typeof part === 'string') out += part;
      else {
        const a = this.args[part];
        // Synapse logs a mismatch between formatters and arguments and stops replacing
        out += a ? argText(a, this.mediaType, mc, this.escapeXmlChars) : `$${part + 1}`;
      }
    }
    out = javaTrim(out);
    if (this.mediaType === 'json') {
      // JsonUtil.getNewJsonPayload keeps the text as the JSON stream when it holds a '{' or '[' at all
      if (!/[{[]/.test(out)) throw new MiError(Errors.MEDIATION_ERROR, `Error creating JSON Payload from source ${out}`);
      mc.payload.setRaw(Buffer.from(out, 'utf8'), 'application/json; charset=UTF-8');
      mc.setProperty('messageType', 'application/json', 'axis2');
    } else if (this.mediaType === 'text') {
      mc.payload.setText(out);
      mc.setProperty('messageType', 'text/plain', 'axis2');
    } else {
      // Synapse keeps an XML or SOAP messageType and sets application/xml for anything else (JSON, text, none);
      // without a messageType the message's is the content type it came with
      const mt = mc.axis2.get('messageType');
      const current = mediaTypeOf(typeof mt === 'string' ? mt : mc.payload.contentType);
      if (format.envelope) {
        // the format is the whole envelope, not the body's payload (checkAndReplaceEnvelope)
        mc.payload.setRaw(Buffer.from(out, 'utf8'), format.envelope);
        mc.payload.markXmlChanged();
      } else {
        mc.payload.setBodyXml(out);
        firstElementOnly(mc.payload.body());
      }
      if (current !== 'application/xml' && current !== 'text/xml' && current !== 'application/soap+xml') {
        mc.setProperty('messageType', 'application/xml', 'axis2');
      }
    }
    mc.axis2.delete('NO_ENTITY_BODY');
    return true;
  }
}

export const payloadFactory: MediatorDef = {
  tag: 'payloadFactory',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['media-type', 'template-type', 'escapeXmlChars', 'description']);
    const mediaType = (a.get('media-type') ?? 'xml') as MediaType;
    if (!['xml', 'json', 'text'].includes(mediaType)) ctx.fail(el, Errors.BAD_VALUE, `media-type must be xml, json or text, not '${mediaType}'`);
    const tt = a.get('template-type');
    if (tt !== undefined && tt.toLowerCase() !== 'default') {
      ctx.fail(el, Errors.UNSUPPORTED, `template-type '${tt}' is not supported (FreeMarker templates are not); use the default $n template`);
    }
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
        format = compileInline(c, mediaType);
        if (!format) ctx.fail(c, Errors.BAD_VALUE, mediaType === 'xml' ? 'the payloadFactory format has no element' : 'the payloadFactory format is empty');
      } else if (c.localName === 'args') {
        for (const g of childElements(c)) {
          if (g.localName !== 'arg') ctx.fail(g, Errors.UNKNOWN_ELEMENT, `<${g.localName}> is not allowed in <args>; use <arg>`);
          // deepCheck is read by Synapse's factory of old and ignored since; accepted for the same artifacts
          const ga = ctx.attrs(g, ['value', 'expression', 'evaluator', 'literal', 'deepCheck', 'description']);
          const value = ga.get('value');
          const expr = ga.get('expression');
          if (value === undefined && expr === undefined) ctx.fail(g, Errors.MISSING_ATTRIBUTE, '<arg> needs a value or an expression');
          const ev = ga.get('evaluator');
          if (ev !== undefined && ev !== 'xml' && ev !== 'json') ctx.fail(g, Errors.BAD_VALUE, `evaluator must be xml or json, not '${ev}'`);
          let expression: Expression | undefined;
          let jsonPath = false;
          if (value === undefined) {
            // evaluator="json" means a JSONPath written without json-eval()
            jsonPath = ev === 'json' || /^\s*json-eval\(/.test(expr!);
            const src = ev === 'json' && !/^\s*json-eval\(/.test(expr!) ? `json-eval(${expr})` : expr!;
            expression = ctx.expression(g, src);
          }
          args.push({ value, expression, jsonPath, literal: ga.bool('literal', false) });
        }
      } else {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <payloadFactory>; use <format> and <args>`);
      }
    }
    if (!sawFormat) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'payloadFactory needs a <format>');
    return new PayloadFactoryMediator(mediaType, format, formatKey, args, a.get('escapeXmlChars')?.toLowerCase() === 'true');
  },
};
