/** <respond/>: send the current message back to the client and stop. */
import type { MessageContext } from '../context/message-context.js';
import { replyWhenReady } from '../context/reply.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

class RespondMediator implements Mediator {
  readonly tag = 'respond';
  readonly contentAware = false;
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const loading = replyWhenReady(mc);
    return loading ? loading.then(() => false) : false;
  }
}

export const respond: MediatorDef = {
  tag: 'respond',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    return new RespondMediator();
  },
};
