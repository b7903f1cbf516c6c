/** <sequence key="name"/>: run a named sequence (the key may be a dynamic {expression}). */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { DynamicValue } from '../expr/expression.js';
import { SequenceRef } from './sequence.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

class DynamicSequenceRef implements Mediator {
  readonly tag = 'sequence';
  readonly contentAware: boolean;
  constructor(private readonly key: DynamicValue) {
    this.contentAware = key.contentAware;
  }
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const k = this.key.resolve(mc);
    const seq = mc.runtime.sequence(k);
    if (!seq) throw new MiError(Errors.MEDIATION_ERROR, `sequence '${k}' is not deployed`);
    return seq.mediate(mc);
  }
}

export const sequence: MediatorDef = {
  tag: 'sequence',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['key', 'description'], ['key']);
    const key = ctx.dynamic(el, a.req('key'));
    if (key.isStatic) {
      ctx.ref(el, 'sequence', a.req('key'));
      return new SequenceRef(a.req('key'));
    }
    return new DynamicSequenceRef(key);
  },
};
