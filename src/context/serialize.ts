/**
 * Turns the current message into bytes for the wire, to a backend or back to the client. Untouched bodies
 * leave as they came (buffer or stream); otherwise the axis2 `messageType` (or the original content type)
 * picks the format: SOAP 1.1/1.2 envelope, POX, JSON or text.
 */
import type { Readable } from 'node:stream';
import type { MessageContext } from './message-context.js';
import { mediaType, TEXT_NS } from './payload.js';
import { jsonToXml } from './json-xml.js';
import { stringifyJson } from '../json/json-number.js';
import { serializeXml, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import { serializeOmElement } from '../xml/om-serialize.js';
import { soapNs } from './soap.js';
import { isTrue } from './truthy.js';
import { declareXmlEncoding, encodeText, outputCharset, withCharsetParam, type BodySyntax } from './charset.js';

export interface WireBody {
  contentType: string | undefined;
  body: Buffer | Readable | undefined;
  /** Length of a streamed body when known (forwarded as Content-Length instead of chunking). */
  length?: number;
}


/** Content type the message should leave with. */
export function outgoingContentType(mc: MessageContext): string | undefined {
  const mt = mc.axis2.get('messageType');
  if (typeof mt === 'string' && mt !== '') return mt;
  if (mc.payload.isUntouched) return mc.payload.contentType;
  if (mc.payload.isJson) return 'application/json';
  const k = mc.payload.kind;
  return k === 'soap12' ? 'application/soap+xml' : k === 'xml' ? 'application/xml' : mc.payload.contentType ?? 'text/xml';
}

/**
 * True when the body must be read before serializeMessage(): it is still unread and the message is to
 * leave in another format than it came (a messageType set by a mediator, a handler or a class mediator).
 */
export function formatChangeNeedsBody(mc: MessageContext): boolean {
  const p = mc.payload;
  if (p.isReady || isTrue(mc.axis2.get('NO_ENTITY_BODY'))) return false;
  const explicit = mc.axis2.get('messageType');
  return typeof explicit === 'string' && explicit !== '' && mediaType(explicit) !== mediaType(p.contentType);
}

/**
 * True when the client's request was not SOAP (JSON, POX, text, form, GET): Axis2's doingREST. A reply to
 * such a client in `text/xml` is written by the POX formatter (MessageProcessorSelector picks the
 * application/xml formatter for text/xml when doingREST), so it carries the body's payload, not an envelope.
 */
export function clientIsRest(mc: MessageContext): boolean {
  const k = mc.requestKind;
  return k !== undefined && k !== 'soap11' && k !== 'soap12';
}

/** `rest`: the message goes back to a REST client (see clientIsRest). */
export function serializeMessage(mc: MessageContext, rest = false): WireBody {
  if (isTrue(mc.axis2.get('NO_ENTITY_BODY'))) return { contentType: undefined, body: undefined };
  const p = mc.payload;
  const explicit = mc.axis2.get('messageType');
  const ct = outgoingContentType(mc);
  if (p.isUntouched && (explicit === undefined || mediaType(explicit as string) === mediaType(p.contentType))) {
    if (!p.isReady) return { contentType: p.contentType, length: p.streamLength, body: p.takeStream() };
    const raw = p.rawBytes!;
    return { contentType: raw.length ? p.contentType : undefined, body: raw.length ? raw : undefined };
  }
  const mt = mediaType(ct);
  if (p.kind === 'empty' && p.isUntouched) return { contentType: undefined, body: undefined };
  let text: string;
  let syntax: BodySyntax = 'xml';
  if (mt === 'application/json' || mt.endsWith('+json') || mt === 'text/json') {
    syntax = 'json';
    if (p.isJson) text = stringifyJson(p.json());
    else text = p.xmlAsJsonText();
  } else if (mt === 'application/soap+xml' || (mt === 'text/xml' && !rest)) {
    text = envelopeText(mc, mt === 'application/soap+xml' ? '1.2' : '1.1');
  } else if (p.isJson && (mt === 'application/xml' || mt === 'text/xml' || mt.endsWith('+xml') || !mt.startsWith('text/'))) {
    // a JSON message written as XML: Micro Integrator writes it without the xml-multiple instructions
    text = jsonToXml(p.json(), false);
  } else if (mt === 'application/xml' || mt === 'text/xml' || mt.endsWith('+xml')) {
    // Axis2's ApplicationXMLFormatter: the body's first element as Axiom writes it, whatever it holds
    const el = p.bodyElement();
    text = el ? serializeOmElement(el) : '';
  } else if (mt === 'text/plain' || (mt.startsWith('text/') && mt !== 'text/html')) {
    text = p.text();
    syntax = 'text';
  } else {
    const el = p.bodyElement();
    if (el && el.localName === 'text' && el.namespaceURI === TEXT_NS) {
      text = el.textContent ?? '';
      syntax = 'text';
    } else text = el ? serializeOmElement(el) : '';
  }
  return encodeBody(text, ct ?? 'application/xml', syntax);
}

/**
 * The bytes in the charset the content type names (when it can be written; otherwise UTF-8), with the
 * content type and an XML declaration naming the charset actually used.
 */
function encodeBody(text: string, ct: string, syntax: BodySyntax): WireBody {
  const want = outputCharset(ct);
  let out = encodeText(syntax === 'xml' ? declareXmlEncoding(text, want) : text, want, syntax);
  // a character that could not be written in the declared charset: the whole body went out as UTF-8
  if (out.charset !== want && syntax === 'xml') out = encodeText(declareXmlEncoding(text, out.charset), out.charset, syntax);
  const labelled = /xml|json|text/.test(ct) || /;\s*charset\s*=/i.test(ct);
  return { contentType: labelled ? withCharsetParam(ct, out.charset) : ct, body: out.bytes };
}

function envelopeText(mc: MessageContext, version: '1.1' | '1.2'): string {
  if (mc.payload.isJson) {
    // as for POX: Micro Integrator writes a JSON message into the envelope without xml-multiple instructions
    return `<soapenv:Envelope xmlns:soapenv="${soapNs(version)}"><soapenv:Body>${jsonToXml(mc.payload.json(), false)}</soapenv:Body></soapenv:Envelope>`;
  }
  const doc = mc.payload.envelope();
  const env = doc.documentElement;
  const want = soapNs(version);
  if (env.namespaceURI === want) return serializeXml(doc);
  // switch SOAP version: same header blocks and body children in the other envelope
  const other = version === '1.1' ? SOAP11_NS : SOAP12_NS;
  let inner = '';
  let header = '';
  for (let n = env.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as Element;
    let content = '';
    for (let c = e.firstChild; c; c = c.nextSibling) content += serializeXml(c);
    if (e.localName === 'Header') header = `<soapenv:Header>${content}</soapenv:Header>`;
    if (e.localName === 'Body') inner = `<soapenv:Body>${content}</soapenv:Body>`;
  }
  return `<soapenv:Envelope xmlns:soapenv="${other === want ? other : want}">${header}${inner}</soapenv:Envelope>`;
}
