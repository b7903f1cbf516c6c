/**
 * Throttling tiers over real HTTP, counted in memory on one node: an API's tier (every caller shares it), a
 * resource's tier, a consumer's tier (per Basic user, per token application, per API key), burst control, an OpenAPI
 * `x-throttling-tier`, and a client certificate's tier (per certificate, registered with `mi api-cert add`)
 * over real HTTPS. Each limit admits exactly its count; the next call gets 429 with Retry-After and API
 * Manager's fault of its level, as JSON, `amt:fault` XML or a SOAP fault.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { startServer, type Server } from '../../../src/main.js';
import { nextAccessTimeText } from '../../../src/security/throttling/throttle-fault.js';
import { MI, makeHome } from '../../helpers/process.js';
import { soap11, startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { callAs, makeCertificates, type Certificates } from '../gateway/mtls-fixtures.js';
import { awayFromWindowEnd, throttledFault } from './window.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const OK = `<inSequence><payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory><respond/></inSequence>`;
const res = (uri: string, security = '') => `<resource methods="GET POST" uri-template="${uri}">${security}${OK}</resource>`;

const TIERS = `
[[throttling.tier]]
name = "Partner"
request_count = 5
unit_time = 1
time_unit = "hour"

[[throttling.tier]]
name = "Two"
request_count = 2
time_unit = "hour"

[[throttling.tier]]
name = "Bursty"
request_count = 100
time_unit = "hour"
rate_limit_count = 2
rate_limit_time_unit = "min"
`;

const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

/** The fault's description and nextAccessTime for a window of `windowMs` that is full now. */
function expectedNext(windowMs: number): string {
  return nextAccessTimeText((Math.floor(Date.now() / windowMs) + 1) * windowMs);
}

