/**
 * The <endpoint> children of <failover> and <loadbalance>: each parsed on its own so every error is listed;
 * and what both throw when no child is left.
 */
import { ParseAbort, type ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { endpointError, Errors, SynapseErrorCodes, type EndpointError } from '../errors.js';
import { childElements } from '../xml/dom.js';
import type { Endpoint } from './endpoint.js';

export type ChildParser = (el: Element, ctx: ParseContext) => Endpoint;

export function parseChildEndpoints(el: Element, ctx: ParseContext, parseChild: ChildParser): Endpoint[] {
  const out: Endpoint[] = [];
  let failed = false;
  for (const c of childElements(el)) {
    if (c.localName === 'description') continue;
    if (c.localName === 'member') ctx.fail(c, Errors.UNSUPPORTED, '<member> (dynamic load balancing) is not supported; list <endpoint> children instead');
    if (c.localName !== 'endpoint') ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <${el.localName}> (allowed: endpoint)`);
    try {
      out.push(parseChild(c, ctx));
    } catch (err) {
      if (!(err instanceof ParseAbort)) throw err;
      failed = true;
    }
  }
  if (failed) throw new ParseAbort(`<${el.localName}> has invalid child endpoints`);
  if (out.length === 0) ctx.fail(el, Errors.BAD_VALUE, `<${el.localName}> needs at least one <endpoint> child`);
  return out;
}

/**
 * What a failover or load balance endpoint throws when no child is left for the message. Synapse logs the
 * text and sets 303000 with it only if no endpoint was tried for the message yet (informFailure looks at
 * LAST_ENDPOINT); after a child failed, that child's code and texts stay in ERROR_* for the fault sequence.
 */
export function noReadyChild(mc: MessageContext, logger: string, text: string, lastChildError: EndpointError | undefined): EndpointError {
  mc.runtime.logs.get(logger).warn(text);
  return lastChildError ?? endpointError(SynapseErrorCodes.ENDPOINT_FAILOVER_EXHAUSTED, text, undefined, { spec: Errors.ENDPOINT_SUSPENDED });
}
