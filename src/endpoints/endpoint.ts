/**
 * The endpoint contract. send() delivers the current message and, on success, turns the message context
 * into the response (becomeResponse). On failure it throws an EndpointError carrying the Synapse error code
 * (101503 connection failed, 101504 timeout, ...), which the engine puts in ERROR_CODE / ERROR_MESSAGE
 * before running the fault sequence.
 */
import type { MessageContext } from '../context/message-context.js';
export { EndpointError, endpointError } from '../errors.js';

export type EndpointType = 'address' | 'http' | 'default' | 'indirect' | 'failover' | 'loadbalance' | 'template';

export interface Endpoint {
  /** Name for logs; the key for named endpoints. */
  readonly name: string | undefined;
  send(mc: MessageContext): Promise<void>;
  /** Closes connection pools (on undeploy). */
  close?(): Promise<void>;
  /** Endpoint keys this endpoint refers to (indirect, failover/loadbalance children), for dangling-key checks. */
  readonly refs?: readonly string[];
  /** The kind, for the management API and logs. */
  readonly type?: EndpointType;
  /** The target address with any userinfo removed (leaf endpoints), for the management API and logs. */
  readonly address?: string;
  /**
   * False while the endpoint is suspended (or every child of a group is), so a load balancer can skip it
   * without a network call. Absent means always ready.
   */
  ready?(mc: MessageContext): boolean;
}

/** The name Synapse logs for endpoints without one. */
export const ANONYMOUS_ENDPOINT = 'AnonymousEndpoint';
