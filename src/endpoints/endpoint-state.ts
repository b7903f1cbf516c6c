/**
 * Suspension state of one leaf endpoint, as Synapse's EndpointContext keeps it:
 *   ACTIVE --markForSuspension code--> TIMEOUT (retried retriesBeforeSuspension more times, retryDelay apart)
 *   ACTIVE/TIMEOUT --suspendOnFailure code, or no retries left--> SUSPENDED for
 *     initialDuration * progressionFactor^n, capped by maximumDuration
 *   any --success--> ACTIVE (counters reset)
 * While not ready the endpoint fails fast (303001) without a network call; once the retry time has passed
 * the next message is let through, and its outcome decides the state.
 */
import type { Logger } from '../logging/logger.js';
import { isSuspendCode, isTimeoutCode, type EndpointDefinition } from './definition.js';

export type EndpointStateName = 'ACTIVE' | 'TIMEOUT' | 'SUSPENDED';

export const ENDPOINT_LOGGER = 'org.apache.synapse.endpoints.EndpointContext';

export class EndpointState {
  private state: EndpointStateName = 'ACTIVE';
  private nextRetryAt = 0;
  /** Retries left in TIMEOUT; -1 = not counting yet. */
  private remainingRetries = -1;
  /** Duration of the last suspension; -1 = not suspended since the last success. */
  private lastSuspendMs = -1;

  constructor(
    private readonly def: EndpointDefinition,
    /** "Name with address http://..." (no credentials), for logs. */
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {}

  get current(): EndpointStateName {
    return this.state;
  }

  /** Active, or suspended/timed out with the retry time reached. */
  readyToSend(): boolean {
    return this.state === 'ACTIVE' || this.now() >= this.nextRetryAt;
  }

  onSuccess(log: Logger): void {
    if (this.state === 'ACTIVE') return;
    log.info(`Endpoint : ${this.label} currently ${this.state} will now be marked active since it processed its last message`);
    this.state = 'ACTIVE';
    this.remainingRetries = -1;
    this.lastSuspendMs = -1;
  }

  /** A failure with a Synapse error code: a timeout-class code marks the endpoint, a suspend code suspends it. */
  onFailure(code: number, log: Logger): void {
    if (isTimeoutCode(this.def, code)) this.markTimeout(code, log);
    else if (isSuspendCode(this.def, code)) this.suspend(code, log);
  }

  private markTimeout(code: number, log: Logger): void {
    const retries = this.remainingRetries === -1 ? this.def.retriesBeforeSuspension : this.remainingRetries;
    if (retries <= 0) {
      log.info(`Endpoint : ${this.label} has been marked for SUSPENSION, but no further retries remain. Thus it will be SUSPENDED.`);
      this.suspend(code, log);
      return;
    }
    this.state = 'TIMEOUT';
    this.remainingRetries = retries - 1;
    this.nextRetryAt = this.now() + this.def.retryDelayMs;
    log.warn(
      `Endpoint : ${this.label} is marked as TIMEOUT with error code : ${code} and will be retried : ${this.remainingRetries} more time/s after : ` +
        `${new Date(this.nextRetryAt).toISOString()} until its marked SUSPENDED for failure`,
    );
  }

  private suspend(code: number, log: Logger): void {
    const first = this.lastSuspendMs <= 0;
    let duration = first ? this.def.initialDurationMs : Math.trunc(this.lastSuspendMs * this.def.progressionFactor);
    if (duration > this.def.maximumDurationMs) duration = this.def.maximumDurationMs;
    const last = this.lastSuspendMs;
    this.state = 'SUSPENDED';
    this.lastSuspendMs = duration;
    this.nextRetryAt = this.now() + duration;
    log.warn(
      `Suspending endpoint : ${this.label} with error code : ${code} -` +
        (first ? '' : ` last suspend duration was : ${last}ms and`) +
        ` current suspend duration is : ${duration}ms - Next retry after : ${new Date(this.nextRetryAt).toISOString()}`,
    );
  }
}
