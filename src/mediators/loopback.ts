/** <loopback/>: end the in-flow and continue with the out-flow (outSequence) using the current message. */
import type { MessageContext } from '../context/message-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

class LoopbackMediator implements Mediator {
  readonly tag = 'loopback';
  readonly contentAware = false;
  mediate(mc: MessageContext): boolean {
    mc.exchange.loopback();
    return false;
  }
}

export const loopback: MediatorDef = {
  tag: 'loopback',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    return new LoopbackMediator();
  },
};
