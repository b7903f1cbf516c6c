/**
 * One request, from the moment dispatch has matched it to the reply. The exchange owns the phases, in order:
 *
 *   access -> request hooks -> in-flow -> [request-out -> endpoint -> response-in] -> out-flow
 *          -> response hooks -> reply
 *
 * and the flow state: which route (API, resource, sequences), the outstanding sends, whether a loopback was
 * asked for and which hooks already ran. Mediators ask for send, call and loopback through the message
 * context's ExchangeControl; callEndpoint() is the one way to an endpoint for both. A throw anywhere sets
 * ERROR_* and runs the innermost fault handler; the exchange always ends with a reply.
 *
 * Everything optional costs nothing when absent: no access phase for an open route, no hook chain when no
 * handler has that hook, and a synchronous in-flow stays synchronous.
 */
import type { ApiInfo, ResourceInfo } from '../context/handler-contract.js';
import { MessageContext, releaseStream, type BranchGate, type Deliverable, type EntryPoint, type ExchangeControl, type FaultHandler, type InboundRequest, type Reply, type Step } from '../context/message-context.js';
import type { Payload } from '../context/payload.js';
import { ExchangeScope } from '../context/exchange-scope.js';
import { copyMessage } from '../context/message-copy.js';
import { BranchFlow, type BranchHost } from './branch-flow.js';
import { kindOfContentType } from '../context/payload.js';
import { replyWhenReady } from '../context/reply.js';
import type { TransportHeaders } from '../context/transport-headers.js';
import { defaultFaultReply, setErrorProperties } from '../context/fault.js';
import type { Api, ApiResource } from '../artifacts/model.js';
import type { Mediator } from '../mediators/mediator.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import type { HookChain } from '../handlers/hook-chain.js';
import type { GlobalHandlers } from '../handlers/global-handlers.js';
import { runOnReply } from '../handlers/reply-view.js';
import type { AccessPhase } from '../security/policies/access-phase.js';
import type { Runtime } from '../runtime.js';
import type { RequestStats } from '../observability/request-stats.js';

/** What an exchange runs: built once per deployed proxy, API resource or built-in entry, never per request. */
export interface Route {
  readonly entry: EntryPoint;
  readonly inSequence: Mediator | undefined;
  readonly outSequence: Mediator | undefined;
  /** The proxy's or resource's faultSequence as a fault handler; undefined = the `fault` sequence. */
  readonly faultHandler: FaultHandler | undefined;
  /** A proxy's target endpoint: used when the in-flow ends without sending or answering. */
  readonly endpoint: Endpoint | undefined;
  /** The access policies, sorted at deploy; null when none, so an open route pays nothing. */
  readonly access: AccessPhase | null;
  readonly api: Api | undefined;
  readonly resource: ApiResource | undefined;
  /** The API's handleResponse does not run (a request that matched no resource of the API). */
  readonly skipApiResponse: boolean;
  /** The answer when there is nothing to mediate (405/404 of an API without a handler sequence). */
  readonly fixedReply: (() => Reply) | undefined;
  /** The proxy's or resource's metrics, made at deploy; undefined (metrics off, main sequence) costs nothing. */
  readonly stats?: RequestStats | undefined;
}

const DEFAULT_FAULT: FaultHandler = { name: 'fault', handleFault: () => true };
/** callEndpoint's result when no hook can stop the flow (one function, not a closure per request). */
const sent = (): boolean => true;

export class Exchange implements ExchangeControl, BranchHost {
  readonly mc: MessageContext;
  /** State shared by the message and its split branches; made on first use, dropped (timers cancelled) when the exchange ends. */
  private ownScope: ExchangeScope | undefined;
  /** Split branches still running, and the wake-up of a flow waiting for them. */
  private liveBranches = 0;
  private branchWake: (() => void) | undefined;
  /** The last failure of a branch whose fault handler did not answer. */
  private branchError: { mc: MessageContext; err: unknown } | undefined;
  private readonly globals: GlobalHandlers | undefined;
  /** Outstanding non-blocking sends, awaited before the exchange ends. */
  private pending: Promise<void>[] | undefined;
  private sent = false;
  private loopbackAsked = false;
  private apiResponseDone: boolean;
  private endHooks: (() => void)[] | undefined;
  /** When the request came in (metrics on only), and the ERROR_CODE of its first fault. */
  private readonly startedAt: number;
  private faultCode: unknown = undefined;