describe('throttling tiers over HTTP (one node, counters in memory)', function () {
  this.timeout(120_000);
  let s: TestServer;
  let key: CryptoKey;

  const token = (sub: string, azp: string) => new SignJWT({ sub, azp }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp').setExpirationTime('10m').sign(key);
  const call = async (p: string, headers: Record<string, string> = {}, method = 'GET', body?: string) => {
    const r = await fetch(`${s.url}${p}`, { method, headers, body });
    return { status: r.status, headers: r.headers, text: await r.text() };
  };

  before(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    key = pair.privateKey;
    s = await startTestServer(
      {
        'api/Shop.xml': `<api ${SYN} name="Shop" context="/shop"><security throttling_tier="Partner"/>${res('/a')}${res('/b')}</api>`,
        'api/Menu.xml': `<api ${SYN} name="Menu" context="/menu">${res('/items', '<security throttling_tier="Two"/>')}${res('/other')}</api>`,
        'api/Members.xml': `<api ${SYN} name="Members" context="/members"><security subscription_tier="Two"><basic_auth/></security>${res('/')}</api>`,
        'api/Tokens.xml': `<api ${SYN} name="Tokens" context="/tokens"><security subscription_tier="Two"><oauth2/></security>${res('/')}</api>`,
        'api/Burst.xml': `<api ${SYN} name="Burst" context="/burst"><security subscription_tier="Bursty"><basic_auth/></security>${res('/')}</api>`,
        'api/Ops.xml': `<api ${SYN} name="Ops" context="/ops">${res('/limited')}${res('/free')}</api>`,
        'api/Ops_swagger.yaml': `openapi: 3.0.3
info: { title: Ops, version: '1' }
x-throttling-tier: Unlimited
paths:
  /limited:
    get:
      x-throttling-tier: Two
      responses: { '200': { description: ok } }
  /free:
    get:
      x-throttling-tier: Unlimited
      responses: { '200': { description: ok } }
`,
      },
      `[server]\nhot_deployment = false\n\n[[jwt_issuer]]\nissuer = "https://idp"\ncertificate = '''\n${await exportSPKI(pair.publicKey)}'''\n\n` +
        `[[internal_apis.users]]\nuser.name = "alice"\nuser.password = "alice-pw-1"\n\n[[internal_apis.users]]\nuser.name = "bob"\nuser.password = "bob-pw-12"\n${TIERS}`,
    );
    await awayFromWindowEnd(HOUR);
  });
  after(async () => {
    await s?.close();
  });

  it("an API's tier admits exactly its count from every caller and resource together, then 900800 with Retry-After", async () => {
    for (const p of ['/shop/a', '/shop/b', '/shop/a', '/shop/b', '/shop/a']) assert.equal((await call(p)).status, 200, p);
    const r = await call('/shop/b');
    const fault = throttledFault(r.status, r.headers, r.text, HOUR);
    const next = expectedNext(HOUR);
    assert.deepEqual(fault, { code: 900800, message: 'Message throttled out', description: `You have exceeded your quota .You can access API after ${next}`, nextAccessTime: next });
    assert.equal((await call('/shop/a')).status, 429, 'the window stays full');
  });

  it('a throttled call gets amt:fault XML for Accept xml and a SOAP fault for a SOAP request', async () => {
    const next = expectedNext(HOUR);
    const xml = await call('/shop/a', { accept: 'application/xml' });
    assert.equal(xml.status, 429);
    assert.equal(xml.headers.get('content-type'), 'application/xml');
    assert.equal(
      xml.text,
      `<amt:fault xmlns:amt="http://wso2.org/apimanager/throttling"><amt:code>900800</amt:code><amt:message>Message throttled out</amt:message>` +
        `<amt:description>You have exceeded your quota .You can access API after ${next}</amt:description><amt:nextAccessTime>${next}</amt:nextAccessTime></amt:fault>`,
    );
    const soap = await call('/shop/a', { 'content-type': 'text/xml', soapaction: 'urn:order' }, 'POST', soap11('<order/>'));
    assert.equal(soap.status, 429);
    assert.ok(soap.headers.get('retry-after'));
    assert.match(soap.text, /<soapenv:Fault><faultcode>soapenv:Client<\/faultcode><faultstring>Message throttled out<\/faultstring><detail>You have exceeded your quota \.You can access API after /);
  });

  it("a resource's tier counts that resource only (900802)", async () => {
    for (let i = 0; i < 2; i++) assert.equal((await call('/menu/items')).status, 200);
    const r = await call('/menu/items');
    assert.equal(throttledFault(r.status, r.headers, r.text, HOUR).code, 900802);
    for (let i = 0; i < 5; i++) assert.equal((await call('/menu/other')).status, 200, 'the other resource is not throttled');
    assert.equal((await call('/menu/items', {}, 'POST')).status, 200, 'another method of the resource has its own count');
  });

  it("a consumer's tier counts each Basic user apart (900804)", async () => {
    const alice = { authorization: basic('alice', 'alice-pw-1') };
    const bob = { authorization: basic('bob', 'bob-pw-12') };
    for (let i = 0; i < 2; i++) assert.equal((await call('/members/', alice)).status, 200);
    const r = await call('/members/', alice);
    assert.deepEqual(throttledFault(r.status, r.headers, r.text, HOUR).code, 900804);
    for (let i = 0; i < 2; i++) assert.equal((await call('/members/', bob)).status, 200, 'bob has his own count');
    assert.equal((await call('/members/', bob)).status, 429);
  });

  it("a token's consumer is its application (azp): users of one application share its count, another application has its own", async () => {
    assert.equal((await call('/tokens/', { authorization: `Bearer ${await token('u1', 'app1')}` })).status, 200);
    assert.equal((await call('/tokens/', { authorization: `Bearer ${await token('u2', 'app1')}` })).status, 200);
    const r = await call('/tokens/', { authorization: `Bearer ${await token('u3', 'app1')}` });
    assert.equal(throttledFault(r.status, r.headers, r.text, HOUR).code, 900804);
    assert.equal((await call('/tokens/', { authorization: `Bearer ${await token('u1', 'app2')}` })).status, 200, 'app2 has its own count');
  });

  it("burst control (rate_limit_count per minute) refuses with 900807 before the tier's quota is reached", async () => {
    await awayFromWindowEnd(MINUTE);
    const alice = { authorization: basic('alice', 'alice-pw-1') };
    for (let i = 0; i < 2; i++) assert.equal((await call('/burst/', alice)).status, 200);
    const r = await call('/burst/', alice);
    const fault = throttledFault(r.status, r.headers, r.text, MINUTE);
    assert.equal(fault.code, 900807);
    assert.equal(fault.nextAccessTime, expectedNext(MINUTE));
    assert.equal((await call('/burst/', { authorization: basic('bob', 'bob-pw-12') })).status, 200, 'burst is per consumer too');
  });

  it("an operation's x-throttling-tier of the OpenAPI definition is its resource's tier", async () => {
    for (let i = 0; i < 2; i++) assert.equal((await call('/ops/limited')).status, 200);
    const r = await call('/ops/limited');
    assert.equal(throttledFault(r.status, r.headers, r.text, HOUR).code, 900802);
    for (let i = 0; i < 4; i++) assert.equal((await call('/ops/free')).status, 200, 'Unlimited counts nothing');
  });
});

