/**
 * <aggregate>: collects the parts a split made (their replies, usually) and, once complete, runs onComplete
 * with one aggregated message (Synapse's AggregateMediator). Parts are grouped by the correlation iterate and
 * clone write (aggregateCorelation[.id]), or all together when correlateOn selects something. Complete when
 * every part arrived, or messageCount min or max is reached, or completeCondition's timeout fires (then with
 * what arrived). A part that does not complete the aggregation stops its flow here. Messages that are not
 * parts of a split pass through.
 */
import type { MessageContext } from '../context/message-context.js';
import type { ParseContext } from '../artifacts/parse-context.js';
import { Errors, MiError } from '../errors.js';
import { compileExpression, type DynamicValue, type Expression } from '../expr/expression.js';
import { childElements, SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { Sequence } from './sequence.js';
import { Aggregation, AggregationStore } from './aggregation.js';
import { mergeMessages, type MergeSpec } from './aggregate-merge.js';
import { AGGREGATE_CORRELATION, MESSAGE_SEQUENCE } from './iterate.js';
import { jsonSplitPath } from './split-json.js';

const AGGREGATE_LOGGER = 'org.apache.synapse.mediators.eip.aggregator.Aggregate';

/** Synapse's default onComplete expression: the payload element of the body. */
const FIRST_BODY_CHILD = '/s11:Envelope/s11:Body/child::*[position()=1] | /s12:Envelope/s12:Body/child::*[position()=1]';

class AggregateMediator implements Mediator {
  readonly tag = 'aggregate';
  readonly contentAware = true;
  private readonly correlationProperty: string;
  private readonly sequenceProperty: string;

  constructor(
    private readonly id: string | undefined,
    private readonly correlateOn: Expression | undefined,
    private readonly timeoutMs: number,
    private readonly min: DynamicValue | undefined,
    private readonly max: DynamicValue | undefined,
    private readonly merge: MergeSpec,
    private readonly onComplete: Sequence | undefined,
    private readonly onCompleteKey: string | undefined,
  ) {
    this.correlationProperty = id !== undefined ? `${AGGREGATE_CORRELATION}.${id}` : AGGREGATE_CORRELATION;
    this.sequenceProperty = id !== undefined ? `${MESSAGE_SEQUENCE}.${id}` : MESSAGE_SEQUENCE;
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const scope = mc.exchange.scope;
    if (scope.isDisposed) return false; // a late reply after the client was answered
    let key: string;
    if (this.correlateOn) {
      const r = this.correlateOn.evaluate(mc);
      if (Array.isArray(r) && r.length === 0) throw new MiError(Errors.AGGREGATE_FAILED, `Failed to evaluate correlate expression: ${this.correlateOn.source}`);
      if (r === false) return true;
      key = `expr:${this.correlateOn.source}`;
    } else {
      const c = mc.props.get(this.correlationProperty);
      if (typeof c !== 'string') return true; // not a part of a split: it goes on
      key = c;
    }
    const logs = mc.runtime.logs;
    const store = scope.get(this, () => new AggregationStore(scope, (a) => this.completeQuietly(a, logs)));
    let agg = store.get(key);
    if (!agg) {
      if (store.isDone(key)) return false; // Received a response for already completed Aggregate
      agg = new Aggregation(key, this.sequenceProperty, this.count(this.min, mc), this.count(this.max, mc));
      store.add(agg);
      if (this.timeoutMs > 0) {
        const a = agg;
        const logs = mc.runtime.logs;
        a.timer = setTimeout(() => {
          logs.get(AGGREGATE_LOGGER).warn('Aggregate mediator timeout occurred.');
          this.completeQuietly(a, logs);
        }, this.timeoutMs);
      }
    }
    agg.add(mc);
    return agg.isComplete ? this.complete(agg, mc) : false;
  }

  /** Completes outside any flow (timer, idle exchange): a failure is logged, never thrown into the event loop. */
  private completeQuietly(a: Aggregation, logs: MessageContext['runtime']['logs']): void {
    try {
      void this.complete(a, undefined);
    } catch (err) {
      logs.get(AGGREGATE_LOGGER).error(`${Errors.AGGREGATE_FAILED.code} the aggregation could not complete: ${(err as Error).message}`);
    }
  }

  private count(v: DynamicValue | undefined, mc: MessageContext): number {
    if (!v) return -1;
    const s = v.resolve(mc).trim();
    const n = Number(s);
    if (s === '' || !Number.isFinite(n)) throw new MiError(Errors.MEDIATION_ERROR, `aggregate: the messageCount '${s}' is not a number`);
    return Math.trunc(n);
  }

  /**
   * completeAggregate: the aggregated message (a copy of the first collected one with the merged payload)
   * runs onComplete as a branch of the exchange. The message that completed it goes on after the aggregate,
   * with the aggregated payload, when onComplete returns true.
   */
  private complete(agg: Aggregation, completing: MessageContext | undefined): Promise<boolean> | false {
    if (!agg.finish()) return false;
    const first = agg.messages[0]!;
    const aggregated = first.exchange.branch(first, first.payload.copy());
    const messages = agg.messages.slice();
    const step = {
      mediate: (m: MessageContext): boolean | Promise<boolean> => {
        m.payload = mergeMessages(this.merge, messages, m);
        const seq = this.onComplete ?? m.runtime.sequence(this.onCompleteKey!);
        if (!seq) throw new MiError(Errors.SPLIT_TARGET_MISSING, 'Unable to find the sequence for the mediation of the aggregated message');
        return seq.mediate(m);
      },
    };
    return aggregated.exchange.runBranch(aggregated, step).then((ok) => {
      if (ok && completing) completing.payload = aggregated.payload.copy();
      return ok;
    });
  }
}

function parseCount(el: Element, ctx: ParseContext, name: 'min' | 'max'): DynamicValue | undefined {
  const raw = el.getAttribute(name);
  if (raw === null) return undefined;
  const v = ctx.dynamic(el, raw);
  if (v.isStatic && !Number.isFinite(Number(raw.trim()))) ctx.fail(el, Errors.SPLIT_CONFIG, `messageCount ${name} must be a number or an {expression}, not '${raw}'`);
  return v;
}

export const aggregate: MediatorDef = {
  tag: 'aggregate',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['id', 'description']);
    let correlateOn: Expression | undefined;
    let timeoutMs = 0;
    let min: DynamicValue | undefined;
    let max: DynamicValue | undefined;
    let merge: MergeSpec | undefined;
    let onComplete: Sequence | undefined;
    let onCompleteKey: string | undefined;
    for (const c of childElements(el)) {
      if (c.localName === 'correlateOn') {
        const ca = ctx.attrs(c, ['expression']);
        const e = ca.get('expression');
        if (e !== undefined) correlateOn = ctx.expression(c, e);
      } else if (c.localName === 'completeCondition') {
        const cc = ctx.attrs(c, ['timeout']);
        const t = cc.get('timeout');
        if (t !== undefined) {
          const n = Number(t.trim());
          if (!Number.isInteger(n) || n < 0) ctx.fail(c, Errors.SPLIT_CONFIG, `completeCondition timeout is a whole number of seconds, not '${t}'`);
          timeoutMs = n * 1000;
        }
        for (const m of childElements(c)) {
          if (m.localName !== 'messageCount') ctx.fail(m, Errors.UNKNOWN_ELEMENT, `<${m.localName}> is not allowed in <completeCondition>; use <messageCount>`);
          ctx.attrs(m, ['min', 'max']);
          min = parseCount(m, ctx, 'min');
          max = parseCount(m, ctx, 'max');
        }
      } else if (c.localName === 'onComplete') {
        const oc = ctx.attrs(c, ['expression', 'sequence', 'enclosingElementProperty', 'aggregateElementType']);
        const type = (oc.get('aggregateElementType') ?? 'root').trim();
        if (type !== 'root' && type !== 'child') ctx.fail(c, Errors.SPLIT_CONFIG, `aggregateElementType is root or child, not '${type}'`);
        const src = oc.get('expression');
        let expression: Expression;
        if (src === undefined) expression = compileExpression(FIRST_BODY_CHILD, { s11: SOAP11_NS, s12: SOAP12_NS });
        else {
          const json = src.trim().startsWith('json-eval(');
          // child (XML): the children of the selected elements are aggregated
          expression = ctx.expression(c, type === 'child' && !json && !src.trim().endsWith('*') ? `${src.trim()}/*` : src);
        }
        merge = { expression, json: jsonSplitPath(expression), enclosingProperty: oc.get('enclosingElementProperty'), elementType: type as 'root' | 'child' };
        onCompleteKey = oc.get('sequence');
        if (onCompleteKey !== undefined) ctx.ref(c, 'sequence', onCompleteKey);
        // an empty onComplete drops the aggregated message, as Synapse's factory makes it
        else onComplete = new Sequence('aggregate-onComplete', ctx.mediatorList(c), undefined, ctx.file);
      } else {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <aggregate>; use <correlateOn>, <completeCondition>, <onComplete>`);
      }
    }
    if (!merge) ctx.fail(el, Errors.SPLIT_CONFIG, '<aggregate> needs an <onComplete> (the sequence the aggregated message runs)');
    return new AggregateMediator(a.get('id'), correlateOn, timeoutMs, min, max, merge!, onComplete, onCompleteKey);
  },
};
