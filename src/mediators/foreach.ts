/**
 * <foreach> (Micro Integrator 4's): runs its sequence on each element an XPath or json-eval() expression
 * selects, one after another, and puts each result back in place of its element; then the message goes on.
 * Each element runs as the payload of a copy of the message, so properties set inside stay there. A call,
 * send or callout inside is refused at deploy, as Micro Integrator refuses it.
 */
import type { MessageContext, Step } from '../context/message-context.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements, firstChildElement } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { Sequence } from './sequence.js';
import { bodyOf, clearChildren, envelopeWith } from './split-xml.js';
import { cloneJson } from '../json/json-number.js';
import { jsonMatches, jsonSplitPath, splitValues, type JsonSplitPath } from './split-json.js';
import { copyDocument, copyNode } from '../xml/copy.js';

class ForEachMediator implements Mediator {
  readonly tag = 'foreach';
  readonly contentAware = true;
  private readonly json: JsonSplitPath | undefined;

  constructor(
    private readonly expression: Expression,
    private readonly sequence: Sequence | undefined,
    private readonly sequenceKey: string | undefined,
  ) {
    this.json = jsonSplitPath(expression);
  }

  async mediate(mc: MessageContext): Promise<boolean> {
    const seq = this.sequence ?? mc.runtime.sequence(this.sequenceKey!);
    if (!seq) throw new MiError(Errors.SPLIT_TARGET_MISSING, `Couldn't find the sequence named : ${this.sequenceKey}`);
    if (this.json) await this.eachJson(mc, this.json, seq);
    else await this.eachXml(mc, seq);
    return true;
  }

  private async run(seq: Step, part: MessageContext): Promise<void> {
    const r = seq.mediate(part);
    if (typeof r !== 'boolean') await r;
  }

  private async eachXml(mc: MessageContext, seq: Step): Promise<void> {
    const r = this.expression.evaluate(mc);
    const nodes = (Array.isArray(r) ? (r as Node[]) : []).filter((n) => n.nodeType === 1);
    if (nodes.length === 0) return;
    const env = mc.payload.envelope();
    const template = copyDocument(env);
    clearChildren(bodyOf(template));
    for (const node of nodes) {
      const part = mc.exchange.branch(mc, mc.payload.copy({ envelope: envelopeWith(template, node) }));
      await this.run(seq, part);
      const result = firstChildElement(bodyOf(part.payload.envelope()));
      const parent = node.parentNode;
      if (!parent) continue;
      if (result) parent.replaceChild(copyNode(env, result), node);
      else parent.removeChild(node);
    }
    mc.payload.markXmlChanged();
  }

  private async eachJson(mc: MessageContext, path: JsonSplitPath, seq: Step): Promise<void> {
    const root = mc.payload.json();
    const values = splitValues(root, path);
    if (values.length === 0) return;
    // the array itself (definite path), whose elements are replaced in place; or each match's place
    const places = path.definite ? undefined : jsonMatches(root, path);
    const results: unknown[] = [];
    for (const v of values) {
      const part = mc.exchange.branch(mc, mc.payload.copy({ json: cloneJson(v) }));
      await this.run(seq, part);
      results.push(part.payload.json());
    }
    if (places) {
      places.forEach((m, i) => {
        if (m.parent !== null && m.parent !== undefined) (m.parent as Record<string | number, unknown>)[m.parentProperty as string | number] = results[i];
      });
      mc.payload.setJson(root);
    } else {
      // `values` is the array inside the message: its elements are replaced in place
      for (let i = 0; i < values.length; i++) values[i] = results[i];
      mc.payload.setJson(root);
    }
  }
}

/** The mediators foreach may not hold (they would leave the loop waiting for a backend). */
const NOT_IN_FOREACH = new Set(['call', 'send', 'callout']);

function checkNoCalls(el: Element, ctx: ParseContext): void {
  for (const c of childElements(el)) {
    if (NOT_IN_FOREACH.has(c.localName)) {
      ctx.fail(c, Errors.SPLIT_CONFIG, 'Call, Send and CallOut mediators are not allowed inside a for-each mediator');
    }
    checkNoCalls(c, ctx);
  }
}

export const foreach: MediatorDef = {
  tag: 'foreach',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['expression', 'sequence', 'id', 'description'], ['expression']);
    const expression = ctx.expression(el, a.req('expression'));
    const key = a.get('sequence');
    let sequence: Sequence | undefined;
    for (const c of childElements(el)) {
      if (c.localName !== 'sequence' || key !== undefined) {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <foreach>${key !== undefined ? ' with a sequence attribute' : '; use one <sequence>'}`);
      }
      checkNoCalls(c, ctx);
      sequence = new Sequence('foreach-sequence', ctx.mediatorList(c), c.getAttribute('onError') ?? undefined, ctx.file);
    }
    if (key !== undefined) ctx.ref(el, 'sequence', key);
    if (!sequence && key === undefined) ctx.fail(el, Errors.SPLIT_CONFIG, '<foreach> needs a <sequence> or the sequence attribute');
    return new ForEachMediator(expression, sequence, key);
  },
};
