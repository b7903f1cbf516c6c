/**
 * Builds the aggregated message from the collected ones (Synapse's AggregateMediator.getAggregatedMessage and
 * EIPUtils.enrichEnvelope): XML: the first message's envelope, enriched with the elements the onComplete
 * expression selects in each further message (the first message's own matches are lifted into the body);
 * JSON (json-eval): a JSON array of what the expression selects in each message. An enclosing element, read
 * from the property enclosingElementProperty names, wraps the result.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Payload } from '../context/payload.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { bodyOf, evaluateOn } from './split-xml.js';
import { jsonMatches, type JsonSplitPath } from './split-json.js';
import { copyDocument, copyNode } from '../xml/copy.js';

export interface MergeSpec {
  readonly expression: Expression;
  /** Set when the expression is json-eval(): a JSON aggregation. */
  readonly json: JsonSplitPath | undefined;
  readonly enclosingProperty: string | undefined;
  /** `child`: JSON objects merged into one object (XML: the children of the selected elements). */
  readonly elementType: 'root' | 'child';
}

export function mergeMessages(spec: MergeSpec, messages: readonly MessageContext[], target: MessageContext): Payload {
  return spec.json ? mergeJson(spec, spec.json, messages, target) : mergeXml(spec, messages, target);
}

function enclosingElement(spec: MergeSpec, target: MessageContext): Element | undefined {
  const name = spec.enclosingProperty;
  if (name === undefined) return undefined;
  const v = target.props.get(name);
  if (v === undefined || v === null) throw new MiError(Errors.AGGREGATE_FAILED, `Enclosing Element property: ${name} not found `);
  if (typeof v !== 'object' || (v as Node).nodeType !== 1) {
    throw new MiError(Errors.AGGREGATE_FAILED, `Enclosing Element defined in the property: ${name} is not an OMElement `);
  }
  return v as Element;
}

function mergeXml(spec: MergeSpec, messages: readonly MessageContext[], target: MessageContext): Payload {
  const first = messages[0]!;
  const doc = copyDocument(first.payload.envelope());
  const holder = first.payload.copy({ envelope: doc });
  for (let i = 1; i < messages.length; i++) enrich(spec.expression, holder, doc, messages[i]!);
  const enclose = enclosingElement(spec, target);
  if (enclose) {
    const body = bodyOf(doc);
    const wrapper = copyNode(doc, enclose) as Element;
    // written as <x xmlns=""/> in a Synapse-namespaced artifact: the body has no default namespace to undo
    if (!wrapper.namespaceURI && wrapper.getAttribute('xmlns') === '') wrapper.removeAttribute('xmlns');
    for (let n = body.firstChild; n; ) {
      const next = n.nextSibling;
      if (n.nodeType === 1) wrapper.appendChild(n);
      n = next;
    }
    body.appendChild(wrapper);
  }
  return first.payload.copy({ envelope: doc });
}

function elementsOf(r: unknown): Node[] {
  return Array.isArray(r) ? (r as Node[]) : r && typeof r === 'object' && (r as Node).nodeType ? [r as Node] : [];
}

/** EIPUtils.enrichEnvelope: adds what `expr` selects in `m` to the body of `doc`. */
function enrich(expr: Expression, holder: Payload, doc: Document, m: MessageContext): void {
  const own = elementsOf(evaluateOn(m, holder, expr));
  const found = elementsOf(expr.evaluate(m));
  if (found.length === 0) throw new MiError(Errors.AGGREGATE_FAILED, `Error evaluating expression: ${expr.source}: Could not find matching elements to aggregate.`);
  const body = bodyOf(doc);
  const o = own[0];
  if (o && o.nodeType === 1 && o.parentNode && o.parentNode.nodeType === 1 && o.parentNode !== body) {
    // the first message's matches move up into the body, and the element that held them goes
    let holderEl = o.parentNode as Element;
    for (const e of own) if (e.nodeType === 1) body.appendChild(e);
    while (holderEl.parentNode && holderEl.parentNode !== body) holderEl = holderEl.parentNode as Element;
    if (holderEl.parentNode === body) body.removeChild(holderEl);
  }
  for (const e of found) {
    if (e.nodeType === 1 && (e as Element).localName === 'Envelope' && e.parentNode?.nodeType === 9) {
      throw new MiError(Errors.AGGREGATE_FAILED, 'Could not add SOAPEnvelope as child element.');
    }
    if (e.nodeType === 1) body.appendChild(copyNode(doc, e));
  }
}

/** EIPUtils.getJSONElement: several matches make an array, one is itself, none is null. */
function jsonElement(m: MessageContext, path: JsonSplitPath): unknown {
  const matches = jsonMatches(m.payload.json(), path);
  // a definite path selecting an array yields its elements, as Jayway's read does
  const list = path.definite && matches.length === 1 && Array.isArray(matches[0]!.value) ? (matches[0]!.value as unknown[]) : matches.map((x) => x.value);
  if (list.length === 0) return null;
  return list.length > 1 ? list : list[0];
}

function mergeJson(spec: MergeSpec, path: JsonSplitPath, messages: readonly MessageContext[], target: MessageContext): Payload {
  let result: unknown;
  if (spec.elementType === 'child') {
    const merged: Record<string, unknown> = {};
    for (const m of messages) {
      const v = jsonElement(m, path);
      if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(merged, v);
    }
    result = merged;
  } else {
    result = messages.map((m) => jsonElement(m, path));
  }
  const enclose = enclosingElement(spec, target);
  if (enclose) result = { [enclose.localName]: result };
  return messages[0]!.payload.copy({ json: result });
}
