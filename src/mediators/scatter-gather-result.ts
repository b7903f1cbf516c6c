/**
 * The aggregated message of a scatter-gather with target="Body" (Synapse's ScatterGather.getAggregatedMessage):
 * a copy of the last message that arrived, with a new body and content type.
 * - JSON: a JSON array of each message's value (the expression's object value: a JSON value as it is, XML as
 *   its text), messageType application/json.
 * - XML: a new default envelope (SOAP 1.1, or 1.2 when the last message is) whose body holds
 *   <result-enclosing-element> with each message's value read as one XML element, messageType application/xml.
 * Messages come in the order they arrived.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import { parseXml, serializeXml, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import type { SynapsePath } from './synapse-path.js';
import { copyNode } from '../xml/copy.js';

export interface ResultSpec {
  readonly json: boolean;
  /** result-enclosing-element (XML). */
  readonly root: string | undefined;
  readonly value: SynapsePath;
}

const JSON_TYPE = 'application/json';
const XML_TYPE = 'application/xml';

/** Turns `into` (the message going on after the mediator) into the aggregated message. */
export function applyAggregation(spec: ResultSpec, messages: readonly MessageContext[], into: MessageContext): void {
  const last = messages[messages.length - 1]!;
  const payload = spec.json ? last.payload.copy({ json: jsonArray(spec, messages) }) : last.payload.copy({ envelope: xmlEnvelope(spec, messages, last) });
  takeState(into, last);
  into.payload = payload;
  const type = spec.json ? JSON_TYPE : XML_TYPE;
  into.axis2.set('messageType', type);
  into.axis2.set('ContentType', type);
  into.axis2.delete('NO_ENTITY_BODY');
  into.headers.set('content-type', type);
}

function jsonArray(spec: ResultSpec, messages: readonly MessageContext[]): unknown[] {
  return messages.map((m) => {
    const v = spec.value.objectValue(m);
    // Gson's JsonArray takes a JSON element as it is, anything else as its text
    return 'xml' in v ? v.xml.map((n) => (n.nodeType === 1 ? serializeXml(n) : n.nodeValue ?? '')).join('') : v.json;
  });
}

function xmlEnvelope(spec: ResultSpec, messages: readonly MessageContext[], last: MessageContext): Document {
  const ns = last.payload.isJson || last.payload.soapVersion !== '1.2' ? SOAP11_NS : SOAP12_NS;
  const doc = parseXml(`<soapenv:Envelope xmlns:soapenv="${ns}"><soapenv:Header/><soapenv:Body/></soapenv:Envelope>`);
  const root = doc.createElementNS(null, spec.root!);
  for (const m of messages) {
    let part: Element;
    try {
      part = parseXml(spec.value.stringValue(m)).documentElement;
    } catch (err) {
      // AXIOMUtil.stringToOM refuses text that is not one XML element
      throw new MiError(Errors.SCATTER_GATHER_FAILED, `Error reading XML element: ${spec.value.source}`, { cause: err });
    }
    root.appendChild(copyNode(doc, part));
  }
  doc.documentElement.lastChild!.appendChild(root);
  return doc;
}

/** The clone of the last message carries on: its properties, headers and status, as MessageHelper.cloneMessageContext copies them. */
function takeState(into: MessageContext, last: MessageContext): void {
  if (into === last) return;
  for (const [map, from] of [
    [into.props, last.props],
    [into.axis2, last.axis2],
    [into.axis2Client, last.axis2Client],
    [into.operation, last.operation],
  ] as const) {
    map.clear();
    for (const [k, v] of from) map.set(k, v);
  }
  into.headers = new Map(last.headers);
  into.headersSet.clear();
  for (const k of last.headersSet) into.headersSet.add(k);
  into.isResponse = last.isResponse;
  into.isFault = last.isFault;
  into.to = last.to;
  into.soapAction = last.soapAction;
}
