/**
 * The mediation flow of one exchange, shared by proxies, APIs and the main sequence:
 * in-flow -> (target endpoint) -> pending sends -> out-flow -> reply, with fault handling around each step.
 */
import type { FaultHandler, MessageContext } from '../context/message-context.js';
import { buildReply } from '../context/reply.js';
import { kindOfContentType } from '../context/payload.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import type { Mediator } from '../mediators/mediator.js';
import { defaultFaultReply, setErrorProperties } from './fault.js';

export interface FlowSpec {
  inSequence: Mediator | undefined;
  outSequence: Mediator | undefined;
  faultSequence: Mediator | undefined;
  /** Proxy target endpoint: used when the in-flow continues without sending. */
  endpoint: Endpoint | undefined;
}

const DEFAULT_FAULT: FaultHandler = {
  name: 'fault',
  handleFault: () => true,
};

const faultHandlers = new WeakMap<Mediator, FaultHandler>();
function entryFaultHandler(mc: MessageContext, seq: Mediator | undefined): FaultHandler {
  if (!seq) return mc.runtime.faultHandler('fault') ?? DEFAULT_FAULT;
  let h = faultHandlers.get(seq);
  if (!h) faultHandlers.set(seq, (h = { name: 'faultSequence', handleFault: (m) => seq.mediate(m) }));
  return h;
}

/**
 * Runs a step; on a throw, runs the innermost fault handler. Never throws. A step that finishes
 * synchronously (the usual in/out sequence) stays synchronous: no promise on the request path.
 */
function guarded(mc: MessageContext, step: () => boolean | Promise<boolean>): boolean | Promise<boolean> {
  let r: boolean | Promise<boolean>;
  try {
    r = step();
  } catch (err) {
    return handleFault(mc, err).then(() => false);
  }
  if (typeof r === 'boolean') return r;
  return r.catch((err) => handleFault(mc, err).then(() => false));
}

export async function handleFault(mc: MessageContext, err: unknown): Promise<void> {
  setErrorProperties(mc, err);
  const handler = mc.faultStack.pop() ?? DEFAULT_FAULT;
  mc.pending = undefined;
  try {
    await handler.handleFault(mc);
    if (mc.pending) await Promise.all(mc.pending);
  } catch (second) {
    // a failing fault sequence must still answer the client
    setErrorProperties(mc, second);
    mc.reply = undefined;
  }
  if (!mc.reply) defaultFaultReply(mc, mc.error ?? err);
}

/** After an endpoint answered: run the out sequence (or the given one), else send the response back. */
export async function runOutFlow(mc: MessageContext, seq: Mediator | undefined = mc.outSequence): Promise<void> {
  // the API's handleResponse, in document order, before the outSequence (once per exchange)
  const hooks = mc.api?.handlers?.response;
  if (hooks && !mc.responseHooksDone && mc.error === undefined) {
    mc.responseHooksDone = true;
    let ok = hooks.run(mc);
    if (typeof ok !== 'boolean') ok = await ok;
    if (!ok) return; // the chain set the reply
  }
  if (seq) {
    const r = guarded(mc, () => seq.mediate(mc));
    if (typeof r !== 'boolean') await r;
    if (mc.pending) await settlePending(mc);
  }
  if (!mc.reply) mc.reply = buildReply(mc);
}

async function settlePending(mc: MessageContext): Promise<void> {
  while (mc.pending && mc.pending.length) {
    const p = mc.pending;
    mc.pending = undefined;
    if (p.length === 1) await p[0];
    else await Promise.all(p);
  }
}

/** Runs `next` when a hook chain's result says continue; a stopped chain has set the reply. */
function continueIf(r: boolean | Promise<boolean>, next: () => Promise<void>): Promise<void> {
  if (r === true) return next();
  if (r === false) return Promise.resolve();
  return r.then((ok) => (ok ? next() : undefined));
}

/**
 * Hands the message to an endpoint and continues with the out-flow; failures go to the fault handler.
 * Global handlers see the request just before it leaves (request-out) and the response as it arrives
 * (response-in).
 */
export function sendAndContinue(mc: MessageContext, endpoint: Endpoint, receive: Mediator | undefined): Promise<void> {
  mc.sent = true;
  // the fault handlers in force when the message was sent handle its failure (the in-flow may have moved on)
  const handler = mc.faultStack[mc.faultStack.length - 1];
  const requestOut = mc.globalHandlers?.requestOut;
  if (requestOut) return continueIf(requestOut.run(mc), () => deliver(mc, endpoint, receive, handler));
  return deliver(mc, endpoint, receive, handler);
}

function deliver(mc: MessageContext, endpoint: Endpoint, receive: Mediator | undefined, handler: FaultHandler | undefined): Promise<void> {
  const responseIn = mc.globalHandlers?.responseIn;
  return endpoint.send(mc).then(
    () => (responseIn ? continueIf(responseIn.run(mc), () => runOutFlow(mc, receive ?? mc.outSequence)) : runOutFlow(mc, receive ?? mc.outSequence)),
    (err) => {
      if (handler && mc.faultStack[mc.faultStack.length - 1] !== handler) mc.faultStack.push(handler);
      return handleFault(mc, err);
    },
  );
}

/** The whole exchange for one entry point. Resolves when mc.reply is set. */
export async function runFlow(mc: MessageContext, spec: FlowSpec): Promise<void> {
  mc.requestKind = mc.payload.isReady ? mc.payload.kind : kindOfContentType(mc.payload.contentType);
  mc.outSequence = spec.outSequence;
  mc.faultStack.push(entryFaultHandler(mc, spec.faultSequence));
  let cont = spec.inSequence ? guarded(mc, () => spec.inSequence!.mediate(mc)) : true;
  if (typeof cont !== 'boolean') cont = await cont;
  if (mc.reply && !mc.pending) return;
  if (cont && !mc.sent && !mc.reply && spec.endpoint) {
    mc.track(sendAndContinue(mc, spec.endpoint, undefined));
  }
  await settlePending(mc);
  if (mc.reply) return;
  if (mc.loopback) {
    mc.loopback = false;
    mc.isResponse = true;
    await runOutFlow(mc);
    return;
  }
  // The flow ended without answering (drop, or a sequence that never responds): 202, as for OUT_ONLY.
  mc.reply = { status: 202, headers: {}, body: undefined };
}
