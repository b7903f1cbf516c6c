/**
 * Wraps the OTLP exporter so that a collector outage is one warning (MI_OPS_031) when it starts and one line
 * when it ends, whatever the number of batches dropped in between; requests never see it (spans are
 * exported in the background by the batch processor).
 */
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Errors } from '../errors.js';
import type { Logger } from '../logging/logger.js';

type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];
/** ExportResultCode.SUCCESS of @opentelemetry/core (not imported: the SDK's own dependency). */
const SUCCESS = 0;

export class WatchedExporter implements SpanExporter {
  private down = false;
  private dropped = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly log: Logger,
    /** The collector's address without credentials, for the log line. */
    private readonly where: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === SUCCESS) {
        if (this.down) {
          this.down = false;
          this.log.info(`${Errors.TRACING_EXPORT_FAILED.code} the OpenTelemetry collector at ${this.where} answers again; ${this.dropped} spans were dropped while it did not`);
          this.dropped = 0;
        }
      } else {
        this.dropped += spans.length;
        if (!this.down) {
          this.down = true;
          const cause = result.error ? ` (${causeOf(result.error)})` : '';
          this.log.warn(`${Errors.TRACING_EXPORT_FAILED.code} spans cannot be sent to the OpenTelemetry collector at ${this.where}${cause}; they are dropped until it answers (requests are not affected)`);
        }
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** A short cause: an errno code or an HTTP status, never the exporter's headers. */
function causeOf(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  const status = (err as { code?: unknown }).code;
  if (typeof status === 'number') return `HTTP ${status}`;
  return err.message.split('\n')[0]!.slice(0, 200);
}
