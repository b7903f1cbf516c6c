/**
 * Full chain verification of client certificates, over real HTTPS and HTTP on loopback with `openssl`-made
 * certificates: through the TLS handshake and through the X-WSO2-CLIENT-CERTIFICATE header of a trusted
 * proxy (127.0.0.1), every verdict with its logged code; the same header from another address (127.0.0.2)
 * is ignored and logged once (also on a dual-stack listener, for IPv6 blocks and IPv4-mapped peers); an
 * intermediate added to the trust store lets the leaf come alone; API Manager's enable_client_validation
 * and enable_certificate_chain_validation; the management API's client-certificates resource (admin only)
 * changes what the API admits at once; and two `mi start` processes sharing PostgreSQL follow
 * `mi api-cert add` and the management API of either node within certificate_reload_interval (1 s).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import tls from 'node:tls';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { startServer, type Server } from '../../../src/main.js';
import { spawnSync } from 'node:child_process';
import { startCluster, type Cluster, type Node } from '../../helpers/cluster.js';
import { needService } from '../../helpers/databases.js';
import { MI } from '../../helpers/process.js';
import { needRedis } from '../../helpers/redis.js';
import { SYN } from '../../helpers/server.js';
import { ADMIN, basic, USERS_TOML, VIEWER } from '../../management/client.js';
import { callAs, makeCertificates, type Answer, type Certificates, type Client } from './mtls-fixtures.js';

const WHO = `<inSequence><payloadFactory media-type="json"><format>{"subject":"$1","tier":"$2","alias":"$3"}</format><args>
  <arg expression="get-property('CLIENT_CERT_SUBJECT')"/><arg expression="get-property('api.ut.clientCertificateTier')"/>
  <arg expression="get-property('api.ut.clientCertificateAlias')"/></args></payloadFactory><respond/></inSequence>`;

const HEADER = 'X-WSO2-CLIENT-CERTIFICATE';

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 20 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('client certificate chains (handshake and trusted proxy header) and the client-certificates management API', function () {
  this.timeout(120_000);
  let certs: Certificates;
  let server: Server;
  let logs: ReturnType<typeof memoryLoggerFactory>;
  let trustFile: string;

  before(async () => {
    certs = makeCertificates();
    const home = mkdtempSync(path.join(os.tmpdir(), 'mi-chain-'));
    const dir = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(dir, 'Who.xml'), `<api ${SYN} name="Who" context="/who"><security><mutualssl/></security><resource methods="GET" uri-template="/">${WHO}</resource></api>`);
    writeFileSync(path.join(dir, 'Shop.xml'), `<api ${SYN} name="Shop" context="/shop"><security><mutualssl/></security><resource methods="GET" uri-template="/">${WHO}</resource></api>`);
    trustFile = path.join(certs.dir, 'trust.pem');
    writeFileSync(trustFile, readFileSync(certs.pem('root' as Client)));
    const toml = certs.toml.replace(`${certs.dir}/root.pem`, trustFile);
    writeFileSync(
      path.join(home, 'deployment', 'deployment.toml'),
      `[server]\nhot_deployment = false\n\n[apim.mutual_ssl]\ncertificate_reload_interval = 1\n\n${USERS_TOML}\n${toml}listener.trusted_proxies = ["127.0.0.1/32"]\nlistener.ssl_profile.read_interval = 200\n`,
    );
    logs = memoryLoggerFactory();
    server = await startServer({ home, logs, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await server?.stop();
  });

  const warnings = (code: string): string[] => logs.lines.filter((l) => l.level === 'WARN' && l.message.startsWith(code)).map((l) => l.message);

  /** GET over HTTP with the header, from `localAddress` (127.0.0.1 by default: the trusted proxy). */
  function viaHeader(value: string, api = 'who', localAddress = '127.0.0.1'): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.httpPort, path: `/${api}`, localAddress, headers: { [HEADER]: value }, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, fault: res.statusCode! >= 400 ? (JSON.parse(body) as { fault?: { code: number } }).fault?.code : undefined, body }));
      });
      req.on('error', reject);
    });
  }

  const viaHandshake = (client: Client, api = 'who'): Promise<Answer> => callAs(certs, `https://localhost:${server.httpsPort}/${api}`, client);

  it('admits a client of the intermediate through the handshake and through the header carrying its chain', async () => {
    const hs = await viaHandshake('alice');
    assert.equal(hs.status, 200, hs.body);
    assert.equal(JSON.parse(hs.body).subject, 'CN=alice,O=Test');
    // URL-encoded PEM (nginx $ssl_client_escaped_cert) and Base64 of the PEM, as API Manager accepts them
    for (const value of [encodeURIComponent(certs.chain('alice')), Buffer.from(certs.chain('alice')).toString('base64')]) {
      const h = await viaHeader(value);
      assert.equal(h.status, 200, h.body);
      assert.equal(JSON.parse(h.body).subject, 'CN=alice,O=Test');
    }
    assert.equal((await viaHeader(encodeURIComponent(certs.chain('bob')))).status, 200, 'a client of the root itself');
  });

  /** GET /who over one TLS connection presenting alice's chain, resuming `session` if given. */
  function aliceOverTls(session?: Buffer): Promise<{ status: number; resumed: boolean; session?: Buffer }> {
    return new Promise((resolve, reject) => {
      const pem = certs.chain('alice');
      const socket = tls.connect({ host: '127.0.0.1', port: server.httpsPort, servername: 'localhost', ca: readFileSync(path.join(certs.dir, 'root.pem')), cert: pem, key: readFileSync(certs.pem('alice').replace(/\.pem$/, '.key')), session });
      let ticket: Buffer | undefined;
      let answer = '';
      socket.on('session', (s: Buffer) => (ticket = s));
      socket.on('secureConnect', () => socket.write('GET /who HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
      socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
      socket.on('end', () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]), resumed: socket.isSessionReused(), session: ticket }));
      socket.on('error', reject);
    });
  }

  it('admits a client of the intermediate again on a resumed TLS session (which keeps the leaf without its chain)', async () => {
    const first = await aliceOverTls();
    assert.equal(first.status, 200);
    assert.ok(first.session, 'the server issued a session ticket');
    const again = await aliceOverTls(first.session);
    assert.equal(again.resumed, true, 'the second connection resumed the session');
    assert.equal(again.status, 200, 'the resumed session is admitted with the verdict of the full handshake');
  });

  // client, the code logged, and a part of the reason
  const refusals: [Client, string, RegExp][] = [
    ['expired', 'MI_API_091', /CN=expired.*expired on/],
    ['mallory', 'MI_API_090', /no issuer of .*CN=mallory/],
    ['dave', 'MI_API_092', /issuer .*CN=notca is not a CA/],
    ['cipher', 'MI_API_093', /CN=cipher has keyUsage without digitalSignature/],
    ['forged', 'MI_API_094', /signature of .*CN=forged does not verify/],
  ];

  for (const [client, code, reason] of refusals) {
    it(`refuses ${client} through the header of a trusted proxy as no certificate (900902), logging ${code} once`, async () => {
      const value = encodeURIComponent(certs.chain(client));
      for (let i = 0; i < 2; i++) {
        const r = await viaHeader(value);
        assert.equal(r.status, 401, r.body);
        assert.equal(r.fault, 900902);
      }
      const lines = warnings(code).filter((m) => m.includes(`CN=${client}`) && m.includes('forwarded by'));
      assert.equal(lines.length, 1, JSON.stringify(logs.lines));
      assert.match(lines[0]!, reason);
    });
  }

  // OpenSSL verifies the handshake first and names its reason; Node does not show the chain of a refused
  // client, so an issuer that is not a CA, or an impostor, is reported as OpenSSL sees it (no usable issuer)
  const handshakeRefusals: [Client, string][] = [
    ['expired', 'MI_API_091'],
    ['mallory', 'MI_API_090'],
    ['dave', 'MI_API_090'],
    ['cipher', 'MI_API_093'],
    ['forged', 'MI_API_090'],
  ];

  for (const [client, code] of handshakeRefusals) {
    it(`refuses ${client} in the TLS handshake as no certificate (900902), logging ${code}`, async () => {
      // the listener asks for a certificate without demanding one, so the handshake completes and the API refuses
      const r = await viaHandshake(client);
      assert.equal(r.status, 401, r.body);
      assert.equal(r.fault, 900902);
      assert.ok(warnings(code).some((m) => m.includes(`CN=${client}`) && m.includes('TLS handshake')), JSON.stringify(logs.lines));
    });
  }

  it('a leaf sent alone needs its intermediate in the trust store; once added there (no restart), it is admitted', async () => {
    const leaf = encodeURIComponent(readFileSync(certs.pem('alice'), 'utf8'));
    const before = await viaHeader(leaf);
    assert.equal(before.fault, 900902);
    assert.ok(warnings('MI_API_090').some((m) => m.includes('CN=alice') && m.includes('CN=inter')), JSON.stringify(logs.lines));
    writeFileSync(trustFile, readFileSync(certs.pem('root' as Client), 'utf8') + readFileSync(path.join(certs.dir, 'inter.pem'), 'utf8'));
    await eventually('the leaf admitted after the trust store gained the intermediate', async () => (await viaHeader(leaf)).status === 200);
  });

  it('ignores the same header from an address outside trusted_proxies (counts as none) and logs MI_API_095 once per address', async () => {
    const value = encodeURIComponent(certs.chain('alice'));
    assert.equal((await viaHeader(value)).status, 200);
    for (let i = 0; i < 3; i++) {
      const r = await viaHeader(value, 'who', '127.0.0.2');
      assert.equal(r.status, 401, r.body);
      assert.equal(r.fault, 900902);
    }
    const lines = warnings('MI_API_095');
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.match(lines[0]!, /x-wso2-client-certificate header from 127\.0\.0\.2, which is not in listener\.trusted_proxies, is ignored/);
  });

  it('a malformed header from a trusted proxy is a 400 with MI_TLS_003', async () => {
    const r = await viaHeader('-----BEGIN CERTIFICATE-----garbage-----END CERTIFICATE-----');
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).code, 'MI_TLS_003');
  });

  describe('management API: /management/apis/{apiName}/client-certificates', () => {
    let agent: Agent;
    let adminToken: string;
    let viewerToken: string;

    async function mgmt(p: string, opts: { method?: string; token?: string; auth?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
      const headers: Record<string, string> = {};
      if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
      if (opts.auth) headers['authorization'] = opts.auth;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const r = await fetch(`${server.managementUrl!.replace('127.0.0.1', 'localhost')}${p}`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), dispatcher: agent });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : undefined };
    }

    before(async () => {
      agent = certs.agent();
      assert.match(server.managementUrl!, /^https:/);
      const admin = await mgmt('/login', { auth: basic(ADMIN.name, ADMIN.password) });
      assert.equal(admin.status, 200, JSON.stringify(admin.body));
      adminToken = admin.body.AccessToken;
      viewerToken = (await mgmt('/login', { auth: basic(VIEWER.name, VIEWER.password) })).body.AccessToken;
    });

    const base = '/apis/Shop/client-certificates';

    it('adds a certificate that takes effect at once: the API admits only it, with its tier and alias', async () => {
      assert.deepEqual((await mgmt(base, { token: adminToken })).body, { count: 0, list: [] });
      assert.equal((await viaHandshake('carol', 'shop')).status, 200, 'no registration: the trust store decides');
      const added = await mgmt(base, { method: 'POST', token: adminToken, body: { alias: 'partner-b', certificate: readFileSync(certs.pem('bob'), 'utf8'), tier: 'Gold' } });
      assert.equal(added.status, 201, JSON.stringify(added.body));
      assert.deepEqual(added.body, { alias: 'partner-b', apiName: 'Shop', tier: 'Gold' });
      const bob = await viaHandshake('bob', 'shop');
      assert.equal(bob.status, 200, bob.body);
      assert.deepEqual(JSON.parse(bob.body), { subject: 'CN=bob,O=Test', tier: 'Gold', alias: 'partner-b' });
      assert.equal((await viaHeader(encodeURIComponent(certs.chain('bob')), 'shop')).status, 200, 'the same through the header');
      const carol = await viaHandshake('carol', 'shop');
      assert.equal(carol.fault, 900901, 'a trusted certificate not registered for the API');
      assert.deepEqual((await mgmt(base, { token: adminToken })).body, { count: 1, list: [{ alias: 'partner-b', apiName: 'Shop', tier: 'Gold' }] });
    });

    it('shows one certificate: status, validity, subject, issuer, fingerprint', async () => {
      const r = await mgmt(`${base}/partner-b`, { token: adminToken });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.status, 'Active');
      assert.equal(r.body.subject, 'O=Test, CN=bob');
      assert.equal(r.body.issuer, 'O=Test, CN=root');
      assert.equal(r.body.tier, 'Gold');
      assert.ok(r.body.validity.from && r.body.validity.to);
      assert.match(r.body.fingerprintSha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });

    it('refuses bad requests with their codes, and non-admins with MI_MGT_002', async () => {
      const pem = readFileSync(certs.pem('carol'), 'utf8');
      const cases: [string, string, unknown, number, string][] = [
        ['POST', '/apis/Nope/client-certificates', { alias: 'x', certificate: pem }, 404, 'MI_MGT_020'],
        ['GET', '/apis/Nope/client-certificates', undefined, 404, 'MI_MGT_020'],
        ['POST', base, { alias: 'x' }, 400, 'MI_MGT_021'],
        ['POST', base, { alias: 'x', certificate: 'not a certificate' }, 400, 'MI_MGT_021'],
        ['POST', base, { alias: '', certificate: pem }, 400, 'MI_MGT_021'],
        ['POST', base, { alias: 'partner-b', certificate: pem }, 409, 'MI_MGT_022'],
        ['GET', `${base}/nobody`, undefined, 404, 'MI_MGT_023'],
        ['DELETE', `${base}/nobody`, undefined, 404, 'MI_MGT_023'],
      ];
      for (const [method, p, body, status, code] of cases) {
        const r = await mgmt(p, { method, token: adminToken, body });
        assert.equal(r.status, status, `${method} ${p} ${JSON.stringify(r.body)}`);
        assert.equal(r.body.code, code, `${method} ${p}`);
      }
      for (const method of ['GET', 'POST']) {
        const r = await mgmt(base, { method, token: viewerToken, body: method === 'POST' ? { alias: 'v', certificate: pem } : undefined });
        assert.equal(r.status, 403);
        assert.equal(r.body.code, 'MI_MGT_002');
      }
      assert.equal((await mgmt(base)).status, 401);
    });

    it('deletes a certificate: the API goes back to the trust store alone', async () => {
      const r = await mgmt(`${base}/partner-b`, { method: 'DELETE', token: adminToken });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body, { alias: 'partner-b', apiName: 'Shop', status: 'Deleted' });
      assert.equal((await viaHandshake('carol', 'shop')).status, 200);
      assert.deepEqual((await mgmt(base, { token: adminToken })).body, { count: 0, list: [] });
    });
  });
});

