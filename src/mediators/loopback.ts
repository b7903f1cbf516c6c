/** <loopback/>: end the in-flow and continue with the out-flow (outSequence) using the current message. */
import type { MessageContext } from '../context/message-context.js';
import type { Mediator, MediatorDef } from './mediator.js';

class LoopbackMediator implements Mediator {
  readonly tag = 'loopback';
  readonly contentAware = false;
  mediate(mc: MessageContext): boolean {
    if (!mc.isResponse) mc.loopback = true;
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
