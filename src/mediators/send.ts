/**
 * <send>: with an endpoint, hand the message to it and continue with the out-flow (or `receive`) when it
 * answers; without one, a response (or a message marked RESPONSE=true) goes back to the client and a request
 * goes to its To address.
 */
import type { MessageContext } from '../context/message-context.js';
import { replyWhenReady } from '../context/reply.js';
import { Errors, SynapseErrorCodes } from '../errors.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { EndpointError } from '../endpoints/endpoint.js';
import { childElements } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { SequenceRef } from './sequence.js';
import { endpointChild } from './endpoint-child.js';
import { sendToAddress } from './to-address.js';
import { isTrue } from '../context/truthy.js';


class SendMediator implements Mediator {
  readonly tag = 'send';
  readonly contentAware = false;
  constructor(
    private readonly endpoint: Endpoint | undefined,
    private readonly receive: Mediator | undefined,
  ) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    let ep = this.endpoint;
    if (!ep) {
      if (mc.isResponse || isTrue(mc.props.get('RESPONSE'))) {
        const loading = replyWhenReady(mc);
        return loading ? loading.then(() => true) : true;
      }
      ep = sendToAddress(mc);
      if (!ep) throw new EndpointError(Errors.NO_ENDPOINT, SynapseErrorCodes.NO_ENDPOINT, `send has no endpoint and the message To '${mc.to ?? ''}' is not an http(s) address`);
    }
    mc.exchange.send(ep, this.receive);
    return true;
  }
}

export const send: MediatorDef = {
  tag: 'send',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['receive', 'buildmessage', 'description']);
    for (const c of childElements(el)) {
      if (c.localName !== 'endpoint') ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <send>; use <endpoint>`);
    }
    const receive = a.get('receive');
    if (receive !== undefined) ctx.ref(el, 'sequence', receive);
    return new SendMediator(endpointChild(el, ctx), receive !== undefined ? new SequenceRef(receive) : undefined);
  },
};

