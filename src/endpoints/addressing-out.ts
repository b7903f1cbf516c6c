/**
 * WS-Addressing on the request to a backend, as Synapse's Axis2FlexibleMEPClient and Axis2's
 * AddressingOutHandler (WSAHeaderWriter) do it:
 * - a built message (a content-aware step read it) loses its wsa headers before it leaves
 *   (MessageHelper.removeAddressingHeaders: the 2004/08 submission ones, else the 2005/08 ones), unless the
 *   property PRESERVE_WS_ADDRESSING is true; an unread pass-through body leaves byte for byte, headers and all;
 * - an endpoint with <enableAddressing/> builds the message and writes, in this order, wsa:To (the URL sent
 *   to), wsa:ReplyTo, wsa:From, wsa:FaultTo (when the message has them; the 2005/08 namespace leaves out an
 *   anonymous ReplyTo, the submission one writes it), wsa:MessageID (a new urn:uuid, the message's own with
 *   PRESERVE_WS_ADDRESSING), wsa:Action (the message's Action) and wsa:RelatesTo, the namespace declared once
 *   on the SOAP Header with the prefix wsa. A header already there under that name is kept, not doubled.
 */
import { randomUUID } from 'node:crypto';
import type { MessageContext } from '../context/message-context.js';
import {
  addressingBlocks,
  headerMayHoldAddressing,
  markBuilt,
  WSA_FINAL,
  WSA_FINAL_ANONYMOUS,
  WSA_SUBMISSION,
  WSA_SUBMISSION_ANONYMOUS,
} from '../context/addressing.js';
import { mediaType } from '../context/payload.js';
import { outgoingContentType } from '../context/serialize.js';
import { isTrue } from '../context/truthy.js';
import { childElements } from '../xml/dom.js';
import type { EndpointDefinition } from './definition.js';

const XMLNS = 'http://www.w3.org/2000/xmlns/';

/**
 * Makes the message's addressing headers what Synapse sends; undefined when there is nothing to do (the
 * common case, without a Promise). `builds`: the endpoint is content-aware in Synapse (a format other than
 * rest, or enableAddressing), so it reads the body first.
 */
export function outgoingAddressing(mc: MessageContext, def: EndpointDefinition, builds: boolean, url: string): Promise<void> | undefined {
  const on = def.addressing !== undefined;
  if (!on && !builds && !mc.built && mc.payload.isUntouched) return undefined;
  if ((on || builds) && !mc.payload.isReady) return mc.payload.load().then(() => apply(mc, def, builds, url));
  apply(mc, def, builds, url);
  return undefined;
}

function apply(mc: MessageContext, def: EndpointDefinition, builds: boolean, url: string): void {
  if (def.addressing || builds) markBuilt(mc);
  if (!isSoapOut(mc)) return;
  const preserve = isTrue(mc.props.get('PRESERVE_WS_ADDRESSING'));
  if (!preserve) removeAddressingHeaders(mc);
  if (def.addressing) writeHeaders(mc, def.addressing.version === 'submission' ? WSA_SUBMISSION : WSA_FINAL, url, preserve);
}

/** The request leaves as a SOAP envelope (its headers are written), not as POX, JSON or text. */
function isSoapOut(mc: MessageContext): boolean {
  if (mc.payload.isJson) return false;
  const mt = mediaType(outgoingContentType(mc));
  return mt === 'text/xml' || mt === 'application/soap+xml';
}

function removeAddressingHeaders(mc: MessageContext): void {
  const header = headerMayHoldAddressing(mc);
  if (!header) return;
  const blocks = childElements(header);
  // the submission namespace first; the 2005/08 headers only when there are none of those
  let gone = blocks.filter((b) => b.namespaceURI === WSA_SUBMISSION);
  if (!gone.length) gone = blocks.filter((b) => b.namespaceURI === WSA_FINAL);
  if (!gone.length) return;
  for (const b of gone) header.removeChild(b);
  mc.payload.markXmlChanged();
}

function writeHeaders(mc: MessageContext, ns: string, url: string, preserve: boolean): void {
  const p = mc.payload;
  const doc = p.envelope();
  const env = doc.documentElement;
  let header = p.header();
  if (!header) {
    // Axiom's createSOAPHeader: the envelope's namespace and prefix, right before the Body
    header = doc.createElementNS(env.namespaceURI, `${env.prefix ? env.prefix + ':' : ''}Header`);
    const body = childElements(env).find((e) => e.localName === 'Body');
    env.insertBefore(header, body ?? null);
  }
  const existing = new Set(addressingBlocks(header)?.ns === ns ? childElements(header).filter((b) => b.namespaceURI === ns).map((b) => b.localName) : []);
  if (header.lookupNamespaceURI('wsa') !== ns) header.setAttributeNS(XMLNS, 'xmlns:wsa', ns);
  const final = ns === WSA_FINAL;
  const a = mc.addressing;
  const add = (name: string, text: string | undefined): void => {
    if (text === undefined || text === '' || existing.has(name)) return;
    const el = doc.createElementNS(ns, `wsa:${name}`);
    el.appendChild(doc.createTextNode(text));
    header!.appendChild(el);
  };
  const addEpr = (name: string, address: string | undefined): void => {
    if (existing.has(name) || (address === undefined && name !== 'ReplyTo')) return;
    // no ReplyTo is an anonymous one; the 2005/08 namespace leaves an anonymous ReplyTo out
    const anonymous = address === undefined || address === WSA_FINAL_ANONYMOUS || address === WSA_SUBMISSION_ANONYMOUS;
    if (anonymous && final && name === 'ReplyTo') return;
    const el = doc.createElementNS(ns, `wsa:${name}`);
    const addr = doc.createElementNS(ns, 'wsa:Address');
    addr.appendChild(doc.createTextNode(anonymous ? (final ? WSA_FINAL_ANONYMOUS : WSA_SUBMISSION_ANONYMOUS) : address!));
    el.appendChild(addr);
    header!.appendChild(el);
  };
  if (!(final && url === WSA_FINAL_ANONYMOUS)) add('To', url);
  addEpr('ReplyTo', a?.ReplyTo);
  addEpr('From', a?.From);
  addEpr('FaultTo', a?.FaultTo);
  add('MessageID', preserve && mc.messageId ? mc.messageId : `urn:uuid:${randomUUID()}`);
  add('Action', mc.soapAction);
  add('RelatesTo', a?.RelatesTo);
  p.markXmlChanged();
}
