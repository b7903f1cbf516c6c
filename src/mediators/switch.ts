/** <switch source>: the first <case regex> that matches the whole source string runs, else <default>. */
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements } from '../xml/dom.js';
import { runList, type Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { parseBranch, wholeMatch } from './branch.js';

interface Case {
  regex: RegExp;
  list: readonly Mediator[];
}

class SwitchMediator implements Mediator {
  readonly tag = 'switch';
  readonly contentAware: boolean;
  constructor(
    private readonly source: Expression,
    private readonly cases: readonly Case[],
    private readonly dflt: readonly Mediator[] | undefined,
  ) {
    this.contentAware = source.contentAware;
  }
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const v = this.source.stringValue(mc);
    for (const c of this.cases) if (c.regex.test(v)) return runList(c.list, mc);
    return this.dflt ? runList(this.dflt, mc) : true;
  }
}

export const switchMediator: MediatorDef = {
  tag: 'switch',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['source', 'description'], ['source']);
    const source = ctx.expression(el, a.req('source'));
    const cases: Case[] = [];
    let dflt: Mediator[] | undefined;
    for (const k of childElements(el)) {
      if (k.localName === 'case') {
        const regex = k.getAttribute('regex');
        if (regex === null) ctx.fail(k, Errors.MISSING_ATTRIBUTE, "<case> needs the 'regex' attribute");
        cases.push({ regex: wholeMatch(k, ctx, regex!), list: parseBranch(k, ctx, ['regex']) });
      } else if (k.localName === 'default') {
        dflt = parseBranch(k, ctx);
      } else if (k.localName !== 'description') {
        ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in <switch>; use <case regex> and <default>`);
      }
    }
    return new SwitchMediator(source, cases, dflt);
  },
};
