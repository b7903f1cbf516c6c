/** <respond/>: send the current message back to the client and stop. */
import type { MessageContext } from '../context/message-context.js';
import { buildReplyWhenReady } from '../context/reply.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

class RespondMediator implements Mediator {
  readonly tag = 'respond';
  readonly contentAware = false;
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const r = buildReplyWhenReady(mc);
    if (r instanceof Promise) {
      return r.then((reply) => {
        mc.reply = reply;
        return false;
      });
    }
    mc.reply = r;
    return false;
  }
}

export const respond: MediatorDef = {
  tag: 'respond',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    return new RespondMediator();
  },
};
