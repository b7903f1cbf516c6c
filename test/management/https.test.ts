/**
 * With a key store (made by the real `mi keystore create`), the management API is HTTPS with that key,
 * signs tokens RS256 with it, and keeps the listener's TLS floor; clients that do not trust the
 * certificate are refused by TLS itself.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { promisify } from 'node:util';
import { jwtVerify } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { MI, makeHome } from '../helpers/process.js';
import { ADMIN, USERS_TOML, basic } from './client.js';

const run = promisify(execFile);

describe('management API over HTTPS with the primary key store', function () {
  this.timeout(60_000);
  let home: string;
  let s: Server;
  let logs: ReturnType<typeof memoryLoggerFactory>;
  let ca: string;

  before(async () => {
    home = makeHome({}, { 'deployment.toml': '[server]\nhot_deployment = false\n' + USERS_TOML });
    const made = spawnSync(process.execPath, [MI, 'keystore', 'create', '--home', home], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    logs = memoryLoggerFactory();
    s = await startServer({ home, logs, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    ca = s.config.security.keystore.get().certificates[0]!;
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const trusting = (): Agent => new Agent({ connect: { ca } });

  it('listens on https:// and logs no plain-HTTP warning', () => {
    assert.match(s.managementUrl!, /^https:\/\/127\.0\.0\.1:\d+\/management$/);
    assert.ok(!logs.lines.some((l) => l.message.startsWith('MI_MGT_009')));
  });

  it('a client trusting the certificate logs in and gets an RS256 token signed by the primary key', async () => {
    const dispatcher = trusting();
    const r = await undiciFetch(`${s.managementUrl}/login`, { headers: { authorization: basic(ADMIN.name, ADMIN.password) }, dispatcher });
    assert.equal(r.status, 200);
    const { AccessToken } = (await r.json()) as { AccessToken: string };
    const key = new X509Certificate(ca).publicKey;
    const { payload, protectedHeader } = await jwtVerify(AccessToken, key);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, ADMIN.name);
    const apis = await undiciFetch(`${s.managementUrl}/apis`, { headers: { authorization: `Bearer ${AccessToken}` }, dispatcher });
    assert.equal(apis.status, 200);
    await dispatcher.close();
  });

  it('answers plain HTTP with 400 and a line saying to use https:// (not an empty reply), and keeps serving TLS', async () => {
    const port = Number(new URL(s.managementUrl!).port);
    const reply = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/management/apis' }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        })
        .on('error', reject);
    });
    assert.equal(reply.status, 400);
    assert.equal(reply.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(reply.body), {
      Error: `this is the HTTPS management API: plain HTTP is not served here; use https://127.0.0.1:${port}/management`,
      code: 'MI_MGT_017',
    });
    const dispatcher = trusting();
    const r = await undiciFetch(`${s.managementUrl}/login`, { headers: { authorization: basic(ADMIN.name, ADMIN.password) }, dispatcher });
    assert.equal(r.status, 200);
    await dispatcher.close();
  });

  it('a Host header that is not a plain host name is not echoed into the plain-HTTP reply', async () => {
    const port = Number(new URL(s.managementUrl!).port);
    const text = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.1', () => c.write('GET / HTTP/1.1\r\nHost: evil"><x>\r\n\r\n'));
      let got = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => (got += d));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.ok(text.endsWith('use https://","code":"MI_MGT_017"}\n'), text);
  });

  it('a client that does not trust the certificate fails the handshake', async () => {
    await assert.rejects(undiciFetch(`${s.managementUrl}/server`), (err: Error & { cause?: { code?: string } }) => /CERT|SELF_SIGNED|certificate/i.test(`${err.cause?.code} ${err.cause}`));
  });

  it('takes TLS 1.2 and refuses TLS 1.1, as the mediation HTTPS listener does (openssl s_client)', async () => {
    const port = new URL(s.managementUrl!).port;
    const handshake = async (...args: string[]): Promise<boolean> => {
      try {
        const p = run('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', ...args], { timeout: 10_000 });
        p.child.stdin?.end(); // s_client exits at the end of its input
        await p;
        return true;
      } catch {
        return false;
      }
    };
    assert.equal(await handshake('-tls1_2'), true, 'TLS 1.2 works');
    assert.equal(await handshake('-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'), false, 'TLS 1.1 is refused');
  });

  it('a configured [keystore.primary] that cannot be opened leaves the API on loopback HTTP with the warning', async () => {
    const broken = makeHome({}, { 'deployment.toml': `[server]\nhot_deployment = false\n[keystore.primary]\nfile_name = "missing.p12"\ntype = "PKCS12"\npassword = "x-not-default-1"\n` });
    const l = memoryLoggerFactory();
    const b = await startServer({ home: broken, logs: l, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    try {
      assert.match(b.managementUrl!, /^http:\/\/127\.0\.0\.1:/);
      assert.ok(l.lines.some((x) => x.message.startsWith('MI_MGT_009')));
    } finally {
      await b.stop();
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
