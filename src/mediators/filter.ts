/** <filter>: source+regex (whole-string match) or a boolean xpath, with then/else or plain children. */
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements } from '../xml/dom.js';
import { runList, type Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { parseBranch, wholeMatch } from './branch.js';

class FilterMediator implements Mediator {
  readonly tag = 'filter';
  readonly contentAware: boolean;
  constructor(
    private readonly source: Expression,
    private readonly regex: RegExp | undefined,
    private readonly then: readonly Mediator[],
    private readonly otherwise: readonly Mediator[],
  ) {
    this.contentAware = source.contentAware;
  }

  test(mc: MessageContext): boolean {
    return this.regex ? this.regex.test(this.source.stringValue(mc)) : this.source.booleanValue(mc);
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    return runList(this.test(mc) ? this.then : this.otherwise, mc);
  }
}

export const filter: MediatorDef = {
  tag: 'filter',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['source', 'regex', 'xpath', 'description']);
    const xpath = a.get('xpath');
    const source = a.get('source');
    const regex = a.get('regex');
    let expr: Expression;
    let re: RegExp | undefined;
    if (xpath !== undefined) {
      if (source !== undefined || regex !== undefined) ctx.fail(el, Errors.BAD_VALUE, "use either 'xpath' or 'source' with 'regex', not both");
      expr = ctx.expression(el, xpath);
    } else if (source !== undefined && regex !== undefined) {
      expr = ctx.expression(el, source);
      re = wholeMatch(el, ctx, regex);
    } else {
      return ctx.fail(el, Errors.MISSING_ATTRIBUTE, "a filter needs 'xpath', or 'source' and 'regex'");
    }
    const kids = childElements(el);
    const thenEl = kids.find((k) => k.localName === 'then');
    const elseEl = kids.find((k) => k.localName === 'else');
    if (thenEl || elseEl) {
      for (const k of kids) {
        if (k.localName !== 'then' && k.localName !== 'else') ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed beside <then>/<else> in a filter`);
      }
      return new FilterMediator(expr, re, thenEl ? parseBranch(thenEl, ctx) : [], elseEl ? parseBranch(elseEl, ctx) : []);
    }
    return new FilterMediator(expr, re, ctx.mediatorList(el), []);
  },
};
