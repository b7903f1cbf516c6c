/**
 * The XML side of splitting (Synapse's EIPUtils): the nodes an expression selects, evaluated over a copy of
 * the envelope and detached from it, and the envelope of each part built from that copy.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Payload } from '../context/payload.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { firstChildElement } from '../xml/dom.js';
import { copyDocument, copyNode } from '../xml/copy.js';

/** Evaluates `expr` with `payload` standing in for the message's (properties and the rest stay the message's). */
export function evaluateOn(mc: MessageContext, payload: Payload, expr: Expression): unknown {
  const own = mc.payload;
  mc.payload = payload;
  try {
    return expr.evaluate(mc);
  } finally {
    mc.payload = own;
  }
}

/** The nodes `expr` selects in `payload`'s envelope, detached from it (elements, text; Synapse's OMNode). */
export function detachMatches(mc: MessageContext, payload: Payload, expr: Expression): Node[] {
  const r = evaluateOn(mc, payload, expr);
  const nodes = Array.isArray(r) ? (r as Node[]) : [];
  for (const n of nodes) {
    if (n.nodeType !== 1 && n.nodeType !== 3 && n.nodeType !== 4) {
      throw new MiError(Errors.MEDIATION_ERROR, `Error splitting message with XPath : ${expr.source} - result not an OMNode`);
    }
  }
  for (const n of nodes) n.parentNode?.removeChild(n);
  return nodes;
}

/** The soap:Body of an envelope document. */
export function bodyOf(doc: Document): Element {
  for (let n = doc.documentElement.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).localName === 'Body') return n as Element;
  }
  throw new MiError(Errors.PAYLOAD_PARSE, 'the SOAP envelope has no Body');
}

export function clearChildren(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/** A part's envelope without the payload kept: the template's envelope with `node` as the body's payload. */
export function envelopeWith(template: Document, node: Node): Document {
  const doc = copyDocument(template);
  const body = bodyOf(doc);
  const first = firstChildElement(body);
  if (first) body.removeChild(first);
  body.appendChild(copyNode(doc, node));
  return doc;
}