describe('[apimgt.mutual_ssl] enable_client_validation and enable_certificate_chain_validation', function () {
  this.timeout(120_000);
  let certs: Certificates;
  let server: Server;
  let logs: ReturnType<typeof memoryLoggerFactory>;
  let home: string;

  before(async () => {
    certs = makeCertificates();
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-chain-lb-'));
    const dir = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(dir, 'Who.xml'), `<api ${SYN} name="Who" context="/who"><security><mutualssl/></security><resource methods="GET" uri-template="/">${WHO}</resource></api>`);
    writeFileSync(
      path.join(home, 'deployment', 'deployment.toml'),
      `[server]\nhot_deployment = false\n\n[apim.mutual_ssl]\ncertificate_reload_interval = 1\n\n[apimgt.mutual_ssl]\nenable_client_validation = true\nenable_certificate_chain_validation = true\ncertificate_header = "SSL-CLIENT-CERT"\n\n${certs.toml}listener.trusted_proxies = ["127.0.0.1"]\n`,
    );
    logs = memoryLoggerFactory();
    server = await startServer({ home, logs, httpPort: 0, host: '127.0.0.1' });
  });
  after(async () => server?.stop());

  async function who(url: string, dispatcher?: Agent): Promise<Answer> {
    const r = await fetch(url, { headers: { 'SSL-CLIENT-CERT': encodeURIComponent(certs.chain('alice')) }, dispatcher });
    const body = await r.text();
    return { status: r.status, fault: r.status >= 400 ? (JSON.parse(body) as { fault?: { code: number } }).fault?.code : undefined, body };
  }

  it('takes the header over a connection on which the proxy presented a trusted certificate', async () => {
    // carol plays the load balancer: its own certificate in the handshake, the client's (alice) in the header
    const r = await who(`https://localhost:${server.httpsPort}/who`, certs.agent('carol'));
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).subject, 'CN=alice,O=Test');
  });

  it('ignores the header from a trusted address whose connection carries no certificate, logging MI_API_096 once', async () => {
    for (const url of [`http://127.0.0.1:${server.httpPort}/who`, `http://127.0.0.1:${server.httpPort}/who`]) {
      const r = await who(url);
      assert.equal(r.status, 401, r.body);
      assert.equal(r.fault, 900902);
    }
    const lines = logs.lines.filter((l) => l.message.startsWith('MI_API_096'));
    assert.equal(lines.length, 1, JSON.stringify(logs.lines));
    assert.match(lines[0]!.message, /ssl-client-cert header from 127\.0\.0\.1 is ignored: \[apimgt\.mutual_ssl\] enable_client_validation = true/);
  });

  it('enable_certificate_chain_validation: an intermediate registered for the API admits the certificates it issued', async () => {
    const added = spawnSync(process.execPath, [MI, 'api-cert', 'add', '--api', 'Who', '--alias', 'inter-ca', '--tier', 'Gold', path.join(certs.dir, 'inter.pem'), '--home', home], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(added.status, 0, added.stderr);
    const url = `https://localhost:${server.httpsPort}/who`;
    await eventually('bob (issued by the root, not the intermediate) refused', async () => (await callAs(certs, url, 'bob')).fault === 900901);
    const alice = await callAs(certs, url, 'alice');
    assert.equal(alice.status, 200, alice.body);
    assert.deepEqual(JSON.parse(alice.body), { subject: 'CN=alice,O=Test', tier: 'Gold', alias: 'inter-ca' });
    const forwarded = await who(url, certs.agent('carol'));
    assert.deepEqual(JSON.parse(forwarded.body), { subject: 'CN=alice,O=Test', tier: 'Gold', alias: 'inter-ca' }, 'the same for a forwarded chain');
  });
});

