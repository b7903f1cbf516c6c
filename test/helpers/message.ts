/** Builds a Runtime and MessageContext without a listener, for unit tests of mediators and endpoints. */
import { QueryParameters } from '../../src/context/query-parameters.js';
import { configFrom } from '../../src/config/config.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { Runtime } from '../../src/runtime.js';
import type { MessageContext, InboundRequest } from '../../src/context/message-context.js';
import { Exchange, type Route } from '../../src/engine/exchange.js';
import { Payload } from '../../src/context/payload.js';
import { fromIncoming } from '../../src/context/transport-headers.js';

export function testRuntime(toml: Record<string, unknown> = {}): Runtime & { logLines: { name: string; level: string; message: string }[] } {
  const logs = memoryLoggerFactory();
  const rt = new Runtime(configFrom('.', toml), logs) as Runtime & { logLines: typeof logs.lines };
  rt.logLines = logs.lines;
  return rt;
}

export interface TestMessage {
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  method?: string;
  url?: string;
}

export function testMessage(rt: Runtime, m: TestMessage = {}): MessageContext {
  const url = m.url ?? '/services/Test';
  const q = url.indexOf('?');
  const inbound: InboundRequest = {
    method: m.method ?? 'POST',
    url,
    path: q < 0 ? url : url.slice(0, q),
    queryString: q < 0 ? '' : url.slice(q + 1),
    query: new QueryParameters(q < 0 ? '' : url.slice(q + 1)),
    protocol: 'http',
    host: 'localhost:8290',
    remoteAddress: '127.0.0.1',
    port: 8290,
  };
  const headers: Record<string, string> = { ...(m.headers ?? {}) };
  if (m.contentType) headers['content-type'] = m.contentType;
  const body = m.body === undefined ? undefined : Buffer.isBuffer(m.body) ? m.body : Buffer.from(m.body);
  const payload = new Payload(m.contentType, body, { maxBodyBytes: 10 * 1024 * 1024, maxXmlDepth: 100 });
  const route: Route = {
    entry: { kind: 'proxy', name: 'Test', logPrefix: '{proxy:Test} ' },
    inSequence: undefined,
    outSequence: undefined,
    faultHandler: undefined,
    endpoint: undefined,
    access: null,
    api: undefined,
    resource: undefined,
    skipApiResponse: false,
    fixedReply: undefined,
  };
  return new Exchange(rt, route, inbound, fromIncoming(headers), payload).mc;
}
