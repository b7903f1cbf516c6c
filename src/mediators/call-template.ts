/** <call-template target>: run a sequence template with <with-param> values visible as $func:name. */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements } from '../xml/dom.js';
import { andThen, type Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';

interface Param {
  name: string;
  value: string | undefined;
  expression: Expression | undefined;
}

class CallTemplateMediator implements Mediator {
  readonly tag = 'call-template';
  readonly contentAware: boolean;
  constructor(
    private readonly target: string,
    private readonly params: readonly Param[],
  ) {
    this.contentAware = params.some((p) => p.expression?.contentAware);
  }
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const t = mc.runtime.template(this.target);
    if (!t) throw new MiError(Errors.MEDIATION_ERROR, `template '${this.target}' is not deployed`);
    const values = new Map<string, unknown>();
    for (const d of t.parameters) if (d.defaultValue !== undefined) values.set(d.name, d.defaultValue);
    // Synapse evaluates a {expression} parameter to its string value (Value.evaluateValue)
    for (const p of this.params) values.set(p.name, p.value ?? p.expression!.stringValue(mc));
    for (const d of t.parameters) {
      if (d.isMandatory && !values.has(d.name)) throw new MiError(Errors.MEDIATION_ERROR, `template '${this.target}' needs the parameter '${d.name}'`);
    }
    const outer = mc.funcParams;
    mc.funcParams = values;
    return andThen(t.sequence.mediate(mc), (ok) => {
      mc.funcParams = outer;
      return ok;
    });
  }
}

export const callTemplate: MediatorDef = {
  tag: 'call-template',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['target', 'description', 'onError'], ['target']);
    ctx.ref(el, 'template', a.req('target'));
    const params: Param[] = [];
    for (const c of childElements(el)) {
      if (c.localName !== 'with-param') ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <call-template>; use <with-param>`);
      const pa = ctx.attrs(c, ['name', 'value'], ['name']);
      const v = pa.get('value');
      if (v === undefined) ctx.fail(c, Errors.MISSING_ATTRIBUTE, `with-param '${pa.req('name')}' needs a value`);
      // a value written as {expression} is evaluated per message
      const m = /^\s*\{([\s\S]*)\}\s*$/.exec(v!);
      params.push({ name: pa.req('name'), value: m ? undefined : v, expression: m ? ctx.expression(c, m[1]!) : undefined });
    }
    return new CallTemplateMediator(a.req('target'), params);
  },
};
