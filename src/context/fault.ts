/**
 * What happens when mediation throws: ERROR_CODE / ERROR_MESSAGE / ERROR_DETAIL / ERROR_EXCEPTION are set,
 * the innermost fault handler runs (onError sequence, then the proxy/resource faultSequence, then `fault`),
 * and if none of them answered the client, a SOAP fault or JSON error goes back. Never a hang.
 */
import type { MessageContext } from './message-context.js';
import { soapContentType, soapFaultXml, escapeXml } from './soap.js';
import { EndpointError, Errors, MiError, SynapseErrorCodes } from '../errors.js';
import { kindOfContentType } from './payload.js';
import { parseXml, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import { faultReplyText } from './fault-reply-text.js';

export function setErrorProperties(mc: MessageContext, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  mc.error = e;
  if (e instanceof EndpointError) {
    // Synapse's own values; a text it leaves unset keeps what an earlier failure put there, as in Synapse
    mc.props.set('ERROR_CODE', e.synapseCode);
    mc.props.set('ERROR_MESSAGE', e.fault.message);
    if (e.fault.detail !== undefined) mc.props.set('ERROR_DETAIL', e.fault.detail);
    if (e.fault.exception !== undefined) mc.props.set('ERROR_EXCEPTION', e.fault.exception);
    if (e.synapseCode === SynapseErrorCodes.READ_TIMEOUT && e.fault.message === SEND_TIMEOUT_MESSAGE) emptyEnvelope(mc);
    return;
  }
  mc.props.set('ERROR_CODE', e instanceof MiError ? e.code : Errors.MEDIATION_ERROR.code);
  mc.props.set('ERROR_MESSAGE', e.message);
  // a cause (what a script threw, the XSLT processor's message) goes into the detail, Synapse's stack trace
  const cause = e instanceof MiError && e.cause instanceof Error ? `; ${e.cause.message}` : '';
  mc.props.set('ERROR_DETAIL', e instanceof MiError ? e.code + ': ' + e.message + cause : e.message);
  mc.props.set('ERROR_EXCEPTION', e.name);
}

/** ERROR_MESSAGE of Synapse's TimeoutHandler (the endpoint's response timeout). */
export const SEND_TIMEOUT_MESSAGE = 'Send timeout';

/**
 * Synapse's TimeoutHandler replaces the message with an empty envelope of its SOAP version (headers and body
 * gone) before the fault sequence runs: `<soapenv:Envelope ...><soapenv:Body/></soapenv:Envelope>`.
 */
function emptyEnvelope(mc: MessageContext): void {
  const p = mc.payload;
  const v12 = p.isUntouched ? kindOfContentType(p.contentType) === 'soap12' : p.soapVersion === '1.2';
  p.setEnvelope(parseXml(`<soapenv:Envelope xmlns:soapenv="${v12 ? SOAP12_NS : SOAP11_NS}"><soapenv:Body/></soapenv:Envelope>`));
}

/** HTTP status for a fault reply built by the runtime. */
export function faultStatus(err: unknown): number {
  return err instanceof MiError && err.status ? err.status : 500;
}

/** The reply when no fault sequence answered: a SOAP fault for SOAP requests, JSON otherwise. */
export function defaultFaultReply(mc: MessageContext, err: unknown): void {
  const status = faultStatus(err);
  const message = faultReplyText(mc, err);
  const code = String(mc.props.get('ERROR_CODE') ?? Errors.MEDIATION_ERROR.code);
  let kind: string;
  try {
    kind = requestKind(mc);
  } catch {
    kind = 'json';
  }
  const headers: Record<string, string> = { 'x-correlation-id': mc.correlationId };
  if (kind === 'soap11' || kind === 'soap12') {
    const v = kind === 'soap12' ? '1.2' : '1.1';
    const body = soapFaultXml(v, {
      code: status < 500 ? 'Client' : 'Server',
      reason: message,
      detail: `<code>${escapeXml(code)}</code><correlationId>${escapeXml(mc.correlationId)}</correlationId>`,
    });
    headers['content-type'] = soapContentType(v);
    mc.reply = { status, headers, body: Buffer.from(body) };
  } else {
    headers['content-type'] = 'application/json; charset=UTF-8';
    mc.reply = { status, headers, body: Buffer.from(JSON.stringify({ code, message, correlationId: mc.correlationId })) };
  }
}

/** Kind of the client's request (fault replies match it). Recorded at the start of mediation. */
export function requestKind(mc: MessageContext): string {
  return mc.requestKind ?? mc.payload.kind;
}
