/**
 * `/metric-service/metrics` over real HTTP after real requests, read with an independent Prometheus text
 * parser (the Prometheus project's Python prometheus_client.parser, not prom-client): Micro Integrator's proxy and API series, the
 * per-resource ones, faults by ERROR_CODE, endpoint states and failovers, process metrics; series made at
 * deploy with zero; counters that do not go back when an API is redeployed; `[metrics] enable = false`.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { parsePrometheusText as parse, type ParsedFamily, type ParsedSample } from '../helpers/prometheus.js';
import { startBackend, startTestServer, SYN, type Backend, type TestServer } from '../helpers/server.js';

async function scrape(s: TestServer): Promise<ParsedFamily[]> {
  const r = await fetch(`http://127.0.0.1:${s.internalPort}/metric-service/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parse(await r.text());
}

/** The family a sample name belongs to (the parser names a counter family without its _total). */
function family(all: ParsedFamily[], sampleName: string): ParsedFamily {
  const f = all.find((x) => x.samples.some((m) => m.name === sampleName)) ?? all.find((x) => x.name === sampleName);
  assert.ok(f, `no family with ${sampleName}`);
  return f;
}

const matches = (m: ParsedSample, labels: Record<string, string>): boolean => Object.entries(labels).every(([k, v]) => m.labels[k] === v);

function samples(all: ParsedFamily[], name: string, labels: Record<string, string> = {}): ParsedSample[] {
  return all.flatMap((f) => f.samples).filter((m) => m.name === name && matches(m, labels));
}

function value(all: ParsedFamily[], name: string, labels: Record<string, string>): number {
  const m = samples(all, name, labels);
  assert.equal(m.length, 1, `one ${name}${JSON.stringify(labels)}, got ${m.length}`);
  return Number(m[0]!.value);
}

/** A histogram series: cumulative buckets that end at +Inf = _count, and a _sum. */
function histogram(all: ParsedFamily[], name: string, labels: Record<string, string>): { count: number; sum: number; bounds: string[] } {
  assert.equal(family(all, `${name}_count`).type, 'histogram');
  const buckets = samples(all, `${name}_bucket`, labels);
  assert.ok(buckets.length > 1, `no ${name}${JSON.stringify(labels)}`);
  const bounds = buckets.map((b) => b.labels['le']!);
  const counts = buckets.map((b) => Number(b.value));
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i]! >= counts[i - 1]!, 'cumulative buckets');
  assert.equal(bounds.at(-1), '+Inf');
  const count = value(all, `${name}_count`, labels);
  assert.equal(counts.at(-1), count);
  return { count, sum: value(all, `${name}_sum`, labels), bounds };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

const SHOP = (backend: string, dead: number, withItem = true): string => `<api ${SYN} name="Shop" context="/shop">
  <resource methods="GET" uri-template="/items"><inSequence><payloadFactory media-type="json"><format>{"items":[]}</format><args/></payloadFactory><respond/></inSequence></resource>
  ${withItem ? `<resource methods="GET" uri-template="/items/{id}"><inSequence><call><endpoint key="ShopFailover"/></call><respond/></inSequence></resource>` : ''}
  <resource methods="POST" uri-template="/orders"><inSequence><respond/></inSequence></resource>
</api>`.replace('DEAD', String(dead)).replace('BACKEND', backend);