describe('trusted proxies on a dual-stack listener: IPv6 blocks and IPv4-mapped addresses', function () {
  this.timeout(120_000);
  let certs: Certificates;
  let server: Server;
  let logs: ReturnType<typeof memoryLoggerFactory>;

  before(async () => {
    certs = makeCertificates();
    const home = mkdtempSync(path.join(os.tmpdir(), 'mi-chain-v6-'));
    const dir = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(dir, 'Who.xml'), `<api ${SYN} name="Who" context="/who"><security><mutualssl/></security><resource methods="GET" uri-template="/">${WHO}</resource></api>`);
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `[server]\nhot_deployment = false\n\n${certs.toml}listener.trusted_proxies = ["127.0.0.1/32", "::1/128"]\n`);
    logs = memoryLoggerFactory();
    // '::' takes IPv4 too: an IPv4 peer shows up as ::ffff:127.0.0.1
    server = await startServer({ home, logs, httpPort: 0, host: '::' });
  });
  after(async () => server?.stop());

  function from(host: string, localAddress: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.get({ host, port: server.httpPort, path: '/who', localAddress, headers: { [HEADER]: encodeURIComponent(certs.chain('alice')) }, agent: false }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode!));
      });
      req.on('error', reject);
    });
  }

  it('believes ::1 (an IPv6 block) and 127.0.0.1 seen as ::ffff:127.0.0.1; ignores ::ffff:127.0.0.2', async () => {
    assert.equal(await from('::1', '::1'), 200);
    assert.equal(await from('127.0.0.1', '127.0.0.1'), 200);
    assert.equal(await from('127.0.0.1', '127.0.0.2'), 401);
    const lines = logs.lines.filter((l) => l.message.startsWith('MI_API_095'));
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.match(lines[0]!.message, /from ::ffff:127\.0\.0\.2, which is not in listener\.trusted_proxies/);
  });
});

