/**
 * OpenTelemetry tracing over real HTTP: a runtime with `[opentelemetry] enable = true` sends its spans by
 * OTLP/HTTP to a collector written here (a node:http server decoding the OTLP JSON the exporter sends), and
 * calls a real backend that receives the `traceparent`. Checked: span names, kinds, attributes and
 * parent/child links, the client's traceparent continued, mediator spans only with capture_all or
 * trace="enable", error codes, collector headers, a collector outage logged once without touching requests;
 * and with tracing off, no span, no traceparent of ours and no OpenTelemetry module loaded at all (a child
 * process with a module resolve hook records every module it loads).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startBackend, startTestServer, SYN, type Backend, type TestServer } from '../helpers/server.js';
import { ROOT } from '../helpers/process.js';

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: OtlpValue }[];
  status?: { code?: number; message?: string };
}
interface Collected {
  span: OtlpSpan;
  resource: Record<string, unknown>;
  scope: string;
}

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;
const STATUS_ERROR = 2;

/** A collector: POST /v1/traces with OTLP JSON, answered 200 (or `failWith`). */
interface Collector {
  url: string;
  spans: Collected[];
  headers: http.IncomingHttpHeaders[];
  failWith: number | undefined;
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const c: Collector = { url: '', spans: [], headers: [], failWith: undefined, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (b: Buffer) => chunks.push(b));
    req.on('end', () => {
      if (c.failWith !== undefined) {
        res.writeHead(c.failWith).end();
        return;
      }
      assert.equal(req.url, '/v1/traces');
      assert.match(req.headers['content-type'] ?? '', /^application\/json/);
      c.headers.push(req.headers);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        resourceSpans: { resource: { attributes: { key: string; value: OtlpValue }[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
      };
      for (const rs of body.resourceSpans) {
        const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, valueOf(a.value)]));
        for (const ss of rs.scopeSpans) for (const span of ss.spans) c.spans.push({ span, resource, scope: ss.scope.name });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  c.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  c.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return c;
}

function valueOf(v: OtlpValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  return undefined;
}

function attrs(s: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(s.attributes.map((a) => [a.key, valueOf(a.value)]));
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(ok(), `timed out waiting for ${what}`);
}

async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const PARENT = (re: string): RegExp => new RegExp(`^00-([0-9a-f]{32})-([0-9a-f]{16})-${re}$`);

function artifacts(backend: string, dead: number): Record<string, string> {
  return {
    'endpoints/ShopEP.xml': `<endpoint ${SYN} name="ShopEP"><http uri-template="${backend}/stock/{uri.var.id}" method="get"/></endpoint>`,
    'endpoints/DeadEP.xml': `<endpoint ${SYN} name="DeadEP"><address uri="http://127.0.0.1:${dead}/x"/></endpoint>`,
    'api/Shop.xml': `<api ${SYN} name="Shop" context="/shop">
      <resource methods="GET" uri-template="/items/{id}"><inSequence><call><endpoint key="ShopEP"/></call><respond/></inSequence></resource>
      <resource methods="GET" uri-template="/broken"><inSequence><call><endpoint key="DeadEP"/></call><respond/></inSequence></resource>
    </api>`,
    'sequences/Named.xml': `<sequence ${SYN} name="Named"><log level="custom"><property name="in" value="Named"/></log></sequence>`,
    'api/Split.xml': `<api ${SYN} name="Split" context="/split" trace="enable"><resource methods="POST" uri-template="/">
      <inSequence>
        <sequence key="Named"/>
        <clone>
          <target><sequence><call><endpoint key="ShopEP"/></call></sequence></target>
          <target><sequence><call><endpoint key="ShopEP"/></call></sequence></target>
        </clone>
        <aggregate><completeCondition><messageCount max="-1" min="-1"/></completeCondition>
          <onComplete aggregateElementType="root" expression="json-eval($.id)"><respond/></onComplete></aggregate>
      </inSequence></resource></api>`,
    'proxy-services/TracedProxy.xml': `<proxy ${SYN} name="TracedProxy" transports="http" trace="enable"><target><inSequence>
      <log level="custom"><property name="step" value="in"/></log>
      <property name="answer" value="42"/>
      <call><endpoint key="ShopEP"/></call>
      <respond/>
    </inSequence></target></proxy>`,
  };
}

function tracingToml(collector: string, extra = ''): string {
  return `[server]\nhot_deployment = false\n[opentelemetry]\nenable = true\ntype = "otlp"\nurl = "${collector}/v1/traces"\n${extra}`;
}

describe('OpenTelemetry tracing', function () {
  this.timeout(60_000);
  let backend: Backend;
  let collector: Collector;
  let dead: number;
  const savedDelay = process.env['OTEL_BSP_SCHEDULE_DELAY'];

  before(async () => {
    process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50'; // the batch processor's pause between exports (5 s by default)
    backend = await startBackend((req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: req.url }));
    });
    dead = await deadPort();
  });
  beforeEach(async () => {
    collector = await startCollector();
    backend.requests.length = 0;
  });
  afterEach(() => collector.close());
  after(async () => {
    if (savedDelay === undefined) delete process.env['OTEL_BSP_SCHEDULE_DELAY'];
    else process.env['OTEL_BSP_SCHEDULE_DELAY'] = savedDelay;
    await backend.close();
  });

