/**
 * <endpoint key="Name"/> (or key-expression="xpath"): a reference to a named endpoint, resolved when a
 * message is sent so that redeploying the named endpoint takes effect at once. The suspension state lives in
 * the named endpoint, shared by every reference to it.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Expression } from '../expr/expression.js';
import { endpointError, type Endpoint } from './endpoint.js';

/** Synapse ENDPOINT_IN_DIRECT_NOT_READY: the key names no deployed endpoint. */
export const INDIRECT_NOT_FOUND = 305100;
/**
 * Guards against reference cycles (A -> B -> A), which would otherwise never settle: the references followed
 * for one send are counted (the exchange starts each send at 0), so a cycle through a failover whose first
 * child fails is caught as surely as a direct one. An acyclic tree follows each reference at most once.
 */
const MAX_HOPS = 64;

export class IndirectEndpoint implements Endpoint {
  readonly type = 'indirect';
  readonly refs: readonly string[];

  constructor(
    readonly name: string | undefined,
    private readonly key: string | undefined,
    private readonly keyExpression: Expression | undefined,
  ) {
    this.refs = key !== undefined ? [key] : [];
  }

  private target(mc: MessageContext): Endpoint {
    const key = this.key ?? this.keyExpression!.stringValue(mc);
    const ep = mc.runtime.endpoint(key);
    if (!ep) throw endpointError(INDIRECT_NOT_FOUND, `Reference to non-existent endpoint for key : ${key}`);
    return ep;
  }

  /** Not an async function: the target's own promise is handed back (one async frame less per request). */
  send(mc: MessageContext): Promise<void> {
    if (this.keyExpression?.contentAware && !mc.payload.isReady) return mc.payload.load().then(() => this.sendToTarget(mc));
    return this.sendToTarget(mc);
  }

  private sendToTarget(mc: MessageContext): Promise<void> {
    if (mc.endpointHops >= MAX_HOPS) {
      return Promise.reject(endpointError(INDIRECT_NOT_FOUND, `Endpoint key ${this.key ?? ''}: more than ${MAX_HOPS} endpoint references were followed for one message; the references form a cycle`));
    }
    mc.endpointHops++;
    let ep: Endpoint;
    try {
      ep = this.target(mc);
    } catch (err) {
      return Promise.reject(err);
    }
    return ep.send(mc);
  }

  /** Ready when the target is; an unresolvable key counts as ready so that send() reports it. */
  ready(mc: MessageContext): boolean {
    if (this.keyExpression?.contentAware && !mc.payload.isReady) return true;
    try {
      const ep = this.target(mc);
      return ep.ready?.(mc) ?? true;
    } catch {
      return true;
    }
  }
}
