/** <in> and <out>: run the children only on the request (in) or response (out) path. */
import type { MessageContext } from '../context/message-context.js';
import { runList, type Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

class DirectionMediator implements Mediator {
  readonly contentAware = false;
  constructor(
    readonly tag: 'in' | 'out',
    private readonly list: Mediator[],
  ) {}
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (mc.isResponse !== (this.tag === 'out')) return true;
    return runList(this.list, mc);
  }
}

export const inMediator: MediatorDef = {
  tag: 'in',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    return new DirectionMediator('in', ctx.mediatorList(el));
  },
};

export const outMediator: MediatorDef = {
  tag: 'out',
  parse(el, ctx) {
    ctx.attrs(el, ['description']);
    return new DirectionMediator('out', ctx.mediatorList(el));
  },
};
