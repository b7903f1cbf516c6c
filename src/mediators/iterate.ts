/**
 * <iterate>: splits the message by an XPath or json-eval() expression into one message per match and hands
 * each to the target (Synapse's IterateMediator). A part carries the matched element as its payload, or,
 * with preservePayload, the rest of the message with the element attached at attachPath. Each part gets the
 * properties an aggregate correlates on: aggregateCorelation[.id] (this message's id) and
 * messageSequence[.id] ("n/count"). The message itself stops here unless continueParent="true".
 */
import { randomUUID } from 'node:crypto';
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError } from '../errors.js';
import type { Expression } from '../expr/expression.js';
import { childElements } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { checkPartCount, parseTarget, runParts, type SplitTarget } from './split-target.js';
import { bodyOf, clearChildren, detachMatches, envelopeWith, evaluateOn } from './split-xml.js';
import { cloneJson } from '../json/json-number.js';
import { jsonSplitPath, replaceAt, splitValues, type JsonSplitPath } from './split-json.js';
import { copyDocument, copyNode } from '../xml/copy.js';

export const AGGREGATE_CORRELATION = 'aggregateCorelation';
export const MESSAGE_SEQUENCE = 'messageSequence';

/** Marks a part for the aggregate: its parent's message id and its place "n/count" (with the id suffix when set). */
export function markPart(part: MessageContext, parentId: string, id: string | undefined, n: number, count: number): void {
  part.props.set(AGGREGATE_CORRELATION, parentId);
  if (id !== undefined) {
    part.props.set(`${AGGREGATE_CORRELATION}.${id}`, parentId);
    part.props.set(`${MESSAGE_SEQUENCE}.${id}`, `${n}/${count}`);
  } else {
    part.props.set(MESSAGE_SEQUENCE, `${n}/${count}`);
  }
}

/** The message id a split correlates its parts on (a Synapse message always has one). */
export function messageIdOf(mc: MessageContext): string {
  return (mc.messageId ??= `urn:uuid:${randomUUID()}`);
}

class IterateMediator implements Mediator {
  readonly tag = 'iterate';
  readonly contentAware = true;
  private readonly json: JsonSplitPath | undefined;
  private readonly jsonAttach: JsonSplitPath | undefined;

  constructor(
    private readonly expression: Expression,
    private readonly attachPath: Expression | undefined,
    private readonly preservePayload: boolean,
    private readonly continueParent: boolean,
    private readonly sequential: boolean,
    private readonly id: string | undefined,
    private readonly target: SplitTarget,
  ) {
    this.json = jsonSplitPath(expression);
    this.jsonAttach = attachPath ? jsonSplitPath(attachPath) : this.json && { source: '$', path: '$', definite: true };
  }

  followedBy(rest: readonly Mediator[]): void {
    this.target.rest = rest;
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const parts = this.json ? this.jsonParts(mc, this.json) : this.xmlParts(mc);
    const done = runParts(parts.map((p) => ({ mc: p, target: this.target })), this.sequential);
    return done ? done.then(() => this.continueParent) : this.continueParent;
  }

  private xmlParts(mc: MessageContext): MessageContext[] {
    // the expression runs over a copy, whose matches are detached: the message itself stays as it was
    const scratch = mc.payload.copy({ envelope: copyDocument(mc.payload.envelope()) });
    const template = scratch.envelope();
    const nodes = detachMatches(mc, scratch, this.expression);
    checkPartCount(nodes.length, 'iterate');
    if (!this.preservePayload) clearChildren(bodyOf(template));
    const parentId = messageIdOf(mc);
    const parts: MessageContext[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      let doc: Document;
      if (this.preservePayload) {
        doc = copyDocument(template);
        const holder = mc.payload.copy({ envelope: doc });
        const r = this.attachPath ? evaluateOn(mc, holder, this.attachPath) : [bodyOf(doc)];
        const at = Array.isArray(r) ? (r[0] as Node | undefined) : undefined;
        if (!at || at.nodeType !== 1) {
          throw new MiError(Errors.SPLIT_ATTACH_PATH, `Error in attaching the splitted elements :: Unable to get the attach path specified by the expression ${this.attachPath?.source ?? ''}`);
        }
        at.appendChild(copyNode(doc, node));
      } else {
        doc = envelopeWith(template, node);
      }
      const part = mc.exchange.branch(mc, mc.payload.copy({ envelope: doc }));
      markPart(part, parentId, this.id, i, nodes.length);
      parts.push(part);
    }
    return parts;
  }

  private jsonParts(mc: MessageContext, path: JsonSplitPath): MessageContext[] {
    const root = mc.payload.json();
    const values = splitValues(root, path);
    checkPartCount(values.length, 'iterate');
    const attach = this.jsonAttach!;
    // the rest of the message, with the iterated array emptied (unless the part replaces it anyway)
    let rest: unknown;
    if (this.preservePayload) {
      rest = cloneJson(root);
      if (attach.path !== path.path) rest = replaceAt(rest, path, () => []).root;
    }
    const parentId = messageIdOf(mc);
    const parts: MessageContext[] = [];
    for (let i = 0; i < values.length; i++) {
      let value: unknown = cloneJson(values[i]);
      if (this.preservePayload) {
        const placed = replaceAt(cloneJson(rest), attach, () => cloneJson(values[i]));
        if (!placed.found) {
          throw new MiError(Errors.SPLIT_ATTACH_PATH, `Error in attaching the splitted elements :: Unable to get the attach path specified by the expression ${this.attachPath?.source ?? '$'}`);
        }
        value = placed.root;
      }
      const part = mc.exchange.branch(mc, mc.payload.copy({ json: value }));
      markPart(part, parentId, this.id, i, values.length);
      parts.push(part);
    }
    return parts;
  }
}

export const iterate: MediatorDef = {
  tag: 'iterate',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['expression', 'attachPath', 'preservePayload', 'continueParent', 'sequential', 'id', 'description'], ['expression']);
    const expression = ctx.expression(el, a.req('expression'));
    const preservePayload = a.bool('preservePayload', false);
    const attach = a.get('attachPath');
    if (attach !== undefined && !preservePayload) {
      ctx.fail(el, Errors.SPLIT_CONFIG, 'Wrong configuration for the iterate mediator :: if the iterator should not preserve payload, then attachPath can not be present');
    }
    const attachPath = attach !== undefined ? ctx.expression(el, attach) : undefined;
    if (attachPath && !jsonSplitPath(expression) !== !jsonSplitPath(attachPath)) {
      ctx.fail(el, Errors.SPLIT_CONFIG, 'iterate: expression and attachPath must both be XPath or both be json-eval()');
    }
    const targets = childElements(el).filter((c) => c.localName === 'target');
    for (const c of childElements(el)) {
      if (c.localName !== 'target') ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <iterate>; use one <target>`);
    }
    if (targets.length !== 1) ctx.fail(el, Errors.SPLIT_CONFIG, `<iterate> needs exactly one <target>, not ${targets.length}`);
    const target = parseTarget(targets[0]!, ctx, 'iterate');
    return new IterateMediator(expression, attachPath, preservePayload, a.bool('continueParent', false), a.bool('sequential', false), a.get('id'), target);
  },
};
