/** A branch body shared by filter/switch: inline mediators or a `sequence="key"` reference. */
import type { ParseContext } from '../artifacts/parse-context.js';
import { Errors } from '../errors.js';
import { SequenceRef } from './sequence.js';
import type { Mediator } from './mediator.js';

export function parseBranch(el: Element, ctx: ParseContext, extraAttrs: readonly string[] = []): Mediator[] {
  const a = ctx.attrs(el, ['sequence', 'description', ...extraAttrs]);
  const key = a.get('sequence');
  if (key !== undefined) {
    ctx.ref(el, 'sequence', key);
    return [new SequenceRef(key)];
  }
  return ctx.mediatorList(el);
}

/** Compiles a Synapse regex: Java's Matcher.matches() is a whole-string match. */
export function wholeMatch(el: Element, ctx: ParseContext, source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`, 's');
  } catch (err) {
    return ctx.fail(el, Errors.BAD_VALUE, `regex '${source}' is not valid: ${(err as Error).message}`);
  }
}