describe('internal HTTP API: Prometheus metrics', function () {
  this.timeout(60_000);
  let backend: Backend;
  let s: TestServer;
  let all: ParsedFamily[];
  let dead: number;

  before(async () => {
    backend = await startBackend();
    dead = await deadPort();
    s = await startTestServer(
      {
        'proxy-services/EchoProxy.xml': `<proxy ${SYN} name="EchoProxy" transports="http"><target><endpoint><address uri="${backend.url}/echo"/></endpoint></target></proxy>`,
        'proxy-services/DeadProxy.xml': `<proxy ${SYN} name="DeadProxy" transports="http"><target><endpoint key="DeadEP"/></target></proxy>`,
        'endpoints/DeadEP.xml': `<endpoint ${SYN} name="DeadEP"><address uri="http://127.0.0.1:${dead}/"/></endpoint>`,
        'endpoints/ShopFailover.xml': `<endpoint ${SYN} name="ShopFailover"><failover><endpoint><address uri="http://127.0.0.1:${dead}/"/></endpoint><endpoint><address uri="${backend.url}/item"/></endpoint></failover></endpoint>`,
        'api/Shop.xml': SHOP(backend.url, dead),
      },
      '[server]\nhot_deployment = true\n',
    );
    const send = (p: string, init?: RequestInit): Promise<number> => fetch(`${s.url}${p}`, init).then(async (r) => (await r.arrayBuffer(), r.status));
    for (let i = 0; i < 3; i++) assert.equal(await send('/services/EchoProxy', { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } }), 200);
    // the first call fails to connect (101503) and suspends DeadEP; the second fails fast (303001)
    for (let i = 0; i < 2; i++) assert.ok((await send('/services/DeadProxy', { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } })) >= 500);
    for (let i = 0; i < 2; i++) assert.equal(await send('/shop/items'), 200);
    for (let i = 0; i < 2; i++) assert.equal(await send('/shop/items/7'), 200);
    assert.equal(await send('/shop/nothing'), 404);
    all = await scrape(s);
  });
  after(async () => {
    await s?.close();
    await backend?.close();
  });

  it('counts each proxy service\'s requests and errors under Micro Integrator\'s names and labels', () => {
    const echo = { service_name: 'EchoProxy', service_type: 'proxy' };
    const deadProxy = { service_name: 'DeadProxy', service_type: 'proxy' };
    assert.equal(family(all, 'wso2_integration_proxy_request_count_total').type, 'counter');
    assert.equal(value(all, 'wso2_integration_proxy_request_count_total', echo), 3);
    assert.equal(value(all, 'wso2_integration_proxy_request_count_error_total', echo), 0);
    assert.equal(value(all, 'wso2_integration_proxy_request_count_total', deadProxy), 2);
    assert.equal(value(all, 'wso2_integration_proxy_request_count_error_total', deadProxy), 2);
    const h = histogram(all, 'wso2_integration_proxy_latency_seconds', echo);
    assert.equal(h.count, 3);
    assert.ok(h.sum > 0 && h.sum < 30);
    assert.deepEqual(h.bounds, ['0.19', '0.2', '0.25', '0.3', '0.35', '0.4', '0.5', '0.6', '1.0', '5.0', '+Inf'], 'MI\'s default buckets');
  });

  it('counts an API\'s requests (matched or not) with its invocation URL, and each resource\'s', () => {
    const api = { service_name: 'Shop', service_type: 'api', invocation_url: `http://localhost:${s.httpPort}/shop` };
    assert.equal(value(all, 'wso2_integration_api_request_count_total', api), 5);
    assert.equal(value(all, 'wso2_integration_api_request_count_error_total', api), 0);
    assert.equal(histogram(all, 'wso2_integration_api_latency_seconds', api).count, 5);
    const res = (resource: string): Record<string, string> => ({ service_name: 'Shop', service_type: 'api', resource });
    assert.equal(value(all, 'wso2_integration_api_resource_request_count_total', res('GET /items')), 2);
    assert.equal(value(all, 'wso2_integration_api_resource_request_count_total', res('GET /items/{id}')), 2);
    assert.equal(histogram(all, 'wso2_integration_api_resource_latency_seconds', res('GET /items/{id}')).count, 2);
    // made at deploy, as Micro Integrator makes its series when an artifact deploys
    assert.equal(value(all, 'wso2_integration_api_resource_request_count_total', res('POST /orders')), 0);
  });

  it('counts faults by their ERROR_CODE', () => {
    const codes = samples(all, 'wso2_integration_error_code_count_total', { service_name: 'DeadProxy' });
    assert.deepEqual(Object.fromEntries(codes.map((m) => [m.labels['error_code'], Number(m.value)])), { '101503': 1, '303001': 1 });
  });

  it('shows endpoint states (suspended, failed over) and counts failovers', () => {
    const state = (name: string): string[] =>
      samples(all, 'wso2_integration_endpoint_state', { endpoint_name: name })
        .filter((m) => m.value === 1)
        .map((m) => m.labels['state']!);
    assert.deepEqual(state('DeadEP'), ['suspended']);
    assert.deepEqual(state('ShopFailover'), ['failed_over']);
    assert.equal(value(all, 'wso2_integration_endpoint_failover_count_total', { endpoint_name: 'ShopFailover' }), 1);
  });

  it('says which services are up and since when, the server, its version and the process metrics', () => {
    const now = Date.now() / 1000;
    for (const [n, t] of [['EchoProxy', 'proxy'], ['Shop', 'api']]) {
      const up = value(all, 'wso2_integration_service_up', { service_name: n!, service_type: t! });
      assert.ok(up > now - 600 && up <= now + 1, `${n} up since ${up}`);
    }
    assert.equal(samples(all, 'wso2_integration_server_up')[0]!.labels['port'], String(s.httpPort));
    assert.ok(samples(all, 'wso2_integration_server_version')[0]!.labels['version']);
    for (const n of ['process_cpu_user_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) assert.equal(samples(all, n).length, 1, n);
  });

  it('keeps an API\'s counters when it is redeployed without a resource; the resource\'s series goes', async () => {
    s.write('api/Shop.xml', SHOP(backend.url, dead, false));
    const res = { service_name: 'Shop', service_type: 'api', resource: 'GET /items/{id}' };
    let now = all;
    for (let i = 0; i < 300 && samples(now, 'wso2_integration_api_resource_request_count_total', res).length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      now = await scrape(s);
    }
    assert.equal(samples(now, 'wso2_integration_api_resource_request_count_total', res).length, 0);
    assert.equal(value(now, 'wso2_integration_api_request_count_total', { service_name: 'Shop' }), 5);
    assert.equal((await fetch(`${s.url}/shop/items`)).status, 200);
    assert.equal(value(await scrape(s), 'wso2_integration_api_request_count_total', { service_name: 'Shop' }), 6);
  });
});

