/** The definition of one mediator kind, as the registry lists it: its XML tag and the parse() that is its schema. */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { Mediator } from './mediator.js';

export interface MediatorDef {
  readonly tag: string;
  parse(el: Element, ctx: ParseContext): Mediator;
}
