/**
 * The tracing of one request as the message sees it (src/observability/otel-tracer.ts implements it). A
 * message carries one only while OpenTelemetry tracing is on (`[opentelemetry] enable = true`); otherwise
 * `mc.trace` stays undefined and the request path checks that one field, nothing more. `M` is the
 * MessageContext, a type parameter so that this leaf imports nothing.
 */
export interface RequestTrace<M> {
  /** Mediator spans are wanted: `[mediation] flow.statistics.capture_all`, or the artifact's trace="enable". */
  readonly mediators: boolean;
  /** Runs one mediator inside a span of its own (only called when `mediators` is true). */
  mediate(mediator: { readonly tag: string; mediate(mc: M): boolean | Promise<boolean> }, mc: M): boolean | Promise<boolean>;
  /**
   * One call to an endpoint as a client span: sets `traceparent` (and `tracestate`) on the outgoing
   * headers, runs `send`, records the status or the error.
   */
  endpointCall(mc: M, endpoint: string | undefined, method: string, url: string, send: () => Promise<void>): Promise<void>;
  /** The trace of a split branch's copy: its spans nest under what is open now, apart from its siblings'. */
  branch(): RequestTrace<M>;
}
