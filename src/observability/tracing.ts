/**
 * OpenTelemetry tracing as the runtime holds it. Off by default and free when off: this module imports no
 * OpenTelemetry package; startTracing() loads the SDK (otel-tracer.ts) with a dynamic import only when
 * `[opentelemetry] enable = true`, and the request path then finds `runtime.tracing` undefined.
 */
import type { MessageContext } from '../context/message-context.js';
import type { Api, ProxyService } from '../artifacts/model.js';
import { Errors, MiError } from '../errors.js';
import type { LoggerFactory } from '../logging/logger.js';
import type { TracingSettings } from './tracing-settings.js';

export const TRACING_LOGGER = 'org.apache.synapse.aspects.flow.statistics.tracing.opentelemetry.OpenTelemetryManagerHolder';

export interface Tracing {
  /** A request came in: its server span starts (`mc.trace` is set) and ends when the exchange ends. */
  begin(mc: MessageContext): void;
  /** The artifacts in force: which proxies and APIs have trace="enable". */
  deployed(artifacts: { readonly proxies: ReadonlyMap<string, ProxyService>; readonly apis: ReadonlyMap<string, Api> }): void;
  /** Sends the spans still batched, then stops (bounded: a collector that is down does not hold the stop). */
  shutdown(): Promise<void>;
}

/** Loads the OpenTelemetry SDK and starts exporting to the collector of the settings. */
export async function startTracing(settings: TracingSettings, logs: LoggerFactory): Promise<Tracing> {
  let sdk: typeof import('./otel-tracer.js');
  try {
    sdk = await import('./otel-tracer.js');
  } catch (err) {
    throw new MiError(Errors.TRACING_UNAVAILABLE, `OpenTelemetry tracing cannot start: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  return new sdk.OtelTracing(settings, logs.get(TRACING_LOGGER));
}
