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

function entryFaultHandler(mc: MessageContext, seq: Mediator | undefined): FaultHandler {
  if (seq) return { name: 'faultSequence', handleFault: (m) => seq.mediate(m) };
  return mc.runtime.faultHandler('fault') ?? DEFAULT_FAULT;
}

/** Runs a step; on a throw, runs the innermost fault handler. Always settles, never throws. */
async function guarded(mc: MessageContext, step: () => boolean | Promise<boolean>): Promise<boolean> {
  try {
    return await step();
  } catch (err) {
    await handleFault(mc, err);
    return false;
  }
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
  if (!mc.reply) defaultFaultReply(mc, mc.props.get('__error') ?? err);
}

/** After an endpoint answered: run the out sequence (or the given one), else send the response back. */
export async function runOutFlow(mc: MessageContext, seq: Mediator | undefined = mc.outSequence): Promise<void> {
  if (seq) {
    await guarded(mc, () => seq.mediate(mc));
    await settlePending(mc);
  }
  if (!mc.reply) mc.reply = buildReply(mc);
}

async function settlePending(mc: MessageContext): Promise<void> {
  while (mc.pending && mc.pending.length) {
    const p = mc.pending;
    mc.pending = undefined;
    await Promise.all(p);
  }
}

/** Hands the message to an endpoint and continues with the out-flow; failures go to the fault handler. */
export function sendAndContinue(mc: MessageContext, endpoint: Endpoint, receive: Mediator | undefined): Promise<void> {
  mc.sent = true;
  const faultDepth = mc.faultStack.length;
  const snapshot = mc.faultStack.slice(0, faultDepth);
  return endpoint.send(mc).then(
    () => runOutFlow(mc, receive ?? mc.outSequence),
    (err) => {
      mc.faultStack.length = 0;
      mc.faultStack.push(...snapshot);
      return handleFault(mc, err);
    },
  );
}

/** The whole exchange for one entry point. Resolves when mc.reply is set. */
export async function runFlow(mc: MessageContext, spec: FlowSpec): Promise<void> {
  mc.props.set('__requestKind', mc.payload.isReady ? mc.payload.kind : kindOfContentType(mc.payload.contentType));
  mc.outSequence = spec.outSequence;
  mc.faultStack.push(entryFaultHandler(mc, spec.faultSequence));
  const cont = spec.inSequence ? await guarded(mc, () => spec.inSequence!.mediate(mc)) : true;
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
