/**
 * WS-Addressing on a request, as Axis2's AddressingInHandler reads it when Synapse builds the message
 * (RelayUtils.processAddressing): the wsa headers of the 2005/08 namespace (else the 2004/08 submission one)
 * set the message's To, Action, MessageID, ReplyTo, From, FaultTo and RelatesTo. A message that is never
 * built (pure pass-through) keeps its headers unread, as in Micro Integrator.
 */
import type { MessageContext } from './message-context.js';
import { MiError, Errors } from '../errors.js';
import { childElements } from '../xml/dom.js';
import { Addressing } from './addressing-fields.js';

export { Addressing };

export const WSA_FINAL = 'http://www.w3.org/2005/08/addressing';
export const WSA_SUBMISSION = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
export const WSA_FINAL_ANONYMOUS = 'http://www.w3.org/2005/08/addressing/anonymous';
export const WSA_SUBMISSION_ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';

export function addressingOf(mc: MessageContext): Addressing {
  return (mc.addressing ??= new Addressing());
}

/**
 * Sets one addressing field as the header mediator does (HeaderMediator: setTo, setWSAAction, ...);
 * undefined clears it. The field is pinned, so the request's own wsa headers, read later, do not override it.
 */
export function setAddressingField(mc: MessageContext, name: string, value: string | undefined): void {
  const a = addressingOf(mc);
  a.pinned.add(name);
  switch (name) {
    case 'To':
      mc.to = value as string;
      return;
    case 'Action':
      mc.soapAction = value;
      return;
    case 'MessageID':
      mc.messageId = value;
      return;
    case 'From':
    case 'ReplyTo':
    case 'FaultTo':
    case 'RelatesTo':
      a[name] = value;
  }
}

/** What get-property() gives for From, ReplyTo, FaultTo and RelatesTo (an EPR's address). */
export function addressingField(mc: MessageContext, name: 'From' | 'ReplyTo' | 'FaultTo' | 'RelatesTo'): string | undefined {
  return mc.addressing?.[name];
}

/** Synapse built the message: a content-aware mediator or endpoint read the request body. */
export function markBuilt(mc: MessageContext): void {
  if (mc.built || mc.isResponse) return;
  mc.built = true;
  if (mc.payload.isUntouched) readRequestAddressing(mc);
}

/** The wsa header blocks of the message's SOAP header: the 2005/08 ones, else the submission ones. */
export function addressingBlocks(header: Element): { ns: string; blocks: Element[] } | undefined {
  const all = childElements(header);
  for (const ns of [WSA_FINAL, WSA_SUBMISSION]) {
    const blocks = all.filter((e) => e.namespaceURI === ns);
    if (blocks.length) return { ns, blocks };
  }
  return undefined;
}

/** Quick test on the raw bytes: both addressing namespaces contain this word. */
const MARK = Buffer.from('addressing');
/**
 * The answer of that test per untouched message body: a message is asked when it is built and again when it
 * leaves through an endpoint, and each search reads the whole body (about 3 µs for 10 KB).
 */
const MENTIONS = new WeakMap<Buffer, boolean>();

function mentionsAddressing(raw: Buffer): boolean {
  let m = MENTIONS.get(raw);
  if (m === undefined) {
    m = raw.indexOf(MARK) >= 0;
    MENTIONS.set(raw, m);
  }
  return m;
}

/**
 * The SOAP header of a message whose header may hold wsa blocks; undefined when there is none, or when its
 * untouched bytes hold no addressing namespace at all (then no DOM is built to find that out).
 */
export function headerMayHoldAddressing(mc: MessageContext): Element | undefined {
  const p = mc.payload;
  if (p.isUntouched) {
    const k = p.kind;
    if (k !== 'soap11' && k !== 'soap12') return undefined;
    const raw = p.rawBytes;
    if (raw !== undefined && !mentionsAddressing(raw)) return undefined;
  }
  return p.header();
}

function readRequestAddressing(mc: MessageContext): void {
  const header = headerMayHoldAddressing(mc);
  if (!header) return;
  const found = addressingBlocks(header);
  if (!found) return;
  const a = addressingOf(mc);
  a.version = found.ns;
  for (const b of found.blocks) {
    const name = b.localName;
    if (a.pinned.has(name)) continue;
    switch (name) {
      case 'To':
        mc.to = b.textContent ?? '';
        break;
      case 'Action':
        mc.soapAction = checkedAction(mc, b.textContent ?? '');
        break;
      case 'MessageID':
        mc.messageId = b.textContent ?? '';
        break;
      case 'RelatesTo':
        a.RelatesTo = b.textContent ?? '';
        break;
      case 'From':
      case 'ReplyTo':
      case 'FaultTo': {
        const address = childElements(b).find((e) => e.localName === 'Address' && e.namespaceURI === found.ns);
        a[name] = address ? (address.textContent ?? '') : undefined;
        break;
      }
    }
  }
}

/**
 * AddressingInHandler.extractActionInformation: on the server side a SOAPAction that is not empty must equal
 * wsa:Action (an ActionMismatch fault otherwise, which Synapse reports as a failure to build the message).
 */
function checkedAction(mc: MessageContext, wsaAction: string): string {
  const soapAction = mc.soapAction;
  if (soapAction !== undefined && soapAction !== '' && soapAction !== wsaAction) {
    throw new MiError(
      Errors.WSA_ACTION_MISMATCH,
      'Error while building message. A header representing a Message Addressing Property is not valid and the message cannot be processed',
    );
  }
  return wsaAction;
}
