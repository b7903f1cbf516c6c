/**
 * <scatter-gather> (Micro Integrator 4.4, Synapse's v2 ScatterGather): a copy of the message runs each
 * <sequence>, in parallel (default) or one after another with parallel-execution="false"; each copy whose
 * sequence runs to its end (after its calls answered) is aggregated if the <aggregation condition> is "true"
 * (or there is none). The aggregation completes when every copy arrived, or min-messages / max-messages is
 * reached, or `timeout` milliseconds pass; the aggregated message (scatter-gather-result.ts) then goes on
 * with the mediators after this one, in place of the message that entered.
 *
 * Built on the split machinery: each copy is a branch of the exchange (its own properties, calls, fault
 * sequence; a reply it makes answers the client); the aggregation waits on the branches here. A copy that
 * fails or is not aggregated cannot come later, so once every branch has ended the aggregation completes with
 * what arrived, as the aggregate mediator does. target="Variable" (Micro Integrator 4.4 variables) is refused
 * when the artifact deploys (MI_ART_074).
 */
import { randomBytes } from 'node:crypto';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import type { DynamicValue } from '../expr/expression.js';
import { MiError } from '../errors.js';
import { childElements } from '../xml/dom.js';
import type { Mediator } from './mediator.js';
import type { MediatorDef } from './mediator-def.js';
import { Sequence } from './sequence.js';
import { compileSynapsePath, type SynapsePath } from './synapse-path.js';
import { applyAggregation, type ResultSpec } from './scatter-gather-result.js';
import { checkPartCount } from './split-target.js';
import { Gate, MAX_PARALLEL_BRANCHES } from './split-limits.js';
import { AGGREGATE_CORRELATION, MESSAGE_SEQUENCE, messageIdOf } from './iterate.js';

const LOGGER = 'org.apache.synapse.mediators.v2.ScatterGather';

interface Completion {
  readonly timeoutMs: number;
  readonly min: DynamicValue | undefined;
  readonly max: DynamicValue | undefined;
  readonly condition: SynapsePath | undefined;
}

class ScatterGatherMediator implements Mediator {
  readonly tag = 'scatter-gather';
  readonly contentAware = true;
  /** Synapse's random id: the suffix of the correlation properties on each copy. */
  private readonly id = BigInt.asIntN(64, randomBytes(8).readBigUInt64BE()).toString();

  constructor(
    private readonly sequences: readonly Sequence[],
    private readonly parallel: boolean,
    private readonly result: ResultSpec,
    private readonly completion: Completion,
  ) {}

  mediate(mc: MessageContext): Promise<boolean> {
    const count = this.sequences.length;
    checkPartCount(count, 'scatter-gather');
    const min = count0(this.completion.min, mc);
    const max = count0(this.completion.max, mc);
    const parentId = messageIdOf(mc);
    const arrived: MessageContext[] = [];
    let ended = 0;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let finish!: (ok: boolean) => void;
    let fail!: (err: unknown) => void;
    const outcome = new Promise<boolean>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const complete = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (arrived.length === 0) {
        // nothing to go on with: the branches' own faults or replies answer the client
        mc.runtime.logs.get(LOGGER).warn('An aggregation of messages timed out with no aggregated messages');
        finish(false);
        return;
      }
      try {
        applyAggregation(this.result, arrived, mc);
        // a branch may have answered the client already: the flow does not go on to answer it again
        finish(!mc.reply);
      } catch (err) {
        fail(err);
      }
    };
    const isComplete = (): boolean => arrived.length >= count || (min > 0 && arrived.length >= min) || (max > 0 && arrived.length >= max);
    /** A branch ran to its end (ok) or not; aggregates it when it may. */
    const onEnded = async (part: MessageContext, ok: boolean): Promise<void> => {
      ended++;
      if (done) return;
      try {
        if (ok) {
          // the answer of a call in the branch may still be unread (RelayUtils.buildMessage)
          await part.payload.load();
          const cond = this.completion.condition;
          if ((!cond || cond.stringValue(part).toLowerCase() === 'true') && !(max > 0 && arrived.length >= max)) arrived.push(part);
        }
      } catch (err) {
        done = true;
        clearTimeout(timer);
        fail(err);
        return;
      }
      if (isComplete() || ended === count) complete();
    };
    if (this.completion.timeoutMs > 0) {
      timer = setTimeout(complete, this.completion.timeoutMs);
      mc.exchange.scope.onDispose(() => clearTimeout(timer));
    }
    const parts = this.sequences.map((seq, i) => {
      const part = mc.exchange.branch(mc, mc.payload.copy());
      part.props.set('SCATTER_MESSAGES', true);
      part.props.set(`${AGGREGATE_CORRELATION}.${this.id}`, parentId);
      part.props.set(`${MESSAGE_SEQUENCE}.${this.id}`, `${i}/${count}`);
      return { part, seq };
    });
    if (this.parallel) {
      const gate = count > MAX_PARALLEL_BRANCHES ? new Gate(MAX_PARALLEL_BRANCHES) : undefined;
      for (const { part, seq } of parts) void mc.exchange.runBranch(part, seq, gate).then((ok) => onEnded(part, ok));
    } else {
      void (async () => {
        for (const { part, seq } of parts) {
          if (done) break; // complete already: the copies left do not run
          const ok = await mc.exchange.runBranch(part, seq);
          await onEnded(part, ok);
        }
      })();
    }
    return outcome;
  }
}