  describe('on, with a client traceparent', () => {
    let s: TestServer;
    let shared: Collector;
    before(async () => {
      shared = await startCollector();
      s = await startTestServer(artifacts(backend.url, dead), tracingToml(shared.url, '[[opentelemetry.properties]]\nname = "api-key"\nvalue = "shared-secret-1"\n'));
    });
    after(async () => {
      await s.close();
      await shared.close();
    });

    it('continues the client trace: server span, client span per endpoint call, traceparent to the backend', async () => {
      const r = await fetch(`${s.url}/shop/items/7`, { headers: { traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`, tracestate: 'vendor=abc', activityid: 'corr-7' } });
      assert.equal(r.status, 200);
      assert.equal(backend.requests.length, 1);
      const sent = backend.requests[0]!.headers;
      const m = PARENT('01').exec(String(sent['traceparent']));
      assert.ok(m, `backend traceparent ${sent['traceparent']}`);
      assert.equal(m[1], TRACE_ID, 'the backend continues the client trace');
      assert.equal(sent['tracestate'], 'vendor=abc');

      await until('two spans', () => shared.spans.filter((x) => x.span.traceId === TRACE_ID).length >= 2);
      const spans = shared.spans.filter((x) => x.span.traceId === TRACE_ID).map((x) => x.span);
      const server = spans.find((x) => x.kind === SERVER)!;
      const client = spans.find((x) => x.kind === CLIENT)!;
      assert.equal(server.name, 'Shop /items/{id}');
      assert.equal(server.parentSpanId, CLIENT_SPAN, 'the server span is a child of the caller');
      assert.deepEqual(
        { ...attrs(server), 'client.address': undefined },
        { componentName: 'Shop', componentType: 'API', 'http.request.method': 'GET', 'url.path': '/shop/items/7', 'url.scheme': 'http', 'http.route': '/items/{id}', 'http.response.status_code': 200, 'client.address': undefined, CorrelationId: 'corr-7' },
      );
      assert.equal(client.name, 'ShopEP');
      assert.equal(client.parentSpanId, server.spanId);
      assert.equal(m[2], client.spanId, "the backend's parent is the endpoint call's span");
      const ca = attrs(client);
      assert.equal(ca['http.request.method'], 'GET');
      assert.equal(ca['url.full'], `${backend.url}/stock/7`);
      assert.equal(ca['server.address'], '127.0.0.1');
      assert.equal(ca['http.response.status_code'], 200);
      assert.equal(ca['Endpoint'], 'ShopEP');
      assert.equal(spans.filter((x) => x.kind === INTERNAL).length, 0, 'no mediator spans without capture_all or trace="enable"');
      const one = shared.spans.find((x) => x.span.traceId === TRACE_ID)!;
      assert.equal(one.resource['service.name'], 'WSO2-SYNAPSE');
      assert.equal(one.scope, 'org.wso2.synapse.tracing.telemetry');
      assert.equal(shared.headers[0]!['api-key'], 'shared-secret-1', '[[opentelemetry.properties]] go to the shared as headers');
      assert.ok(!s.logLines.some((l) => l.message.includes('shared-secret-1')), 'the header value is never logged');
    });

    it('starts a trace when the client sent none and still sends traceparent to the backend', async () => {
      const r = await fetch(`${s.url}/shop/items/8`);
      assert.equal(r.status, 200);
      const m = PARENT('01').exec(String(backend.requests[0]!.headers['traceparent']));
      assert.ok(m, 'traceparent added');
      const [, traceId, parent] = m;
      assert.notEqual(traceId, TRACE_ID);
      await until('the spans of the new trace', () => shared.spans.filter((x) => x.span.traceId === traceId).length >= 2);
      const spans = shared.spans.filter((x) => x.span.traceId === traceId).map((x) => x.span);
      const server = spans.find((x) => x.kind === SERVER)!;
      assert.equal(server.parentSpanId || undefined, undefined, 'a root span');
      assert.equal(spans.find((x) => x.kind === CLIENT)!.spanId, parent);
    });

    it('mediator spans for an artifact with trace="enable", under the server span, with the endpoint call under its call mediator', async () => {
      const r = await fetch(`${s.url}/services/TracedProxy`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } });
      assert.equal(r.status, 200);
      const traceId = PARENT('01').exec(String(backend.requests[0]!.headers['traceparent']))![1]!;
      await until('server, 4 mediators and the endpoint', () => shared.spans.filter((x) => x.span.traceId === traceId).length >= 6);
      const spans = shared.spans.filter((x) => x.span.traceId === traceId).map((x) => x.span);
      const server = spans.find((x) => x.kind === SERVER)!;
      assert.equal(server.name, 'TracedProxy');
      assert.equal(attrs(server)['componentType'], 'Proxy Service');
      const mediators = spans.filter((x) => x.kind === INTERNAL);
      assert.deepEqual(mediators.map((x) => x.name).sort(), ['CallMediator', 'LogMediator', 'PropertyMediator', 'RespondMediator']);
      for (const x of mediators) {
        assert.equal(x.parentSpanId, server.spanId, `${x.name} under the proxy`);
        assert.equal(attrs(x)['componentType'], 'Mediator');
      }
      const call = mediators.find((x) => x.name === 'CallMediator')!;
      assert.equal(spans.find((x) => x.kind === CLIENT)!.parentSpanId, call.spanId);
    });

    it('a named sequence is a span with its mediators inside; each clone branch nests under the clone, its endpoint call under its call mediator', async () => {
      const r = await fetch(`${s.url}/split`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json', traceparent: `00-${'2'.repeat(32)}-${CLIENT_SPAN}-01` } });
      assert.equal(r.status, 200, await r.text());
      const mine = (): OtlpSpan[] => shared.spans.filter((x) => x.span.traceId === '2'.repeat(32)).map((x) => x.span);
      // server, Named, its LogMediator, Clone, 2 x (CallMediator, client), Aggregate, Respond
      await until('every span of the split request', () => mine().length >= 10);
      const spans = mine();
      const server = spans.find((x) => x.kind === SERVER)!;
      const named = spans.find((x) => x.name === 'Named')!;
      assert.equal(attrs(named)['componentType'], 'Sequence');
      assert.equal(named.parentSpanId, server.spanId);
      assert.equal(spans.find((x) => x.name === 'LogMediator')!.parentSpanId, named.spanId);
      const clone = spans.find((x) => x.name === 'CloneMediator')!;
      assert.equal(clone.parentSpanId, server.spanId);
      const calls = spans.filter((x) => x.name === 'CallMediator');
      assert.equal(calls.length, 2);
      for (const c of calls) assert.equal(c.parentSpanId, clone.spanId, 'a branch nests under the clone');
      const clients = spans.filter((x) => x.kind === CLIENT);
      assert.deepEqual(clients.map((x) => x.parentSpanId).sort(), calls.map((x) => x.spanId).sort(), 'each endpoint call under its own branch');
      const sent = backend.requests.map((q) => PARENT('01').exec(String(q.headers['traceparent']))![2]).sort();
      assert.deepEqual(sent, clients.map((x) => x.spanId).sort(), 'each backend call carries its own span id');
    });

    it('a client trace marked not sampled is continued without spans: the backend gets the same trace, flag 00', async () => {
      const traceId = '3'.repeat(32);
      const r = await fetch(`${s.url}/shop/items/5`, { headers: { traceparent: `00-${traceId}-${CLIENT_SPAN}-00` } });
      assert.equal(r.status, 200);
      const m = PARENT('00').exec(String(backend.requests[0]!.headers['traceparent']));
      assert.ok(m, String(backend.requests[0]!.headers['traceparent']));
      assert.equal(m[1], traceId);
      // a later sampled request's spans arrive; none of the unsampled one came before them
      assert.equal((await fetch(`${s.url}/shop/items/6`, { headers: { traceparent: `00-${'4'.repeat(32)}-${CLIENT_SPAN}-01` } })).status, 200);
      await until('the sampled spans', () => shared.spans.some((x) => x.span.traceId === '4'.repeat(32)));
      assert.equal(shared.spans.filter((x) => x.span.traceId === traceId).length, 0);
    });

    it('records a failed endpoint call with its error code on the client and server spans', async () => {
      const r = await fetch(`${s.url}/shop/broken`, { headers: { traceparent: `00-${'1'.repeat(32)}-${CLIENT_SPAN}-01` } });
      assert.equal(r.status, 502);
      await r.arrayBuffer();
      await until('the failed spans', () => shared.spans.filter((x) => x.span.traceId === '1'.repeat(32)).length >= 2);
      const spans = shared.spans.filter((x) => x.span.traceId === '1'.repeat(32)).map((x) => x.span);
      const client = spans.find((x) => x.kind === CLIENT)!;
      assert.equal(client.name, 'DeadEP');
      assert.equal(client.status?.code, STATUS_ERROR);
      assert.equal(attrs(client)['error.code'], '101503');
      const server = spans.find((x) => x.kind === SERVER)!;
      assert.equal(server.status?.code, STATUS_ERROR);
      assert.equal(attrs(server)['error.code'], '101503');
      assert.equal(attrs(server)['http.response.status_code'], 502);
    });
  });

  it('flow.statistics.capture_all = true: mediator spans for every artifact', async () => {
    const s = await startTestServer(artifacts(backend.url, dead), tracingToml(collector.url, '[mediation]\nflow.statistics.capture_all = true\n'));
    try {
      const r = await fetch(`${s.url}/shop/items/9`);
      assert.equal(r.status, 200);
    } finally {
      await s.close(); // flushes the batched spans
    }
    const server = collector.spans.find((x) => x.span.kind === SERVER)!.span;
    const mediators = collector.spans.filter((x) => x.span.kind === INTERNAL && x.span.traceId === server.traceId).map((x) => x.span);
    assert.deepEqual(mediators.map((x) => x.name).sort(), ['CallMediator', 'RespondMediator']);
    const call = mediators.find((x) => x.name === 'CallMediator')!;
    assert.equal(collector.spans.find((x) => x.span.kind === CLIENT)!.span.parentSpanId, call.spanId);
  });

  it('spans batched at stop are sent before the server stops', async () => {
    process.env['OTEL_BSP_SCHEDULE_DELAY'] = '600000';
    let s: TestServer | undefined;
    try {
      s = await startTestServer(artifacts(backend.url, dead), tracingToml(collector.url));
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${s.url}/shop/items/${i}`)).status, 200);
      assert.equal(collector.spans.length, 0, 'still batched');
    } finally {
      process.env['OTEL_BSP_SCHEDULE_DELAY'] = '50';
      await s?.close();
    }
    assert.equal(collector.spans.filter((x) => x.span.kind === SERVER).length, 3);
    assert.equal(collector.spans.filter((x) => x.span.kind === CLIENT).length, 3);
  });

  it('a collector that fails never affects requests, and is logged once per outage', async () => {
    collector.failWith = 400;
    const s = await startTestServer(artifacts(backend.url, dead), tracingToml(collector.url));
    try {
      for (let i = 0; i < 3; i++) {
        assert.equal((await fetch(`${s.url}/shop/items/${i}`)).status, 200);
        await new Promise((r) => setTimeout(r, 150)); // one export per request
      }
      const down = (): typeof s.logLines => s.logLines.filter((l) => l.message.startsWith('MI_OPS_031 spans cannot be sent'));
      await until('the outage warning', () => down().length > 0);
      assert.equal(down().length, 1, 'one line per outage');
      assert.equal(down()[0]!.level, 'WARN');
      collector.failWith = undefined;
      assert.equal((await fetch(`${s.url}/shop/items/back`)).status, 200);
      await until('the recovery line', () => s.logLines.some((l) => /^MI_OPS_031 .* answers again; \d+ spans were dropped/.test(l.message)));
      await until('the spans after recovery', () => collector.spans.some((x) => x.span.kind === SERVER));
    } finally {
      await s.close();
    }
  });

  it('a collector that is not there: requests answer, one warning, the stop is not held', async () => {
    const port = await deadPort();
    const s = await startTestServer(artifacts(backend.url, dead), tracingToml(`http://127.0.0.1:${port}`));
    try {
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${s.url}/shop/items/${i}`)).status, 200);
      await until('the outage warning', () => s.logLines.some((l) => l.message.startsWith('MI_OPS_031')));
      assert.equal(s.logLines.filter((l) => l.message.startsWith('MI_OPS_031')).length, 1);
      assert.match(s.logLines.find((l) => l.message.startsWith('MI_OPS_031'))!.message, /ECONNREFUSED/);
    } finally {
      await s.close();
    }
  });

  it('off (the default): no spans and no traceparent of ours', async () => {
    const s = await startTestServer(artifacts(backend.url, dead), `[server]\nhot_deployment = false\n[mediation]\nflow.statistics.capture_all = true\n`);
    try {
      assert.equal(s.runtime.tracing, undefined);
      assert.equal((await fetch(`${s.url}/shop/items/1`)).status, 200);
      assert.equal(backend.requests[0]!.headers['traceparent'], undefined, 'nothing added');
      const theirs = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
      assert.equal((await fetch(`${s.url}/shop/items/2`, { headers: { traceparent: theirs } })).status, 200);
      assert.equal(backend.requests[1]!.headers['traceparent'], theirs, "the client's header passes through unchanged, as any header");
    } finally {
      await s.close();
    }
    assert.equal(collector.spans.length, 0);
  });
});

describe('OpenTelemetry tracing: settings', () => {
  it('refuses what it cannot send, with MI_OPS_030 and the key to fix', async () => {
    const cases: [string, RegExp][] = [
      ['type = "zipkin"\nhost = "localhost"\nport = 9411', /MI_OPS_030.*zipkin.*not supported/],
      ['type = "jaeger"\nhost = "localhost"\nport = 14250', /MI_OPS_030.*port 14250.*Jaeger gRPC.*use port 4318/],
      ['type = "otlp"\nurl = "http://localhost:4317"\nprotocol = "grpc"', /MI_OPS_030.*protocol "grpc" is not supported/],
      ['type = "otlp"\nurl = "ftp://localhost/x"', /MI_OPS_030.*url must be http/],
      ['type = "datadog"', /MI_OPS_030.*type must be "otlp" or "jaeger"/],
      ['url = "http://localhost:4318"\n[[opentelemetry.properties]]\nname = "bad header"\nvalue = "x"', /MI_OPS_030.*properties\[0\] name must be an HTTP header name/],
    ];
    for (const [body, want] of cases) {
      await assert.rejects(startTestServer({}, `[server]\nhot_deployment = false\n[opentelemetry]\nenable = true\n${body}\n`), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'MI_OPS_030', body);
        assert.match(`${err.code} ${err.message}`, want);
        return true;
      });
    }
  });

  it('jaeger by host and port goes to its OTLP HTTP receiver; a URL without a path gets /v1/traces', async () => {
    const { tracingSettings } = await import('../../src/observability/tracing-settings.js');
    const { configFromText } = await import('../../src/config/config.js');
    const home = os.tmpdir();
    const read = (toml: string): string => tracingSettings(configFromText(home, toml, 'deployment.toml')).url;
    assert.equal(read('[opentelemetry]\nenable = true\ntype = "jaeger"\nhost = "jaeger.local"\nport = 4318\n'), 'http://jaeger.local:4318/v1/traces');
    assert.equal(read('[opentelemetry]\nenable = true\ntype = "jaeger"\nhost = "jaeger.local"\n'), 'http://jaeger.local:4318/v1/traces');
    assert.equal(read('[opentelemetry]\nenable = true\nurl = "https://otlp.example.com:4318"\n'), 'https://otlp.example.com:4318/v1/traces');
    assert.equal(read('[opentelemetry]\nenable = true\nurl = "http://c:4318/otlp/v1/traces"\n'), 'http://c:4318/otlp/v1/traces');
    const quoted = tracingSettings(configFromText(home, '[mediation]\n"flow.statistics.capture_all" = true\n', 'deployment.toml'));
    assert.equal(quoted.captureAll, true);
    assert.equal(quoted.enabled, false);
  });
});

describe('OpenTelemetry tracing: free when off', function () {
  this.timeout(60_000);

  /** Runs a runtime in a child process whose resolve hook lists every module URL it loads. */
  async function modulesLoaded(toml: string): Promise<string[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-otel-load-'));
    try {
      const list = path.join(dir, 'modules.txt');
      writeFileSync(list, '');
      writeFileSync(
        path.join(dir, 'hooks.mjs'),
        `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}
`,
      );
      writeFileSync(
        path.join(dir, 'run.mjs'),
        `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)}, { data: { file: ${JSON.stringify(list)} } });
const { startTestServer, startBackend, SYN } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/test/helpers/server.js')).href)});
const backend = await startBackend();
const s = await startTestServer({ 'proxy-services/P.xml': \`<proxy \${SYN} name="P" transports="http"><target><inSequence><call><endpoint><address uri="\${backend.url}/x"/></endpoint></call><respond/></inSequence></target></proxy>\` }, ${JSON.stringify(toml)});
const r = await fetch(s.url + '/services/P', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
await r.arrayBuffer();
await s.close();
await backend.close();
process.stdout.write('status ' + r.status + '\\n');
`,
      );
      const out = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(dir, 'run.mjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        let err = '';
        child.stdout.on('data', (b: Buffer) => (text += b.toString()));
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child exited ${code}: ${err}`))));
      });
      assert.match(out, /status 200/);
      return readFileSync(list, 'utf8').split('\n').filter(Boolean);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('tracing off: no OpenTelemetry module is loaded; on: the SDK is (the hook sees it)', async () => {
    const off = await modulesLoaded('[server]\nhot_deployment = false\n');
    assert.ok(off.some((u) => u.includes('/dist/src/main.js')), 'the hook saw the runtime load');
    assert.deepEqual(off.filter((u) => u.includes('opentelemetry') || u.includes('otel-tracer')), []);
    const on = await modulesLoaded('[server]\nhot_deployment = false\n[opentelemetry]\nenable = true\nurl = "http://127.0.0.1:9/v1/traces"\n');
    assert.ok(on.some((u) => u.includes('/@opentelemetry/sdk-trace-base/')), 'the SDK loads when tracing is on');
  });
});
