/**
 * The endpoint contract. send() delivers the current message and, on success, turns the message context
 * into the response (becomeResponse). On failure it throws an EndpointError carrying the Synapse error code
 * (101503 connection failed, 101504 timeout, ...), which the engine puts in ERROR_CODE / ERROR_MESSAGE
 * before running the fault sequence.
 */
import type { MessageContext } from '../context/message-context.js';
import { Errors, MiError, type ErrorSpec } from '../errors.js';

export interface Endpoint {
  /** Name for logs; the key for named endpoints. */
  readonly name: string | undefined;
  send(mc: MessageContext): Promise<void>;
  /** Closes connection pools (on undeploy). */
  close?(): Promise<void>;
  /** Endpoint keys this endpoint refers to (indirect, failover/loadbalance children), for dangling-key checks. */
  readonly refs?: readonly string[];
}

export class EndpointError extends MiError {
  constructor(
    spec: ErrorSpec,
    /** The Synapse error code for ERROR_CODE and suspendOnFailure matching. */
    readonly synapseCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(spec, message, options);
  }
}

export function endpointError(synapseCode: number, message: string, cause?: unknown): EndpointError {
  const spec = synapseCode === 101504 || synapseCode === 101502 ? Errors.ENDPOINT_TIMEOUT : synapseCode === 303001 ? Errors.ENDPOINT_SUSPENDED : Errors.ENDPOINT_ERROR;
  return new EndpointError(spec, synapseCode, message, { cause });
}