/** min-messages / max-messages: a number or an {expression}; -1 (none) when absent. */
function count0(v: DynamicValue | undefined, mc: MessageContext): number {
  if (!v) return -1;
  const s = v.resolve(mc).trim();
  const n = Number(s);
  if (s === '' || !Number.isFinite(n)) throw new MiError(Errors.SCATTER_GATHER_FAILED, `scatter-gather: the message count '${s}' is not a number`);
  return Math.trunc(n);
}

function parseCount(el: Element, ctx: Parameters<MediatorDef['parse']>[1], name: string): DynamicValue | undefined {
  const raw = el.getAttribute(name);
  if (raw === null) return undefined;
  const v = ctx.dynamic(el, raw);
  if (v.isStatic && !Number.isFinite(Number(raw.trim()))) ctx.fail(el, Errors.SCATTER_GATHER_CONFIG, `${name} must be a number or an {expression}, not '${raw}'`);
  return v;
}

/** An XML element name (result-enclosing-element): a QName without a namespace. */
const XML_NAME = /^[A-Za-z_][\w.-]*$/;

export const scatterGather: MediatorDef = {
  tag: 'scatter-gather',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['parallel-execution', 'target', 'target-variable', 'result-content-type', 'result-enclosing-element', 'description']);
    const target = a.get('target') ?? 'Body';
    if (target.toLowerCase() === 'variable') {
      ctx.fail(el, Errors.SCATTER_GATHER_VARIABLE, `target="${target}"${a.get('target-variable') ? ` (target-variable="${a.get('target-variable')}")` : ''}: Micro Integrator 4.4 variables are not supported by this runtime; use target="Body"`);
    }
    if (target.toLowerCase() !== 'body') ctx.fail(el, Errors.SCATTER_GATHER_CONFIG, `target must be Body or Variable, not '${target}'`);
    const type = a.get('result-content-type') ?? 'JSON';
    if (type !== 'JSON' && type !== 'XML') ctx.fail(el, Errors.SCATTER_GATHER_CONFIG, "The 'result-content-type' attribute should be either 'JSON' or 'XML'");
    const root = a.get('result-enclosing-element');
    if (type === 'XML') {
      if (!root || !root.trim()) ctx.fail(el, Errors.SCATTER_GATHER_CONFIG, "The 'result-enclosing-element' attribute is required for the configuration of a Scatter Gather mediator when the 'result-content-type' is 'XML'");
      if (!XML_NAME.test(root!.trim())) ctx.fail(el, Errors.SCATTER_GATHER_CONFIG, `result-enclosing-element '${root}' is not an XML element name`);
    }
    let value: SynapsePath | undefined;
    let completion: Completion = { timeoutMs: 0, min: undefined, max: undefined, condition: undefined };
    const sequences: Sequence[] = [];
    for (const c of childElements(el)) {
      if (c.localName === 'aggregation') {
        const g = ctx.attrs(c, ['expression', 'condition', 'timeout', 'min-messages', 'max-messages']);
        const expr = g.get('expression');
        if (expr !== undefined) value = compileSynapsePath(c, ctx, expr);
        const cond = g.get('condition');
        const t = g.get('timeout');
        if (t !== undefined && !/^\d+$/.test(t.trim())) ctx.fail(c, Errors.SCATTER_GATHER_CONFIG, `timeout is a whole number of milliseconds, not '${t}'`);
        completion = {
          timeoutMs: t === undefined ? 0 : Number(t.trim()),
          min: parseCount(c, ctx, 'min-messages'),
          max: parseCount(c, ctx, 'max-messages'),
          condition: cond === undefined ? undefined : compileSynapsePath(c, ctx, cond),
        };
      } else if (c.localName === 'sequence') {
        const s = ctx.attrs(c, ['onError', 'description', 'name']);
        if (s.get('onError') !== undefined) ctx.ref(c, 'sequence', s.get('onError')!);
        sequences.push(new Sequence('scatter-gather-sequence', ctx.mediatorList(c), s.get('onError'), ctx.file));
      } else if (c.localName !== 'description') {
        ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <scatter-gather>; use <aggregation> and <sequence>`);
      }
    }
    if (sequences.length === 0) ctx.fail(el, Errors.SCATTER_GATHER_CONFIG, '<scatter-gather> needs at least one <sequence>');
    // by default the whole body is aggregated
    value ??= compileSynapsePath(el, ctx, '${payload}');
    return new ScatterGatherMediator(sequences, a.get('parallel-execution') !== 'false', { json: type === 'JSON', root: root?.trim(), value }, completion);
  },
};