  constructor(
    private readonly runtime: Runtime,
    private readonly route: Route,
    inbound: InboundRequest,
    headers: TransportHeaders,
    payload: Payload,
  ) {
    this.globals = runtime.globalHandlers;
    this.apiResponseDone = route.skipApiResponse;
    this.mc = new MessageContext(runtime, inbound, headers, payload, route.entry, this);
    if (runtime.tracing !== undefined) runtime.tracing.begin(this.mc); // OpenTelemetry: off = one field check
    this.startedAt = route.stats === undefined ? 0 : route.stats.begin();
  }

  get api(): ApiInfo | undefined {
    return this.route.api;
  }

  get resource(): ResourceInfo | undefined {
    return this.route.resource;
  }

  /** The whole exchange; resolves with the reply (never rejects for a mediation failure). */
  async run(): Promise<Reply> {
    const mc = this.mc;
    try {
      const access = this.route.access;
      if (access !== null) {
        let refused = access.check(mc, this.runtime);
        if (refused instanceof Promise) refused = await refused;
        if (refused !== undefined) {
          // refused before any request hook or mediation; the global response-out hook still sees the reply
          releaseStream(mc.payload.takeStream());
          mc.reply = refused;
          this.apiResponseDone = true;
          return await this.finish();
        }
      }
      let ok = this.requestHooks();
      if (ok !== true) ok = await ok;
      if (!ok) {
        this.apiResponseDone = true; // stopped before mediation: there is no response to hook
        return await this.finish();
      }
      const fixed = this.route.fixedReply;
      if (fixed !== undefined && this.route.inSequence === undefined) {
        releaseStream(mc.payload.takeStream());
        mc.reply = fixed();
      } else {
        await this.mediate();
      }
      const reply = this.finish();
      // awaited only when a hook made it a promise: awaiting a plain value costs a promise and a turn
      return reply instanceof Promise ? await reply : reply;
    } finally {
      this.ownScope?.dispose();
      const hooks = this.endHooks;
      if (hooks) for (const f of hooks) f();
      const stats = this.route.stats;
      if (stats !== undefined) stats.end(this.startedAt, this.faultCode);
    }
  }

  onEnd(fn: () => void): void {
    (this.endHooks ??= []).push(fn);
  }

  // --- what mediators ask for ---

  send(endpoint: Deliverable, receive: Step | undefined): void {
    const sending = this.sendAndContinue(endpoint, receive);
    // a one-element literal for the usual single send: push() onto [] reserves room for 16
    if (this.pending === undefined) this.pending = [sending];
    else this.pending.push(sending);
  }

  call(endpoint: Deliverable): Promise<boolean> {
    return this.callEndpoint(endpoint);
  }

  callFor(endpoint: Deliverable, out: MessageContext): Promise<boolean> {
    return this.callEndpoint(endpoint, out);
  }

  loopback(): void {
    if (!this.mc.isResponse) this.loopbackAsked = true;
  }

  get scope(): ExchangeScope {
    return (this.ownScope ??= new ExchangeScope());
  }

  get outSequence(): Step | undefined {
    return this.route.outSequence;
  }

  branch(mc: MessageContext, payload: Payload): MessageContext {
    const flow = new BranchFlow(this);
    flow.mc = copyMessage(mc, payload, flow);
    return flow.mc;
  }

  runBranch(mc: MessageContext, step: Step, gate?: BranchGate): Promise<boolean> {
    const flow = mc.exchange;
    if (!(flow instanceof BranchFlow)) throw new Error('runBranch() needs a message made by branch()');
    this.liveBranches++;
    const waiting = gate?.enter();
    const run = waiting ? waiting.then(() => flow.run(step)) : flow.run(step);
    return run.finally(() => {
      gate?.leave();
      this.liveBranches--;
      this.wake();
    });
  }

  madeCall(mc: MessageContext): boolean {
    return mc.exchange instanceof BranchFlow && mc.exchange.called;
  }

  offerReply(reply: Reply): void {
    if (!this.mc.reply) this.mc.reply = reply;
    else if (this.mc.reply !== reply && reply.body && !Buffer.isBuffer(reply.body)) releaseStream(reply.body);
    this.wake();
  }

