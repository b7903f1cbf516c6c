/**
 * The <target> of iterate and clone (Synapse's Target): where a part goes. An optional soapAction and To
 * address are set on the part; then its sequence (inline or by key) runs, else it is sent to the endpoint
 * (inline or by key). A branch whose sequence made a call resumes the sequence that holds the split mediator,
 * after it, with the call's answer (MI's continuation): that is how `clone`/`iterate` with `call` followed by
 * `aggregate` in the same in-sequence works.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext, Step } from '../context/message-context.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { parseEndpoint } from '../endpoints/parse.js';
import { Errors, MiError } from '../errors.js';
import { childElements } from '../xml/dom.js';
import { andThen, runList, type Mediator } from './mediator.js';
import { Sequence } from './sequence.js';
import { Gate, MAX_PARALLEL_BRANCHES, MAX_SPLIT_PARTS } from './split-limits.js';

export class SplitTarget implements Step {
  /** The mediators after the split mediator in its list, set at deploy time. */
  rest: readonly Mediator[] = [];

  constructor(
    private readonly sequence: Mediator | undefined,
    private readonly sequenceKey: string | undefined,
    private readonly endpoint: Endpoint | undefined,
    private readonly endpointKey: string | undefined,
    private readonly soapAction: string | undefined,
    private readonly to: string | undefined,
  ) {}

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (this.soapAction !== undefined) mc.soapAction = this.soapAction;
    if (this.to !== undefined) mc.to = this.to;
    let seq: Step | undefined = this.sequence;
    if (!seq && this.sequenceKey !== undefined) {
      seq = mc.runtime.sequence(this.sequenceKey);
      if (!seq) throw new MiError(Errors.SPLIT_TARGET_MISSING, `Couldn't find the sequence named : ${this.sequenceKey}`);
    }
    if (seq) {
      return andThen(seq.mediate(mc), (ok) => (ok && this.rest.length > 0 && mc.exchange.madeCall(mc) ? runList(this.rest, mc) : ok));
    }
    let ep = this.endpoint;
    if (!ep && this.endpointKey !== undefined) {
      ep = mc.runtime.endpoint(this.endpointKey) as Endpoint | undefined;
      if (!ep) throw new MiError(Errors.SPLIT_TARGET_MISSING, `Couldn't find the endpoint named : ${this.endpointKey}`);
    }
    if (ep) mc.exchange.send(ep, undefined);
    return true;
  }
}

/** Parses one <target> (the attributes and children Synapse's TargetFactory reads). */
export function parseTarget(el: Element, ctx: ParseContext, owner: string): SplitTarget {
  const a = ctx.attrs(el, ['sequence', 'endpoint', 'soapAction', 'to', 'description']);
  let sequence: Mediator | undefined;
  let endpoint: Endpoint | undefined;
  const sequenceKey = a.get('sequence');
  const endpointKey = a.get('endpoint');
  for (const c of childElements(el)) {
    if (c.localName === 'sequence' && sequenceKey === undefined) {
      const s = ctx.attrs(c, ['onError', 'description', 'name']);
      sequence = new Sequence(`${owner}-target`, ctx.mediatorList(c), s.get('onError'), ctx.file);
      if (s.get('onError') !== undefined) ctx.ref(c, 'sequence', s.get('onError')!);
    } else if (c.localName === 'endpoint' && endpointKey === undefined) {
      endpoint = parseEndpoint(c, ctx);
    } else {
      ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in the <target> of <${owner}>; use one <sequence> or <endpoint>, or the sequence/endpoint attributes`);
    }
  }
  if (sequenceKey !== undefined) ctx.ref(el, 'sequence', sequenceKey);
  if (endpointKey !== undefined) ctx.ref(el, 'endpoint', endpointKey);
  if (!sequence && sequenceKey === undefined && !endpoint && endpointKey === undefined) {
    ctx.fail(el, Errors.SPLIT_CONFIG, `the <target> of <${owner}> needs a sequence or an endpoint (inline, or the sequence/endpoint attribute)`);
  }
  return new SplitTarget(sequence, sequenceKey, endpoint, endpointKey, a.get('soapAction'), a.get('to'));
}

/** Refuses a split into more parts than one message may make (MI_MED_040), before any part starts. */
export function checkPartCount(count: number, owner: string): void {
  if (count > MAX_SPLIT_PARTS) {
    throw new MiError(Errors.SPLIT_TOO_MANY_PARTS, `${owner} would make ${count} parts; one message may make at most ${MAX_SPLIT_PARTS}`);
  }
}

/**
 * Runs the parts as branches of the exchange: in parallel (at most MAX_PARALLEL_BRANCHES at once, the
 * exchange counting every part as running from the start), or one after another when `sequential`.
 */
export function runParts(parts: readonly { mc: MessageContext; target: Step }[], sequential: boolean): void | Promise<void> {
  if (sequential) {
    return (async () => {
      for (const p of parts) await p.mc.exchange.runBranch(p.mc, p.target);
    })();
  }
  const gate = parts.length > MAX_PARALLEL_BRANCHES ? new Gate(MAX_PARALLEL_BRANCHES) : undefined;
  for (const p of parts) void p.mc.exchange.runBranch(p.mc, p.target, gate);
}
