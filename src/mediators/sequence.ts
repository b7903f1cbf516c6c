/**
 * A sequence: a named (or inline) mediator list with an optional onError sequence. Entering a sequence with
 * onError pushes it on the fault stack; leaving normally pops it, as in Synapse.
 */
import type { FaultHandler, MessageContext } from '../context/message-context.js';
import { runList, anyContentAware, type Mediator } from './mediator.js';

export class Sequence implements Mediator, FaultHandler {
  readonly tag = 'sequence';
  readonly contentAware: boolean;
  constructor(
    readonly name: string,
    readonly list: readonly Mediator[],
    readonly onError?: string,
    readonly file?: string,
  ) {
    this.contentAware = false; // children load the body themselves when they need it
    void anyContentAware;
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (!this.onError) return runList(this.list, mc);
    const handler = mc.runtime.faultHandler(this.onError);
    if (!handler) return runList(this.list, mc);
    const depth = mc.faultStack.length;
    mc.faultStack.push(handler);
    const r = runList(this.list, mc);
    if (typeof r === 'boolean') {
      mc.faultStack.length = depth;
      return r;
    }
    return r.then((ok) => {
      mc.faultStack.length = depth;
      return ok;
    });
  }

  handleFault(mc: MessageContext): boolean | Promise<boolean> {
    return runList(this.list, mc);
  }
}

/** A sequence referred to by key, resolved when it runs so redeployment takes effect. */
export class SequenceRef implements Mediator {
  readonly tag = 'sequence';
  readonly contentAware = false;
  constructor(readonly key: string) {}
  mediate(mc: MessageContext): boolean | Promise<boolean> {
    const seq = mc.runtime.sequence(this.key);
    if (!seq) throw new Error(`sequence '${this.key}' is not deployed`);
    return seq.mediate(mc);
  }
}
