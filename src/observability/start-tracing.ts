/** Starts OpenTelemetry tracing: the one place that imports the SDK (otel-tracer.ts), dynamically, when enabled. */
import { Errors, MiError } from '../errors.js';
import type { LoggerFactory } from '../logging/logger.js';
import { TRACING_LOGGER, type Tracing } from './tracing.js';
import type { TracingSettings } from './tracing-settings.js';

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
