/**
 * Liveness, as Micro Integrator's `/liveness` (LivenessResource) answers it: 200 `{"server":"started"}`
 * whenever the process can answer at all. Kubernetes restarts a container whose liveness fails, so
 * nothing that a restart would not cure (a database down, a faulty artifact) belongs here.
 */
import type { ProbeReply } from './readiness.js';

const ALIVE: ProbeReply = Object.freeze({ status: 200, body: Object.freeze({ server: 'started' }) });

export function liveness(): ProbeReply {
  return ALIVE;
}
