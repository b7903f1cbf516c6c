/** <drop/>: stop mediating this message. A request dropped without a reply gets 202 Accepted, never a hang. */
import type { MessageContext } from '../context/message-context.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

class DropMediator implements Mediator {
  readonly tag = 'drop';
  readonly contentAware = false;
  mediate(mc: MessageContext): boolean {
    return false;
  }
}

export const drop: MediatorDef = {
  tag: 'drop',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    return new DropMediator();
  },
};
