/**
 * <clone>: hands a copy of the whole message to each target (Synapse's CloneMediator), in parallel or, with
 * sequential="true", one after another. Each copy is marked for an aggregate as iterate marks its parts
 * (messageSequence[.id] "n/count", aggregateCorelation[.id]). The message itself stops here unless
 * continueParent="true".
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { childElements } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { checkPartCount, parseTarget, runParts, type SplitTarget } from './split-target.js';
import { markPart, messageIdOf } from './iterate.js';

class CloneMediator implements Mediator {
  readonly tag = 'clone';
  readonly contentAware = true;
  constructor(
    private readonly targets: readonly SplitTarget[],
    private readonly continueParent: boolean,
    private readonly sequential: boolean,
    private readonly id: string | undefined,
  ) {}

  followedBy(rest: readonly Mediator[]): void {
    for (const t of this.targets) t.rest = rest;
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const count = this.targets.length;
    checkPartCount(count, 'clone');
    const parentId = messageIdOf(mc);
    const parts = this.targets.map((target, i) => {
      const part = mc.exchange.branch(mc, mc.payload.copy());
      markPart(part, parentId, this.id, i, count);
      return { mc: part, target };
    });
    const done = runParts(parts, this.sequential);
    return done ? done.then(() => this.continueParent) : this.continueParent;
  }
}

export const clone: MediatorDef = {
  tag: 'clone',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['continueParent', 'sequential', 'id', 'description']);
    const targets: SplitTarget[] = [];
    for (const c of childElements(el)) {
      if (c.localName === 'target') targets.push(parseTarget(c, ctx, 'clone'));
      else ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <clone>; use <target>`);
    }
    return new CloneMediator(targets, a.bool('continueParent', false), a.bool('sequential', false), a.get('id'));
  },
};
