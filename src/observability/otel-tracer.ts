/**
 * The OpenTelemetry SDK at work (loaded by tracing.ts only when tracing is on). Per request:
 *
 *   server span   the proxy or API (`Shop /items/{id}`), a child of the client's `traceparent` when it sent one
 *     mediator spans  `LogMediator`, `CallMediator`, ... with capture_all or the artifact's trace="enable"
 *       client span   one per endpoint call (`StockEP`), whose context goes to the backend as `traceparent`
 *
 * Names and the componentName / componentType / error.code attributes are Micro Integrator's; the HTTP
 * attributes follow the OpenTelemetry semantic conventions. Parents are explicit (a stack per message, one
 * per split branch): no context manager, no AsyncLocalStorage. Spans are batched and sent by OTLP over HTTP
 * in the background; an outage of the collector is logged once and never reaches a request.
 */
import { createTraceState, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Api, ProxyService } from '../artifacts/model.js';
import type { MessageContext } from '../context/message-context.js';
import type { RequestTrace } from '../context/request-trace.js';
import { EndpointError, MiError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { WatchedExporter } from './export-watch.js';
import { productVersion } from './product-version.js';
import { formatTraceparent, parseTraceparent } from './traceparent.js';
import type { Tracing } from './tracing.js';
import type { TracingSettings } from './tracing-settings.js';

/** Micro Integrator's instrumentation scope name (TelemetryConstants). */
const SCOPE = 'org.wso2.synapse.tracing.telemetry';
/** A collector that is down must not hold the server's stop for long. */
const SHUTDOWN_WAIT_MS = 5000;
const EXPORT_TIMEOUT_MS = 5000;

export class OtelTracing implements Tracing {
  private readonly provider: BasicTracerProvider;
  readonly tracer: Tracer;
  private readonly captureAll: boolean;
  private traced: ReadonlySet<string> = new Set();

  constructor(settings: TracingSettings, log: Logger) {
    const where = withoutCredentials(settings.url);
    const exporter = new OTLPTraceExporter({ url: settings.url, headers: { ...settings.headers }, timeoutMillis: EXPORT_TIMEOUT_MS });
    const watched = new WatchedExporter(exporter as unknown as SpanExporter, log, where);
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: productVersion() }),
      spanProcessors: [new BatchSpanProcessor(watched, { exportTimeoutMillis: EXPORT_TIMEOUT_MS })],
    });
    this.tracer = this.provider.getTracer(SCOPE, productVersion());
    this.captureAll = settings.captureAll;
    log.info(`OpenTelemetry tracing on: spans go to ${where} (OTLP over HTTP)${settings.captureAll ? ', with mediator spans (flow.statistics.capture_all)' : ''}`);
  }

  deployed(artifacts: { readonly proxies: ReadonlyMap<string, ProxyService>; readonly apis: ReadonlyMap<string, Api> }): void {
    const traced = new Set<string>();
    for (const p of artifacts.proxies.values()) if (p.trace) traced.add(`proxy:${p.name}`);
    for (const a of artifacts.apis.values()) if (a.trace) traced.add(`api:${a.name}`);
    this.traced = traced;
  }

  begin(mc: MessageContext): void {
    const entry = mc.entry;
    const inbound = mc.inbound;
    const remote = parseTraceparent(mc.headers.get('traceparent'));
    let parent: Context = ROOT_CONTEXT;
    if (remote !== undefined) {
      const state = mc.headers.get('tracestate');
      parent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: remote.traceId,
        spanId: remote.spanId,
        traceFlags: remote.flags,
        isRemote: true,
        traceState: typeof state === 'string' && state !== '' ? createTraceState(state) : undefined,
      });
    }
    const resource = mc.resource;
    const route = resource ? (resource.uriTemplate ?? resource.urlMapping) : undefined;
    const attributes: Attributes = {
      componentName: entry.name,
      componentType: entry.kind === 'proxy' ? 'Proxy Service' : entry.kind === 'api' ? 'API' : 'Sequence',
      [ATTR_HTTP_REQUEST_METHOD]: inbound.method,
      [ATTR_URL_PATH]: inbound.path,
      [ATTR_URL_SCHEME]: inbound.protocol,
      [ATTR_CLIENT_ADDRESS]: inbound.remoteAddress,
    };
    if (route !== undefined) attributes[ATTR_HTTP_ROUTE] = route;
    if (inbound.correlationId !== undefined) attributes['CorrelationId'] = inbound.correlationId;
    const name = route !== undefined ? `${entry.name} ${route}` : entry.name;
    const span = this.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    const mediators = this.captureAll || this.traced.has(`${entry.kind}:${entry.name}`);
    mc.trace = new MessageTrace(this.tracer, [span], mediators);
    mc.exchange.onEnd(() => endServerSpan(span, mc));
  }

  async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const wait = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)));
    try {
      await Promise.race([this.provider.shutdown().catch(() => {}), wait]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The reply is decided: its status, and the first fault's ERROR_CODE as Micro Integrator tags it. */
function endServerSpan(span: Span, mc: MessageContext): void {
  const status = mc.reply?.status;
  if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  const code = mc.props.get('ERROR_CODE');
  if (code !== undefined) {
    const message = mc.props.get('ERROR_MESSAGE');
    span.setAttribute('error.code', String(code));
    if (message !== undefined) span.setAttribute('error.message', String(message));
    span.setAttribute(ATTR_ERROR_TYPE, String(code));
    span.setStatus({ code: SpanStatusCode.ERROR, message: message === undefined ? undefined : String(message) });
  } else if (status !== undefined && status >= 500) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/** One message's open spans: the innermost is the parent of the next one. */
class MessageTrace implements RequestTrace<MessageContext> {
  constructor(
    private readonly tracer: Tracer,
    /** Open spans, outermost first; the first is the server span (or, in a branch, what was open when it split). */
    private readonly open: Span[],
    readonly mediators: boolean,
  ) {}

  private parent(): Context {
    return trace.setSpan(ROOT_CONTEXT, this.open[this.open.length - 1]!);
  }

  private close(span: Span): void {
    const i = this.open.lastIndexOf(span);
    if (i > 0) this.open.splice(i, 1);
    span.end();
  }

  branch(): RequestTrace<MessageContext> {
    return new MessageTrace(this.tracer, [this.open[this.open.length - 1]!], this.mediators);
  }

  mediate(m: { readonly tag: string; mediate(mc: MessageContext): boolean | Promise<boolean> }, mc: MessageContext): boolean | Promise<boolean> {
    // <sequence key="Name"/> (SequenceRef's key) or a named sequence: the span takes the sequence's name
    const named = m.tag === 'sequence' ? ((m as { key?: unknown }).key ?? (m as { name?: unknown }).name) : undefined;
    const name = typeof named === 'string' ? named : mediatorName(m.tag);
    const span = this.tracer.startSpan(name, { attributes: { componentName: name, componentType: typeof named === 'string' ? 'Sequence' : 'Mediator' } }, this.parent());
    this.open.push(span);
    let r: boolean | Promise<boolean>;
    try {
      r = m.mediate(mc);
    } catch (err) {
      failed(span, err);
      this.close(span);
      throw err;
    }
    if (typeof r === 'boolean') {
      this.close(span);
      return r;
    }
    return r.then(
      (ok) => {
        this.close(span);
        return ok;
      },
      (err: unknown) => {
        failed(span, err);
        this.close(span);
        throw err;
      },
    );
  }

  endpointCall(mc: MessageContext, endpoint: string | undefined, method: string, url: string, send: () => Promise<void>): Promise<void> {
    const target = targetOf(url);
    const name = endpoint ?? 'AnonymousEndpoint';
    const attributes: Attributes = { componentName: name, componentType: 'Endpoint', Endpoint: name, [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_FULL]: target.url };
    if (target.host !== undefined) {
      attributes[ATTR_SERVER_ADDRESS] = target.host;
      attributes[ATTR_SERVER_PORT] = target.port;
    }
    const span = this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, this.parent());
    // the backend continues this trace: ours replaces whatever traceparent the message carried
    const sc = span.spanContext();
    mc.headers.set('traceparent', formatTraceparent(sc.traceId, sc.spanId, sc.traceFlags));
    const state = sc.traceState?.serialize();
    if (state) mc.headers.set('tracestate', state);
    else mc.headers.delete('tracestate');
    let sending: Promise<void>;
    try {
      sending = send();
    } catch (err) {
      failed(span, err);
      span.end();
      throw err;
    }
    return sending.then(
      () => {
        const status = mc.axis2.get('HTTP_SC');
        if (typeof status === 'number') {
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          if (status >= 500) {
            span.setAttribute(ATTR_ERROR_TYPE, String(status));
            span.setStatus({ code: SpanStatusCode.ERROR });
          }
        }
        span.end();
      },
      (err: unknown) => {
        failed(span, err);
        span.end();
        throw err;
      },
    );
  }
}

/** A failure on a span: Micro Integrator's error.code (Synapse's 101503, or MI_...), the status with its message. */
function failed(span: Span, err: unknown): void {
  const code = err instanceof EndpointError ? String(err.synapseCode) : err instanceof MiError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined) span.setAttribute('error.code', code);
  span.setAttribute('error.message', message);
  span.setAttribute(ATTR_ERROR_TYPE, code ?? (err instanceof Error ? err.name : 'Error'));
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** `payloadFactory` -> `PayloadFactoryMediator`, as Micro Integrator names its mediator spans. */
const mediatorNames = new Map<string, string>();
function mediatorName(tag: string): string {
  let n = mediatorNames.get(tag);
  if (n === undefined) {
    n = `${tag.charAt(0).toUpperCase()}${tag.slice(1)}Mediator`;
    mediatorNames.set(tag, n);
  }
  return n;
}

/** The endpoint's URL without userinfo, and its host and port, parsed once per distinct URL. */
const targets = new Map<string, { url: string; host?: string; port?: number }>();
function targetOf(url: string): { url: string; host?: string; port?: number } {
  let t = targets.get(url);
  if (t === undefined) {
    try {
      const u = new URL(url);
      u.username = '';
      u.password = '';
      t = { url: u.href, host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)) };
    } catch {
      t = { url: '' };
    }
    if (targets.size > 1000) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/** The collector's address for log lines: no userinfo, no query (either may hold a key). */
function withoutCredentials(url: string): string {
  const u = new URL(url);
  return u.origin + u.pathname;
}
