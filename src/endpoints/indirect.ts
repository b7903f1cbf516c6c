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
/** Guards against reference cycles (A -> B -> A), which would otherwise never settle. */
const MAX_HOPS = 16;

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

  async send(mc: MessageContext): Promise<void> {
    if (this.keyExpression?.contentAware && !mc.payload.isReady) await mc.payload.load();
    const ep = this.target(mc);
    const depth = mc.endpointHops;
    if (depth >= MAX_HOPS) throw endpointError(INDIRECT_NOT_FOUND, `Endpoint key ${this.key ?? ''} refers to itself through a chain of more than ${MAX_HOPS} references`);
    mc.endpointHops = depth + 1;
    try {
      await ep.send(mc);
    } finally {
      mc.endpointHops = depth;
    }
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
