/**
 * The flow of one split branch (a message iterate or clone made, or an aggregated message): what the exchange
 * does for the client's message, done for a copy inside the same exchange. Its sends go through the same
 * global hooks to the endpoint and come back through the out-sequence; a failure runs the branch's own fault
 * stack; a reply it makes is offered to the client (the first one wins). The host (the client's exchange)
 * counts running branches and waits for them.
 */
import type { ApiInfo, ResourceInfo } from '../context/handler-contract.js';
import type { BranchGate, Deliverable, ExchangeControl, MessageContext, Reply, Step } from '../context/message-context.js';
import type { ExchangeScope } from '../context/exchange-scope.js';
import type { Payload } from '../context/payload.js';
import { replyWhenReady } from '../context/reply.js';
import { setErrorProperties } from '../context/fault.js';

/** What a branch needs of the client's exchange. */
export interface BranchHost {
  readonly api: ApiInfo | undefined;
  readonly resource: ResourceInfo | undefined;
  readonly scope: ExchangeScope;
  readonly outSequence: Step | undefined;
  callEndpoint(endpoint: Deliverable, mc: MessageContext): Promise<boolean>;
  branch(mc: MessageContext, payload: Payload): MessageContext;
  runBranch(mc: MessageContext, step: Step, gate?: BranchGate): Promise<boolean>;
  madeCall(mc: MessageContext): boolean;
  onEnd(fn: () => void): void;
  /** A reply a branch made: it answers the client unless another answered first. */
  offerReply(reply: Reply): void;
  /** A branch failed and its fault handler did not answer: the client gets this fault if nothing else answers. */
  branchFailed(mc: MessageContext, err: unknown): void;
}

export class BranchFlow implements ExchangeControl {
  /** Bound right after the copy is made (the copy needs this control, this control needs the copy). */
  mc!: MessageContext;
  /** The flow made a call: MI resumes the enclosing sequence after its answer. */
  called = false;
  private pending: Promise<void>[] | undefined;
  private loopbackAsked = false;

  constructor(private readonly host: BranchHost) {}

  get api(): ApiInfo | undefined {
    return this.host.api;
  }

  get resource(): ResourceInfo | undefined {
    return this.host.resource;
  }

  get scope(): ExchangeScope {
    return this.host.scope;
  }

  send(endpoint: Deliverable, receive: Step | undefined): void {
    (this.pending ??= []).push(this.sendAndContinue(endpoint, receive));
  }

  call(endpoint: Deliverable): Promise<boolean> {
    this.called = true;
    return this.host.callEndpoint(endpoint, this.mc);
  }

  callFor(endpoint: Deliverable, out: MessageContext): Promise<boolean> {
    return this.host.callEndpoint(endpoint, out);
  }

  loopback(): void {
    if (!this.mc.isResponse) this.loopbackAsked = true;
  }

  onEnd(fn: () => void): void {
    this.host.onEnd(fn);
  }

  branch(mc: MessageContext, payload: Payload): MessageContext {
    return this.host.branch(mc, payload);
  }

  runBranch(mc: MessageContext, step: Step, gate?: BranchGate): Promise<boolean> {
    return this.host.runBranch(mc, step, gate);
  }

  madeCall(mc: MessageContext): boolean {
    return this.host.madeCall(mc);
  }

  /** Runs the branch: the step, its outstanding sends, a loopback's out-flow; then offers its reply. Never rejects. */
  async run(step: Step): Promise<boolean> {
    const mc = this.mc;
    let ok = false;
    try {
      const r = step.mediate(mc);
      ok = typeof r === 'boolean' ? r : await r;
    } catch (err) {
      await this.handleFault(err);
    }
    await this.settle();
    if (!mc.reply && this.loopbackAsked) {
      this.loopbackAsked = false;
      mc.isResponse = true;
      await this.outFlow(this.host.outSequence);
    }
    if (mc.reply) this.host.offerReply(mc.reply);
    return ok && !mc.reply;
  }

  private async sendAndContinue(endpoint: Deliverable, receive: Step | undefined): Promise<void> {
    const mc = this.mc;
    const handler = mc.faultStack[mc.faultStack.length - 1];
    let ok: boolean;
    try {
      ok = await this.host.callEndpoint(endpoint, mc);
    } catch (err) {
      if (handler && mc.faultStack[mc.faultStack.length - 1] !== handler) mc.faultStack.push(handler);
      return this.handleFault(err);
    }
    if (ok) await this.outFlow(receive ?? this.host.outSequence);
  }

  /**
   * The response's way back: the out-sequence, then the default reply, but only when the sequence ran to its
   * end (an aggregate holding a part, or a drop, stops it: that part does not answer the client).
   */
  private async outFlow(seq: Step | undefined): Promise<void> {
    const mc = this.mc;
    try {
      if (seq) {
        const r = seq.mediate(mc);
        const ok = typeof r === 'boolean' ? r : await r;
        await this.settle();
        if (!ok || mc.reply) return;
      }
      const loading = replyWhenReady(mc);
      if (loading) await loading;
    } catch (err) {
      await this.handleFault(err);
    }
  }

  private async settle(): Promise<void> {
    while (this.pending && this.pending.length) {
      const p = this.pending;
      this.pending = undefined;
      await Promise.all(p);
    }
  }

  private async handleFault(err: unknown): Promise<void> {
    const mc = this.mc;
    setErrorProperties(mc, err);
    const handler = mc.faultStack.pop();
    this.pending = undefined;
    if (handler) {
      try {
        await handler.handleFault(mc);
        await this.settle();
      } catch (second) {
        setErrorProperties(mc, second);
        mc.reply = undefined;
      }
    }
    if (!mc.reply) this.host.branchFailed(mc, mc.error ?? err);
  }
}
