/**
 * OpenTelemetry tracing from deployment.toml, with Micro Integrator 4.x's keys:
 *
 *   [opentelemetry]
 *   enable = true
 *   type = "otlp"                          # or "jaeger" (its OTLP HTTP receiver); "zipkin" and "log" are refused
 *   url = "http://collector:4318/v1/traces" # or host = "..." / port = 4318
 *   [[opentelemetry.properties]]           # headers for the collector (an API key)
 *   name = "api-key"
 *   value = "$secret{otel_key}"
 *   [mediation]
 *   flow.statistics.capture_all = true     # mediator spans for every proxy and API (else trace="enable" ones)
 *
 * Spans go out as OTLP over HTTP (JSON); Micro Integrator's "otlp" defaults to gRPC, which is refused here
 * with a clear message rather than silently sent elsewhere.
 */
import type { Config } from '../config/config.js';
import { Section, tableOf } from '../config/section.js';
import { Errors, MiError } from '../errors.js';

export interface TracingSettings {
  readonly enabled: boolean;
  /** The collector's OTLP/HTTP traces URL, `/v1/traces` added when the URL has no path. */
  readonly url: string;
  /** `[[opentelemetry.properties]]`: sent with every export; values never logged. */
  readonly headers: Readonly<Record<string, string>>;
  /** `[mediation] flow.statistics.capture_all`: mediator spans for every artifact. */
  readonly captureAll: boolean;
  /** `service.name` of the spans: $SERVICE_NAME as Micro Integrator, else $OTEL_SERVICE_NAME, else WSO2-SYNAPSE. */
  readonly serviceName: string;
}

const KNOWN = ['enable', 'type', 'url', 'host', 'port', 'protocol', 'properties', 'logs'];
/** Jaeger's receivers that do not speak OTLP over HTTP (gRPC, Thrift/UDP, Thrift/HTTP). */
const JAEGER_NON_OTLP_PORTS = new Set([14250, 6831, 6832, 14268, 4317]);
const OTLP_HTTP_PORT = 4318;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function tracingSettings(config: Config, warnings: string[] = []): TracingSettings {
  const doc = config.toml;
  const o = Section.at(doc, 'opentelemetry');
  o.unknownKeys(KNOWN, warnings);
  const enabled = o.flag('enable', false);
  const captureAll = captureAllFlag(Section.at(doc, 'mediation'));
  const serviceName = process.env['SERVICE_NAME'] || process.env['OTEL_SERVICE_NAME'] || 'WSO2-SYNAPSE';
  if (!enabled) return { enabled, url: '', headers: {}, captureAll, serviceName };
  const type = o.text('type', 'otlp').trim().toLowerCase();
  if (type === 'zipkin') fail('type "zipkin" is not supported: Zipkin does not receive OTLP; use type = "otlp" with an OpenTelemetry Collector (its zipkin exporter forwards to Zipkin)');
  if (type === 'log') fail('type "log" is not supported; use type = "otlp" with a collector (the OpenTelemetry Collector\'s debug exporter prints spans)');
  if (type !== 'otlp' && type !== 'jaeger') fail(`type must be "otlp" or "jaeger", got ${JSON.stringify(o.get('type'))}`);
  const protocol = o.optionalText('protocol')?.toLowerCase();
  if (protocol !== undefined && !/^http(\/(json|protobuf))?$/.test(protocol)) {
    fail(`protocol ${JSON.stringify(protocol)} is not supported: spans are sent as OTLP over HTTP; remove protocol or set protocol = "http", and use the collector's OTLP HTTP port (4318)`);
  }
  return { enabled, url: collectorUrl(o, type), headers: collectorHeaders(o), captureAll, serviceName };
}

function fail(message: string): never {
  throw new MiError(Errors.TRACING_CONFIG, `[opentelemetry] ${message}`);
}

/** `url`, or http://host:port (localhost:4318 by default); an empty path becomes the OTLP traces path. */
function collectorUrl(o: Section, type: string): string {
  const given = o.optionalText('url');
  let url: URL;
  if (given !== undefined) {
    try {
      url = new URL(given);
    } catch {
      return fail(`url ${JSON.stringify(given)} is not a URL; write the collector's OTLP HTTP address, e.g. http://collector:4318/v1/traces`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`url must be http:// or https://, got ${JSON.stringify(given)}`);
  } else {
    const host = o.optionalText('host') ?? 'localhost';
    const port = o.int('port', OTLP_HTTP_PORT, 1);
    if (port > 65535) o.fail('port', 'a port (1-65535)', port);
    try {
      url = new URL(`http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`);
    } catch {
      return fail(`host ${JSON.stringify(host)} is not a host name or address`);
    }
  }
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (type === 'jaeger' && JAEGER_NON_OTLP_PORTS.has(port)) {
    fail(`port ${port} is not Jaeger's OTLP HTTP receiver (${port === 4317 ? 'OTLP gRPC' : port === 14250 ? 'Jaeger gRPC, Micro Integrator\'s default' : 'Jaeger Thrift'}); spans are sent as OTLP over HTTP: use port ${OTLP_HTTP_PORT}`);
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return url.href;
}

/** `[[opentelemetry.properties]] name = ... value = ...`: HTTP headers for the collector. */
function collectorHeaders(o: Section): Record<string, string> {
  const list = o.get('properties');
  if (list === undefined) return {};
  if (!Array.isArray(list)) fail('properties must be written as [[opentelemetry.properties]] tables with name and value');
  const headers: Record<string, string> = {};
  list.forEach((entry, i) => {
    const t = tableOf(entry);
    const name = t['name'];
    const value = t['value'];
    if (typeof name !== 'string' || !TOKEN.test(name.trim())) fail(`properties[${i}] name must be an HTTP header name, got ${JSON.stringify(name)}`);
    // the value may be a secret: it is never shown
    if (typeof value !== 'string' && typeof value !== 'number') fail(`properties[${i}] (${name.trim()}) value must be a string`);
    const text = String(value);
    if (/[\r\n\0]/.test(text)) fail(`properties[${i}] (${name.trim()}) value must be one line`);
    headers[name.trim().toLowerCase()] = text;
  });
  return headers;
}

/** `flow.statistics.capture_all` as TOML dotted keys (nested tables) or one quoted key, as MI users write both. */
function captureAllFlag(m: Section): boolean {
  const quoted = m.get('flow.statistics.capture_all');
  if (quoted !== undefined) return m.flag('flow.statistics.capture_all', false);
  return m.child('flow').child('statistics').flag('capture_all', false);
}
