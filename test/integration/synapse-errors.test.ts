/**
 * The README's table of transport failures, row by row: each failure is made for real on loopback, a fault
 * sequence returns ERROR_CODE / ERROR_MESSAGE / ERROR_DETAIL / ERROR_EXCEPTION as JSON, and the same
 * endpoint without a fault sequence shows the status of the runtime's own reply. The expected values are
 * Synapse's (TargetErrorHandler, DeliveryAgent, TimeoutHandler, AbstractEndpoint).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { get, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../helpers/server.js';

interface Reported {
  code: string;
  message: string;
  detail: string;
  exception: string;
}

const REPORT = `<faultSequence>
  <payloadFactory media-type="json"><format>{"code":"$1","message":"$2","detail":"$3","exception":"$4"}</format>
    <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/>
      <arg expression="get-property('ERROR_DETAIL')"/><arg expression="get-property('ERROR_EXCEPTION')"/></args></payloadFactory>
  <property name="HTTP_SC" value="200" scope="axis2"/><respond/></faultSequence>`;

const CONNECTING = 'Error connecting to the back end';
const SENDER = 'Error in Sender';
const RESET = 'java.io.IOException: Connection reset by peer';
const SECRET = 'v4ult-s3cret-Q9';
const SECRET_ENV = 'MI_TEST_ERROR_SECRET';

async function listening(server: http.Server | https.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

function closing(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A backend that sends the head of a 100-byte JSON answer and part of its body, then `end`s the socket. */
function partialAnswer(end: (socket: import('node:net').Socket) => void): (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void {
  return (req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    res.write('{"partial":');
    setTimeout(() => end(req.socket), 30);
  };
}

describe('Synapse error properties for each transport failure (README table)', function () {
  this.timeout(30000);
  let s: TestServer;
  let closedPort: number;
  const backends: Backend[] = [];
  let hanging: http.Server;
  let hangingUrl: string;
  let untrusted: https.Server;
  let untrustedUrl: string;
  let certDir: string;

  /** resource name -> endpoint XML; each resource exists twice: with the reporting fault sequence and without. */
  const endpoints: Record<string, string> = {};

  before(async () => {
    process.env[SECRET_ENV] = SECRET;
    const probe = http.createServer();
    closedPort = await listening(probe);
    await closing(probe);

    hanging = http.createServer(() => {
      /* never answers */
    });
    hangingUrl = `http://127.0.0.1:${await listening(hanging)}`;

    const closesBefore = await startBackend((req) => req.socket.destroy());
    const resetsBefore = await startBackend((req) => req.socket.resetAndDestroy());
    const resetsMidBody = await startBackend(partialAnswer((socket) => socket.resetAndDestroy()));
    const closesMidBody = await startBackend(partialAnswer((socket) => socket.destroy()));
    const stallsMidBody = await startBackend(partialAnswer(() => {}));
    const plain = await startBackend();
    backends.push(closesBefore, resetsBefore, resetsMidBody, closesMidBody, stallsMidBody, plain);

    certDir = mkdtempSync(path.join(os.tmpdir(), 'mi-cert-'));
    const key = path.join(certDir, 'key.pem');
    const cert = path.join(certDir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-days', '2'], { stdio: 'ignore' });
    untrusted = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => res.end('{}'));
    untrustedUrl = `https://127.0.0.1:${await listening(untrusted)}`;

    const noSuspend = '<suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure><markForSuspension><errorCodes>-1</errorCodes></markForSuspension>';
    const timeout = '<timeout><duration>300</duration><responseAction>fault</responseAction></timeout>';
    Object.assign(endpoints, {
      refused: `<address uri="http://127.0.0.1:${closedPort}/x">${noSuspend}</address>`,
      unknownHost: `<address uri="http://nonexistent.invalid/x">${noSuspend}</address>`,
      timeout: `<address uri="${hangingUrl}/slow">${timeout}${noSuspend}</address>`,
      closedBefore: `<address uri="${closesBefore.url}/x">${noSuspend}</address>`,
      resetBefore: `<address uri="${resetsBefore.url}/x">${noSuspend}</address>`,
      resetMidBody: `<address uri="${resetsMidBody.url}/x">${noSuspend}</address>`,
      closedMidBody: `<address uri="${closesMidBody.url}/x">${noSuspend}</address>`,
      stalledMidBody: `<address uri="${stallsMidBody.url}/x">${timeout}${noSuspend}</address>`,
      tlsToPlain: `<address uri="${plain.url.replace('http:', 'https:')}/x">${noSuspend}</address>`,
      untrustedCert: `<address uri="${untrustedUrl}/x">${noSuspend}</address>`,
      vaultUrl: `<http method="get" uri-template="http://127.0.0.1:${closedPort}/q?apikey={key}">${noSuspend}</http>`,
    });
    const resource = (name: string, ep: string, fault: string): string =>
      `<resource methods="GET" uri-template="/${name}"><inSequence>
        <property name="key" expression="wso2:vault-lookup('${SECRET_ENV}', 'ENV', 'false')"/>
        <call><endpoint>${ep}</endpoint></call>
        <property name="whole" expression="json-eval($)"/>
        <respond/></inSequence>${fault}</resource>`;
    const resources = (fault: string): string =>
      Object.entries(endpoints).map(([name, ep]) => resource(name, ep, fault)).join('\n') +
      ['Down', 'FO', 'LB'].map((key) => resource(key, '', fault).replace('<endpoint></endpoint>', `<endpoint key="${key}"/>`)).join('\n');
    const down = (): string => `<address uri="http://127.0.0.1:${closedPort}/x"><suspendOnFailure><initialDuration>60000</initialDuration></suspendOnFailure></address>`;
    s = await startTestServer({
      'api/Report.xml': `<api ${SYN} name="Report" context="/report">${resources(REPORT)}</api>`,
      'api/Plain.xml': `<api ${SYN} name="Plain" context="/plain">${resources('')}</api>`,
      'endpoints/Down.xml': `<endpoint ${SYN} name="Down">${down()}</endpoint>`,
      'endpoints/FO.xml': `<endpoint ${SYN} name="FO"><failover><endpoint name="FO1">${down()}</endpoint><endpoint name="FO2">${down()}</endpoint></failover></endpoint>`,
      'endpoints/LB.xml': `<endpoint ${SYN} name="LB"><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin"><endpoint name="LB1">${down()}</endpoint><endpoint name="LB2">${down()}</endpoint></loadbalance></endpoint>`,
    });
  });

  after(async () => {
    await s?.close();
    await Promise.all(backends.map((b) => b.close()));
    await closing(hanging);
    await closing(untrusted);
    rmSync(certDir, { recursive: true, force: true });
    delete process.env[SECRET_ENV];
  });

  async function reported(name: string): Promise<Reported> {
    const r = await get(`${s.url}/report/${name}`);
    assert.equal(r.status, 200, r.text);
    return JSON.parse(r.text) as Reported;
  }

  async function defaultStatus(name: string): Promise<number> {
    return (await get(`${s.url}/plain/${name}`)).status;
  }

  const rows: { name: string; cause: string; expect: Reported; status: number }[] = [
    { name: 'refused', cause: 'connection refused', expect: { code: '101503', message: CONNECTING, detail: CONNECTING, exception: '' }, status: 502 },
    { name: 'unknownHost', cause: 'unknown host (nonexistent.invalid)', expect: { code: '101503', message: CONNECTING, detail: CONNECTING, exception: '' }, status: 502 },
    { name: 'timeout', cause: 'no answer within the endpoint timeout', expect: { code: '101504', message: 'Send timeout', detail: '', exception: '' }, status: 504 },
    { name: 'closedBefore', cause: 'backend closes the connection before answering', expect: { code: '101508', message: SENDER, detail: SENDER, exception: '' }, status: 502 },
    { name: 'resetBefore', cause: 'backend resets the connection before answering', expect: { code: '101503', message: SENDER, detail: RESET, exception: RESET }, status: 502 },
    { name: 'resetMidBody', cause: 'backend resets the connection in the middle of the body', expect: { code: '101505', message: SENDER, detail: RESET, exception: RESET }, status: 502 },
    { name: 'closedMidBody', cause: 'backend closes the connection in the middle of the body', expect: { code: '101510', message: SENDER, detail: SENDER, exception: '' }, status: 502 },
    { name: 'stalledMidBody', cause: 'backend stops in the middle of the body past the timeout', expect: { code: '101509', message: SENDER, detail: SENDER, exception: '' }, status: 504 },
    {
      name: 'tlsToPlain',
      cause: 'https to a plain HTTP port',
      expect: { code: '101500', message: SENDER, detail: 'javax.net.ssl.SSLException: Unsupported or unrecognized SSL message', exception: 'javax.net.ssl.SSLException: Unsupported or unrecognized SSL message' },
      status: 502,
    },
  ];

  for (const row of rows) {
    it(`${row.cause}: ${row.expect.code} / ${row.expect.message}`, async () => {
      assert.deepEqual(await reported(row.name), row.expect);
      assert.equal(await defaultStatus(row.name), row.status);
    });
  }

  it('untrusted server certificate: 101500 / Error in Sender / the PKIX failure', async () => {
    const pkix =
      'javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target';
    assert.deepEqual(await reported('untrustedCert'), { code: '101500', message: SENDER, detail: pkix, exception: pkix });
    assert.equal(await defaultStatus('untrustedCert'), 502);
  });

  it('suspended endpoint: the failure that suspends it, then 303001 / Currently , Address endpoint : ...', async () => {
    assert.deepEqual(await reported('Down'), { code: '101503', message: CONNECTING, detail: CONNECTING, exception: '' });
    const text = 'Currently , Address endpoint : [ Name : Down ] [ State : SUSPENDED ]';
    assert.deepEqual(await reported('Down'), { code: '303001', message: text, detail: text, exception: text });
    assert.equal(await defaultStatus('Down'), 503);
  });

  it('failover with every child down: the last child\'s error, then 303000 once no child is ready', async () => {
    assert.deepEqual(await reported('FO'), { code: '101503', message: CONNECTING, detail: CONNECTING, exception: '' });
    const text = 'Failover endpoint : FO - no ready child endpoints';
    assert.deepEqual(await reported('FO'), { code: '303000', message: text, detail: text, exception: text });
    assert.equal(await defaultStatus('FO'), 503);
  });

  it('loadbalance with every member down: the last member\'s error, then 303000 once none is ready', async () => {
    assert.deepEqual(await reported('LB'), { code: '101503', message: CONNECTING, detail: CONNECTING, exception: '' });
    const text = 'Loadbalance endpoint : LB - no ready child endpoints';
    assert.deepEqual(await reported('LB'), { code: '303000', message: text, detail: text, exception: text });
    assert.equal(await defaultStatus('LB'), 503);
  });

  it('a vault secret in the endpoint URL is in no ERROR_* property and not in the default reply', async () => {
    const props = await reported('vaultUrl');
    assert.equal(props.code, '101503');
    assert.ok(!JSON.stringify(props).includes(SECRET));
    const r = await get(`${s.url}/plain/vaultUrl`);
    assert.equal(r.status, 502);
    assert.match(r.text, /apikey=\*\*\*\*\*/, 'the default reply names the address, masked');
    assert.ok(!r.text.includes(SECRET), r.text);
  });
});
