/**
 * The copy of a message a split branch starts from (Synapse's MessageHelper.cloneMessageContext): the
 * properties of every scope, the transport headers and the fault stack are copied, so a branch's changes stay
 * its own; property values themselves are shared (Synapse copies the maps, not the values). The payload is
 * given by the caller (a part of the split, or Payload.copy()).
 */
import { randomUUID } from 'node:crypto';
import { MessageContext, type ExchangeControl } from './message-context.js';
import type { Payload } from './payload.js';

export function copyMessage(mc: MessageContext, payload: Payload, exchange: ExchangeControl): MessageContext {
  const c = new MessageContext(mc.runtime, mc.inbound, new Map(mc.headers), payload, mc.entry, exchange);
  for (const [k, v] of mc.props) c.props.set(k, v);
  for (const [k, v] of mc.axis2) c.axis2.set(k, v);
  for (const [k, v] of mc.axis2Client) c.axis2Client.set(k, v);
  for (const [k, v] of mc.operation) c.operation.set(k, v);
  for (const k of mc.headersSet) c.headersSet.add(k);
  for (const h of mc.faultStack) c.faultStack.push(h);
  c.isResponse = mc.isResponse;
  c.isFault = mc.isFault;
  c.to = mc.to;
  c.soapAction = mc.soapAction;
  c.addressing = mc.addressing?.copy();
  c.built = mc.built;
  c.messageId = `urn:uuid:${randomUUID()}`; // a copy is a new message (MessageHelper gives it a new id)
  c.requestKind = mc.requestKind;
  c.funcParams = mc.funcParams;
  if (mc.trace !== undefined) c.trace = mc.trace.branch();
  c.shareCorrelation(mc);
  c.caller = mc.caller;
  if (mc.backendJwtHeaders !== undefined && mc.backendJwtHeaders === mc.headers) c.backendJwtHeaders = c.headers;
  return c;
}
