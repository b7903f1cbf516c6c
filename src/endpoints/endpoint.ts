/**
 * The endpoint contract. send() delivers the current message and, on success, turns the message context
 * into the response (becomeResponse). On failure it throws an EndpointError carrying the Synapse error code
 * (101503 connection failed, 101504 timeout, ...), which the engine puts in ERROR_CODE / ERROR_MESSAGE
 * before running the fault sequence.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError, type ErrorSpec } from '../errors.js';

export type EndpointType = 'address' | 'http' | 'default' | 'indirect' | 'failover' | 'loadbalance';

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

export class EndpointError extends MiError {
  /** A timeout with responseAction="discard": Synapse drops such responses silently; we still fail the call. */
  readonly discarded: boolean;
  /** Set by the failing leaf when its <retryConfig> says a failover parent must not try another child. */
  retryDisabled = false;
  constructor(
    spec: ErrorSpec,
    /** The Synapse error code for ERROR_CODE and suspendOnFailure matching. */
    readonly synapseCode: number,
    message: string,
    options?: { cause?: unknown; discarded?: boolean },
  ) {
    super(spec, message, options);
    this.discarded = options?.discarded ?? false;
  }
}

const TIMEOUT_CODES = new Set([101504, 101508]);

export function endpointError(synapseCode: number, message: string, cause?: unknown, options?: { discarded?: boolean }): EndpointError {
  const spec = TIMEOUT_CODES.has(synapseCode) ? Errors.ENDPOINT_TIMEOUT : synapseCode === 303001 ? Errors.ENDPOINT_SUSPENDED : Errors.ENDPOINT_ERROR;
  return new EndpointError(spec, synapseCode, message, { cause, discarded: options?.discarded });
}

/** The name Synapse logs for endpoints without one. */
export const ANONYMOUS_ENDPOINT = 'AnonymousEndpoint';
