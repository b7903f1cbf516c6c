/**
 * What a deployed endpoint's state is, for the `wso2_integration_endpoint_state` gauge, read when the
 * metrics are scraped (never on the request path):
 *   leaf endpoints (address, http, default): Synapse's own states, active / timeout / suspended;
 *   failover: active while the first child is ready, failed_over while only a later one is, suspended when none;
 *   load balance, indirect and the rest: active while ready, suspended when not.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { FailoverEndpoint } from '../endpoints/failover.js';
import { LeafEndpoint } from '../endpoints/leaf.js';

export const ENDPOINT_STATES = ['active', 'timeout', 'suspended', 'failed_over'] as const;
export type EndpointStateLabel = (typeof ENDPOINT_STATES)[number];

/** `probe` is what group and indirect endpoints look their children up through (the runtime, no message). */
export function endpointState(ep: Endpoint, probe: MessageContext): EndpointStateLabel {
  if (ep instanceof LeafEndpoint) return ep.state.current.toLowerCase() as EndpointStateLabel;
  if (ep instanceof FailoverEndpoint) {
    const ready = ep.children.map((c) => isReady(c, probe));
    if (ready[0]) return 'active';
    return ready.some(Boolean) ? 'failed_over' : 'suspended';
  }
  return isReady(ep, probe) ? 'active' : 'suspended';
}

function isReady(ep: Endpoint, probe: MessageContext): boolean {
  if (!ep.ready) return true;
  try {
    return ep.ready(probe);
  } catch {
    return true; // an unresolvable key is reported by send(), not here
  }
}