describe('client certificates on two server processes sharing PostgreSQL', function () {
  this.timeout(300_000);
  const CHIEF = { name: 'chief', password: 'Chief-Pass-1' };
  let certs: Certificates;
  let c: Cluster;

  before(async function () {
    await needService(this, 'postgres');
    await needRedis(this);
    certs = makeCertificates();
    const files = { 'api/Shop.xml': `<api ${SYN} name="Shop" context="/shop"><security><mutualssl/></security><resource methods="GET" uri-template="/">${WHO}</resource></api>` };
    c = await startCluster(2, files, `[super_admin]\nusername = "${CHIEF.name}"\npassword = "${CHIEF.password}"\n\n[apim.mutual_ssl]\ncertificate_reload_interval = 1\n\n[transport.http]\nlistener.truststore.location = "${certs.dir}/root.pem"\nlistener.trusted_proxies = ["127.0.0.1"]\n`);
  });
  after(async () => c?.stop());

  /** The load balancer's call: plain HTTP from 127.0.0.1 with the client's certificate in the header. */
  async function call(node: Node, client: Client): Promise<{ status: number; fault?: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const r = await fetch(`${node.url}/shop`, { headers: { [HEADER]: encodeURIComponent(certs.chain(client)) } });
    const body = JSON.parse(await r.text());
    return { status: r.status, fault: body.fault?.code, body };
  }

  async function token(node: Node): Promise<string> {
    const r = await c.mgmt(node, '/login', { auth: basic(CHIEF.name, CHIEF.password) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.AccessToken;
  }

  it('mi api-cert add reaches both running processes within the reload interval; the management API of either node too', async () => {
    for (const n of c.nodes) assert.equal((await call(n, 'carol')).status, 200, 'no registration: the trust store decides');
    const added = spawnSync(process.execPath, [MI, 'api-cert', 'add', '--api', 'Shop', '--alias', 'partner-b', '--tier', 'Gold', certs.pem('bob'), '--home', c.nodes[0]!.home], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(added.status, 0, added.stderr);
    for (const n of c.nodes) {
      await eventually(`${n.url} refusing carol`, async () => (await call(n, 'carol')).fault === 900901);
      assert.deepEqual((await call(n, 'bob')).body, { subject: 'CN=bob,O=Test', tier: 'Gold', alias: 'partner-b' });
    }
    // deleted through the second node's management API: that node at once, the first within the interval
    const [first, second] = c.nodes as [Node, Node];
    const del = await c.mgmt(second, '/apis/Shop/client-certificates/partner-b', { method: 'DELETE', token: await token(second) });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.equal((await call(second, 'carol')).status, 200);
    await eventually('the first node following the deletion', async () => (await call(first, 'carol')).status === 200);
    // added through the first node's management API: the second follows
    const pem = readFileSync(certs.pem('alice'), 'utf8');
    const post = await c.mgmt(first, '/apis/Shop/client-certificates', { method: 'POST', token: await token(first), body: { alias: 'partner-a', certificate: pem, tier: 'Silver' } });
    assert.equal(post.status, 201, JSON.stringify(post.body));
    await eventually('the second node following the addition', async () => (await call(second, 'carol')).fault === 900901);
    assert.deepEqual((await call(second, 'alice')).body, { subject: 'CN=alice,O=Test', tier: 'Silver', alias: 'partner-a' });
    const listed = await c.mgmt(second, '/apis/Shop/client-certificates', { token: await token(second) });
    assert.deepEqual(listed.body, { count: 1, list: [{ alias: 'partner-a', apiName: 'Shop', tier: 'Silver' }] });
  });
});