describe('internal HTTP API: [metrics] enable = false', function () {
  this.timeout(30_000);
  it('serves no metrics (404, MI_OPS_001) and the probes all the same', async () => {
    const s = await startTestServer({}, '[server]\nhot_deployment = false\n[metrics]\nenable = false\n');
    try {
      assert.equal(s.runtime.metrics, undefined);
      const r = await fetch(`http://127.0.0.1:${s.internalPort}/metric-service/metrics`);
      assert.equal(r.status, 404);
      assert.equal(((await r.json()) as { code: string }).code, 'MI_OPS_001');
      assert.equal((await fetch(`http://127.0.0.1:${s.internalPort}/healthz`)).status, 200);
    } finally {
      await s.close();
    }
  });
});

describe('internal HTTP API: [metric_handler] latency buckets', function () {
  this.timeout(30_000);
  it('takes Micro Integrator\'s proxy_latency_buckets, written as its Java client writes them', async () => {
    const proxy = `<proxy ${SYN} name="Quick" transports="http"><target><inSequence><respond/></inSequence></target></proxy>`;
    const s = await startTestServer({ 'proxy-services/Quick.xml': proxy }, '[server]\nhot_deployment = false\n[metric_handler]\nproxy_latency_buckets = [0.005, 0.01, 2, 20000000]\n');
    try {
      await (await fetch(`${s.url}/services/Quick`, { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } })).text();
      const h = histogram(await scrape(s), 'wso2_integration_proxy_latency_seconds', { service_name: 'Quick' });
      assert.deepEqual(h.bounds, ['0.005', '0.01', '2.0', '2.0E7', '+Inf']);
      assert.equal(h.count, 1);
    } finally {
      await s.close();
    }
  });

  it('refuses buckets that are not increasing numbers of seconds (MI_CFG_002)', async () => {
    await assert.rejects(startTestServer({}, '[metric_handler]\napi_latency_buckets = [1, 0.5]\n'), (e: Error & { code?: string }) => e.code === 'MI_CFG_002' && /api_latency_buckets/.test(e.message));
  });
});
