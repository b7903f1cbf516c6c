/**
 * Builds the reply to the client from the current message: status from HTTP_SC (else 200, or 500 for a
 * SOAP fault), headers (a response from a backend keeps its headers; a reply built in the in-flow carries
 * only headers a mediator set, never the request's), and the serialized body.
 */
import type { MessageContext, Reply } from './message-context.js';
import type { HeaderValue } from './transport-headers.js';
import { isHopByHop } from './transport-headers.js';
import { clientIsRest, formatChangeNeedsBody, serializeMessage } from './serialize.js';
import { isTrue } from './truthy.js';
import { numericValue } from './java-number.js';


export function statusOf(mc: MessageContext, dflt: number): number {
  const sc = mc.axis2.get('HTTP_SC');
  const n = numericValue(sc) ?? (typeof sc === 'string' ? Number.parseInt(sc, 10) : NaN);
  if (Number.isInteger(n) && n >= 100 && n <= 599) return n;
  if (mc.isFault && !isTrue(mc.axis2.get('FAULTS_AS_HTTP_200'))) return 500;
  return dflt;
}

/**
 * Sets the reply built from the current message, after reading the body when the reply changes its format
 * (a SOAP response sent back as JSON): synchronous (undefined) unless that read is needed.
 */
export function replyWhenReady(mc: MessageContext): Promise<void> | undefined {
  if (!formatChangeNeedsBody(mc)) {
    mc.reply = buildReply(mc);
    return undefined;
  }
  return mc.payload.load().then(() => {
    mc.reply = buildReply(mc);
  });
}

export function buildReply(mc: MessageContext, dflt = 200): Reply {
  if (isTrue(mc.axis2.get('FORCE_SC_ACCEPTED'))) return { status: 202, headers: {}, body: undefined };
  const { contentType, body, length } = serializeMessage(mc, clientIsRest(mc));
  const headers: Record<string, HeaderValue> = {};
  if (mc.isResponse) {
    for (const [k, v] of mc.headers) if (!isHopByHop(k) && k !== 'content-type') headers[k] = v;
  } else {
    for (const k of mc.headersSet) {
      const v = mc.headers.get(k);
      if (v !== undefined && !isHopByHop(k) && k !== 'content-type') headers[k] = v;
    }
  }
  if (body !== undefined && contentType) headers['content-type'] = contentType;
  if (length !== undefined && body !== undefined && !Buffer.isBuffer(body)) headers['content-length'] = String(length);
  return { status: statusOf(mc, dflt), headers, body };
}