  branchFailed(mc: MessageContext, err: unknown): void {
    this.branchError = { mc, err };
  }

  private wake(): void {
    const w = this.branchWake;
    this.branchWake = undefined;
    if (w) w();
  }

  /**
   * Waits for the split branches until one answered the client or none is left running; when none is left
   * and nothing answered, the idle steps complete what is waiting (an aggregation with the parts that arrived).
   * A branch that failed without answering answers with its fault when nothing else did.
   */
  private async awaitBranches(): Promise<void> {
    const mc = this.mc;
    for (;;) {
      if (mc.reply) return;
      if (this.liveBranches > 0) {
        await new Promise<void>((resolve) => (this.branchWake = resolve));
        continue;
      }
      if (this.ownScope === undefined || !this.ownScope.idle()) break;
    }
    const failed = this.branchError;
    if (failed && !mc.reply) {
      for (const k of ['ERROR_CODE', 'ERROR_MESSAGE', 'ERROR_DETAIL', 'ERROR_EXCEPTION']) mc.props.set(k, failed.mc.props.get(k));
      this.faultCode ??= mc.props.get('ERROR_CODE') ?? '';
      mc.error = failed.mc.error;
      defaultFaultReply(mc, failed.err);
    }
  }

  // --- the phases ---

  /**
   * The request hooks, before any mediation: the global handleRequestInFlow, then the API's handleRequest,
   * in order. False means stop, with the reply set. Synchronous while the handlers are.
   */
  private requestHooks(): boolean | Promise<boolean> {
    const g = this.globals?.requestIn;
    const a = this.route.api?.handlers?.request;
    if (g) {
      const r = g.run(this.mc);
      if (r === false) return false;
      if (r !== true) return r.then((ok) => ok && (a ? a.run(this.mc) : true));
    }
    return a ? a.run(this.mc) : true;
  }

  /** The in-flow, the proxy's target endpoint if the in-flow did not answer, outstanding sends, loopback. */
  private async mediate(): Promise<void> {
    const mc = this.mc;
    const route = this.route;
    mc.requestKind = mc.payload.isReady ? mc.payload.kind : kindOfContentType(mc.payload.contentType);
    const handler = route.faultHandler ?? mc.runtime.faultHandler('fault') ?? DEFAULT_FAULT;
    // the first handler as a one-element literal: push() onto [] reserves room for 16
    if (mc.faultStack.length === 0) mc.faultStack = [handler];
    else mc.faultStack.push(handler);
    const seq = route.inSequence;
    let cont = seq ? this.guarded(() => seq.mediate(mc)) : true;
    if (typeof cont !== 'boolean') cont = await cont;
    if (mc.reply && !this.pending) return;
    if (cont && !this.sent && !mc.reply && route.endpoint) this.send(route.endpoint, undefined);
    const only = this.pending;
    if (only !== undefined && only.length === 1) {
      // the usual single send, awaited here: settlePending() would add a frame and a turn
      this.pending = undefined;
      await only[0];
    }
    if (this.pending !== undefined) await this.settlePending();
    if (this.liveBranches > 0 || !mc.reply) await this.awaitBranches();
    if (mc.reply) return;
    if (this.loopbackAsked) {
      this.loopbackAsked = false;
      mc.isResponse = true;
      await this.outFlow(route.outSequence);
      return;
    }
    // The flow ended without answering (drop, or a sequence that never responds): 202, as for OUT_ONLY.
    mc.reply = { status: 202, headers: {}, body: undefined };
  }

  /**
   * The one way to an endpoint, for send and call alike: the global request-out hooks, the endpoint, the
   * global response-in hooks. False when a hook stopped the flow (the reply is set); an endpoint failure
   * is thrown.
   */
  callEndpoint(endpoint: Deliverable, mc: MessageContext = this.mc): Promise<boolean> {
    mc.endpointHops = 0; // named-endpoint references followed by this send (endpoints/indirect.ts)
    const g = this.globals;
    if (!g?.requestOut && !g?.responseIn) return endpoint.send(mc).then(sent);
    return this.callWithHooks(endpoint, mc, g);
  }

