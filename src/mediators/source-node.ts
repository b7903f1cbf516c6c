/**
 * Synapse's SourceXPathSupport: the node a mediator works on (xslt, validate) is the one `source` selects,
 * or by default the first child element of the SOAP body; and its result replaces the envelope, the body's
 * children or the node, depending on what the source was.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError, type ErrorSpec } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { firstChildElement } from '../xml/dom.js';
import { copyNode } from '../xml/copy.js';

/** The node to work on; throws `spec` when the source selects no element (Synapse's SynapseException). */
export function sourceNode(mc: MessageContext, source: Expression | undefined, spec: ErrorSpec = Errors.MEDIATION_ERROR): Element {
  if (!source) {
    const el = mc.payload.bodyElement();
    if (!el) throw new MiError(spec, 'The evaluation of the XPath expression s11:Body/child::*[position()=1] | s12:Body/child::*[position()=1] did not result in an OMNode');
    return el;
  }
  const r = source.evaluate(mc);
  const first = Array.isArray(r) ? (r as Node[])[0] : undefined;
  const el = first && first.nodeType === 9 ? (first as Document).documentElement : first;
  if (!el || el.nodeType !== 1) throw new MiError(spec, `The evaluation of the XPath expression ${source.source} did not result in an OMNode : ${Array.isArray(r) ? '[]' : String(r)}`);
  return el as Element;
}

/** Puts `result` where `node` was (XSLTMediator): a new envelope, the body's children, or in place. */
export function replaceSource(mc: MessageContext, node: Element, result: Element): void {
  const doc = mc.payload.envelope();
  const env = doc.documentElement;
  if (node === env) {
    mc.payload.setEnvelope(result.ownerDocument);
    return;
  }
  const imported = result.ownerDocument === doc ? result : copyNode(doc, result);
  const body = firstChildElement(env, 'Body');
  if (node === body) {
    for (let c = body.firstChild; c; ) {
      const next = c.nextSibling;
      if (c.nodeType === 1) body.removeChild(c);
      c = next;
    }
    for (let c = imported.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) body.appendChild(copyNode(c.ownerDocument!, c));
  } else {
    node.parentNode!.replaceChild(imported, node);
  }
  mc.payload.markXmlChanged();
}

/** The texts of `<resource location key>` imports, by location (an entry not deployed reads as empty). */
export function resourceTexts(resources: ReadonlyMap<string, string>, lookup: (key: string) => string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const [loc, key] of resources) out.set(loc, lookup(key) ?? '');
  return out;
}