describe("throttling by a client certificate's tier (mi api-cert add --tier) over HTTPS", function () {
  this.timeout(120_000);
  let certs: Certificates;
  let home: string;
  let server: Server;

  before(async () => {
    certs = makeCertificates();
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-throttle-cert-'));
    const api = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(api, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(api, 'Partners.xml'), `<api ${SYN} name="Partners" context="/partners"><security><mutualssl/></security>${res('/')}</api>`);
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `[server]\nhot_deployment = false\n${TIERS}\n${certs.toml}`);
    for (const [alias, tier] of [['bob', 'Two'], ['carol', 'Two'], ['alice', 'Platinum']] as const) {
      const r = spawnSync(process.execPath, [MI, 'api-cert', 'add', '--api', 'Partners', '--alias', alias, '--tier', tier, certs.pem(alias), '--home', home], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
    }
    server = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    await awayFromWindowEnd(HOUR);
  });
  after(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("counts each certificate apart under its tier (900804), and a certificate of an unknown tier is not throttled by it", async () => {
    const url = `https://localhost:${server.httpsPort}/partners/`;
    for (let i = 0; i < 2; i++) assert.equal((await callAs(certs, url, 'bob')).status, 200);
    const r = await callAs(certs, url, 'bob');
    assert.equal(r.status, 429, r.body);
    assert.equal(r.fault, 900804);
    for (let i = 0; i < 2; i++) assert.equal((await callAs(certs, url, 'carol')).status, 200, 'carol has her own count');
    assert.equal((await callAs(certs, url, 'carol')).status, 429);
    for (let i = 0; i < 3; i++) assert.equal((await callAs(certs, url, 'alice')).status, 200, 'tier Platinum is unknown: MI_API_053, not counted');
  });
});

describe('throttling per API key (mi api-key issue)', function () {
  this.timeout(120_000);
  let home: string;
  let server: Server;
  const keys: string[] = [];

  before(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-throttle-key-'));
    const api = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(api, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(api, 'Keys.xml'), `<api ${SYN} name="Keys" context="/keys"><security subscription_tier="Two"><api_key/></security>${res('/')}</api>`);
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `[server]\nhot_deployment = false\n${TIERS}`);
    for (const name of ['ci-a', 'ci-b']) {
      const r = spawnSync(process.execPath, [MI, 'api-key', 'issue', '--api', 'Keys', '--name', name, '--home', home], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      keys.push(r.stdout.trim());
    }
    server = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    await awayFromWindowEnd(HOUR);
  });
  after(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('counts each key apart under the subscription tier (900804)', async () => {
    const call = async (key: string) => {
      const r = await fetch(`http://127.0.0.1:${server.httpPort}/keys/`, { headers: { apikey: key } });
      return { status: r.status, headers: r.headers, text: await r.text() };
    };
    for (let i = 0; i < 2; i++) assert.equal((await call(keys[0]!)).status, 200);
    const r = await call(keys[0]!);
    assert.equal(throttledFault(r.status, r.headers, r.text, HOUR).code, 900804);
    for (let i = 0; i < 2; i++) assert.equal((await call(keys[1]!)).status, 200, 'the other key has its own count');
    assert.equal((await call(keys[1]!)).status, 429);
  });
});

describe('throttling declarations in mi validate', () => {
  it('prints each resource with its tiers after its security', () => {
    const h = makeHome(
      {
        'api/Shop.xml': `<api ${SYN} name="Shop" context="/shop"><security throttling_tier="50KPerMin" subscription_tier="Bursty"><basic_auth/></security>
          ${res('/a')}${res('/b', '<security throttling_tier="Two"/>')}${res('/c', '<security auth="none" subscription_tier="Unlimited"/>')}</api>`,
      },
      { 'deployment.toml': TIERS },
    );
    try {
      const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.deepEqual(
        r.stdout.split('\n').filter((l) => l.startsWith('security  ')),
        [
          'security  API Shop  GET /a  basic_auth; throttled: API 50KPerMin, per consumer Bursty (burst 2 per min)  (XML <api>)',
          'security  API Shop  POST /a  basic_auth; throttled: API 50KPerMin, per consumer Bursty (burst 2 per min)  (XML <api>)',
          'security  API Shop  GET /b  basic_auth; throttled: API 50KPerMin, resource Two, per consumer Bursty (burst 2 per min)  (XML <api>)',
          'security  API Shop  POST /b  basic_auth; throttled: API 50KPerMin, resource Two, per consumer Bursty (burst 2 per min)  (XML <api>)',
          'security  API Shop  GET /c  open; throttled: API 50KPerMin  (XML <resource>)',
          'security  API Shop  POST /c  open; throttled: API 50KPerMin  (XML <resource>)',
        ],
      );
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});

describe('throttling declarations that cannot be enforced', () => {
  it('mi validate refuses a tier that is neither built in nor declared (MI_API_051), in XML and in the OpenAPI definition', () => {
    const h = makeHome({
      'api/Bad.xml': `<api ${SYN} name="Bad" context="/bad"><security throttling_tier="Platinum"/>${res('/')}</api>`,
      'api/Ops.xml': `<api ${SYN} name="Ops" context="/ops">${res('/x')}</api>`,
      'api/Ops_swagger.yaml': `openapi: 3.0.3\ninfo: { title: Ops, version: '1' }\npaths:\n  /x:\n    get:\n      x-throttling-tier: Diamond\n      responses: { '200': { description: ok } }\n`,
    });
    try {
      const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
      assert.notEqual(r.status, 0);
      assert.match(r.stdout + r.stderr, /Bad\.xml:\d+:\d+\s+MI_API_051\s+throttling_tier 'Platinum' is no throttling tier \(known: Unlimited, Gold, Silver, Bronze, Unauthenticated/);
      assert.match(r.stdout + r.stderr, /Ops_swagger\.yaml:\d+:\d+\s+MI_API_051\s+paths\.\/x\.get\.x-throttling-tier 'Diamond' is no throttling tier/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('mi start refuses a [[throttling.tier]] without request_count (MI_API_050)', () => {
    const h = makeHome({}, { 'deployment.toml': '[[throttling.tier]]\nname = "Partner"\nunit_time = 1\n' });
    try {
      const r = spawnSync(process.execPath, [MI, 'start', '--home', h], { encoding: 'utf8', cwd: h, timeout: 60_000 });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /^mi: MI_API_050  \[\[throttling\.tier\]\] 'Partner' needs request_count/m);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});