  private async callWithHooks(endpoint: Deliverable, mc: MessageContext, g: GlobalHandlers): Promise<boolean> {
    if (g.requestOut && !(await g.requestOut.run(mc))) return false;
    await endpoint.send(mc);
    if (g.responseIn && !(await g.responseIn.run(mc))) return false;
    return true;
  }

  /** send: to the endpoint, then the out-flow (or `receive`); a failure goes to the fault handler in force when sent. */
  private async sendAndContinue(endpoint: Deliverable, receive: Step | undefined): Promise<void> {
    const mc = this.mc;
    this.sent = true;
    // the fault handlers in force when the message was sent handle its failure (the in-flow may have moved on)
    const handler = mc.faultStack[mc.faultStack.length - 1];
    let ok: boolean;
    try {
      ok = await this.callEndpoint(endpoint);
    } catch (err) {
      if (handler && mc.faultStack[mc.faultStack.length - 1] !== handler) mc.faultStack.push(handler);
      return this.handleFault(err);
    }
    if (ok) await this.outFlow(receive ?? this.route.outSequence);
  }

  /** After an endpoint answered (or loopback): the API's handleResponse once, the out sequence, else send back. */
  private async outFlow(seq: Step | undefined): Promise<void> {
    const mc = this.mc;
    const hooks = this.route.api?.handlers?.response;
    if (hooks && !this.apiResponseDone && mc.error === undefined) {
      this.apiResponseDone = true;
      let ok = hooks.run(mc);
      if (typeof ok !== 'boolean') ok = await ok;
      if (!ok) return; // the chain set the reply
    }
    if (seq) {
      const r = this.guarded(() => seq.mediate(mc));
      if (typeof r !== 'boolean') await r;
      if (this.pending) await this.settlePending();
      if (this.liveBranches > 0) await this.awaitBranches();
    }
    if (!mc.reply) {
      try {
        const loading = replyWhenReady(mc);
        if (loading) await loading;
      } catch (err) {
        await this.handleFault(err); // the body could not be read for the format change
      }
    }
  }

  /**
   * The response hooks that have not run yet, then the reply: the API's handleResponse on a reply the in-flow
   * made (respond; not on faults, and only once), then the global handleResponseOutFlow on every reply.
   */
  private finish(): Reply | Promise<Reply> {
    const mc = this.mc;
    const a: HookChain | undefined = this.route.api?.handlers?.response;
    const g = this.globals?.responseOut;
    let r: void | Promise<void> = undefined;
    if (a && !this.apiResponseDone && mc.error === undefined) {
      this.apiResponseDone = true;
      r = runOnReply(mc, a);
    }
    if (g) r = r ? r.then(() => runOnReply(mc, g)) : runOnReply(mc, g);
    return r ? r.then(() => mc.reply!) : mc.reply!;
  }

  private async settlePending(): Promise<void> {
    while (this.pending && this.pending.length) {
      const p = this.pending;
      this.pending = undefined;
      if (p.length === 1) await p[0];
      else await Promise.all(p);
    }
  }

  /**
   * Runs a step; on a throw, runs the innermost fault handler. Never throws. A step that finishes
   * synchronously (the usual in/out sequence) stays synchronous: no promise on the request path.
   */
  private guarded(step: () => boolean | Promise<boolean>): boolean | Promise<boolean> {
    let r: boolean | Promise<boolean>;
    try {
      r = step();
    } catch (err) {
      return this.handleFault(err).then(() => false);
    }
    if (typeof r === 'boolean') return r;
    return r.catch((err) => this.handleFault(err).then(() => false));
  }

  private async handleFault(err: unknown): Promise<void> {
    const mc = this.mc;
    setErrorProperties(mc, err);
    // the metrics count a request with a fault once, under its first code (Micro Integrator's handleError)
    this.faultCode ??= mc.props.get('ERROR_CODE') ?? '';
    const handler = mc.faultStack.pop() ?? DEFAULT_FAULT;
    this.pending = undefined;
    try {
      await handler.handleFault(mc);
      await this.settlePending();
    } catch (second) {
      // a failing fault sequence must still answer the client
      setErrorProperties(mc, second);
      mc.reply = undefined;
    }
    if (!mc.reply) defaultFaultReply(mc, mc.error ?? err);
  }
}
