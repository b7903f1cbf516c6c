/**
 * OpenTelemetry tracing as the runtime holds it. Off by default and free when off: this module imports no
 * OpenTelemetry package; start-tracing.ts loads the SDK (otel-tracer.ts) with a dynamic import only when
 * `[opentelemetry] enable = true`, and otherwise the request path finds `runtime.tracing` undefined.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Api, ProxyService } from '../artifacts/model.js';

export const TRACING_LOGGER = 'org.apache.synapse.aspects.flow.statistics.tracing.opentelemetry.OpenTelemetryManagerHolder';

export interface Tracing {
  /** A request came in: its server span starts (`mc.trace` is set) and ends when the exchange ends. */
  begin(mc: MessageContext): void;
  /** The artifacts in force: which proxies and APIs have trace="enable". */
  deployed(artifacts: { readonly proxies: ReadonlyMap<string, ProxyService>; readonly apis: ReadonlyMap<string, Api> }): void;
  /** Sends the spans still batched, then stops (bounded: a collector that is down does not hold the stop). */
  shutdown(): Promise<void>;
}
