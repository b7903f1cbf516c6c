/**
 * The envelope around a payload as Axis2 builds it: parsing a message (its errors as client errors), wrapping
 * a POX or text body in a SOAP envelope, and sniffing whether text/xml bytes hold an envelope at all.
 */
import { Errors, MiError } from '../errors.js';
import { parseXml, XmlParseError, firstChildElement } from '../xml/dom.js';
import { soapNs, type SoapVersion } from './soap.js';

export const TEXT_NS = 'http://ws.apache.org/commons/ns/payload';

/** A message parse: malformed XML is the client's 400, a DOCTYPE its own code. */
export function parseMessageXml(xml: string): Document {
  try {
    return parseXml(xml);
  } catch (err) {
    if (err instanceof XmlParseError) {
      throw new MiError(err.doctype ? Errors.REQUEST_DOCTYPE : Errors.PAYLOAD_PARSE, `message is not well-formed XML: ${err.problem.message}`);
    }
    throw err;
  }
}

/** Axis2's envelope for a text payload: <text xmlns="...payload">, the text as one node. */
export function textEnvelope(v: SoapVersion, text: string): Document {
  const doc = parseXml(wrap(v, `<text xmlns="${TEXT_NS}"/>`));
  const body = firstChildElement(doc.documentElement)!;
  firstChildElement(body)!.appendChild(doc.createTextNode(text));
  return doc;
}

export function wrap(v: SoapVersion, inner: string): string {
  return `<soapenv:Envelope xmlns:soapenv="${soapNs(v)}"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;
}

export function stripDeclaration(s: string): string {
  let t = s.trimStart();
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  if (t.startsWith('<?xml')) {
    const e = t.indexOf('?>');
    if (e >= 0) t = t.slice(e + 2);
  }
  return t;
}

export function parseXmlOrFault(xml: string): Document {
  try {
    return parseXml(xml);
  } catch (err) {
    if (err instanceof XmlParseError) throw new MiError(Errors.MEDIATION_ERROR, `generated XML is not well-formed: ${err.problem.message}`);
    throw err;
  }
}

export function childNamed(el: Element, local: string): Element | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === local) return n as Element;
  }
  return undefined;
}

/** Looks at the first element name in the bytes: is it a SOAP Envelope? */
export function looksLikeEnvelope(raw: Buffer, charset: string | undefined): boolean {
  const bytes = raw.subarray(0, Math.min(raw.length, 512));
  let head = bytes.toString('latin1');
  if (charset?.startsWith('utf-16')) {
    try {
      head = new TextDecoder(charset).decode(bytes);
    } catch {
      // an unknown label: the parse reports it
    }
  }
  let i = 0;
  for (;;) {
    i = head.indexOf('<', i);
    if (i < 0) return false;
    const c = head.charCodeAt(i + 1);
    if (c === 63 || c === 33) {
      i++;
      continue;
    }
    const m = /^<([A-Za-z_][\w.\-]*:)?Envelope[\s>/]/.exec(head.slice(i, i + 80));
    return m !== null;
  }
}
