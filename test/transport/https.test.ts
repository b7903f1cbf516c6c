/**
 * HTTPS listener and mutual TLS with real TLS clients on loopback: certificates are made by `openssl` here,
 * clients are undici (fetch with a dispatcher), curl, `openssl s_client` and `sslscan`.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent, fetch } from 'undici';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { SYN } from '../helpers/server.js';

const run = promisify(execFile);

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/** A CA, and a certificate signed by it (`days` < 0 makes an expired one). */
function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/O=Test/CN=${name}`);
}

function makeCert(dir: string, ca: string, name: string, ext = ''): void {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=Test/CN=${name}`);
  writeFileSync(path.join(dir, `${name}.ext`), ext || 'basicConstraints=CA:FALSE\n');
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
}

const API = `<api ${SYN} name="Cert" context="/cert"><resource methods="GET"><inSequence>
  <payloadFactory media-type="json"><format>{"subject":"$1","issuer":"$2","fp":"$3","serial":"$4"}</format><args>
    <arg expression="get-property('CLIENT_CERT_SUBJECT')"/><arg expression="get-property('CLIENT_CERT_ISSUER')"/>
    <arg expression="get-property('CLIENT_CERT_FINGERPRINT_SHA256')"/><arg expression="get-property('CLIENT_CERT_SERIAL')"/>
  </args></payloadFactory><respond/></inSequence></resource></api>`;
const HTTP_ONLY = `<api ${SYN} name="Plain" context="/plain"><resource methods="GET"><inSequence><payloadFactory media-type="json"><format>{"ok":true}</format><args/></payloadFactory><respond/></inSequence></resource></api>`.replace('name="Plain"', 'name="Plain" transports="http"');

describe('HTTPS listener and mutual TLS', function () {
  this.timeout(60_000);
  let dir: string;
  const servers: Server[] = [];
  let logs: ReturnType<typeof memoryLoggerFactory>;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mi-tls-'));
    makeCa(dir, 'ca');
    makeCa(dir, 'ca2');
    makeCert(dir, 'ca', 'server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    makeCert(dir, 'ca', 'client1');
    makeCert(dir, 'ca2', 'client2');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function start(transportToml: string, extra = ''): Promise<Server> {
    const home = mkdtempSync(path.join(os.tmpdir(), 'mi-tls-home-'));
    mkdirSync(path.join(home, 'deployment', 'security'), { recursive: true });
    mkdirSync(path.join(home, 'synapse-configs', 'default', 'api'), { recursive: true });
    writeFileSync(path.join(home, 'synapse-configs', 'default', 'api', 'Cert.xml'), API);
    writeFileSync(path.join(home, 'synapse-configs', 'default', 'api', 'Plain.xml'), HTTP_ONLY);
    writeFileSync(
      path.join(home, 'deployment', 'deployment.toml'),
      `[server]\nhot_deployment = false\n\n[keystore.primary]\nfile_name = "${dir}/server.pem"\ntype = "PEM"\nkey_file = "${dir}/server.key"\n\n${extra}[transport.http]\n${transportToml}\n`,
    );
    logs = memoryLoggerFactory();
    const s = await startServer({ home, logs, httpPort: 0, host: '127.0.0.1' });
    servers.push(s);
    return s;
  }

  function agent(client?: string): Agent {
    const ca = readFileSync(path.join(dir, 'ca.pem'));
    return new Agent({
      connect: {
        ca,
        servername: 'localhost',
        ...(client ? { cert: readFileSync(path.join(dir, `${client}.pem`)), key: readFileSync(path.join(dir, `${client}.key`)) } : {}),
      },
    });
  }

  async function getJson(url: string, dispatcher?: Agent, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, string>; server: string | null }> {
    const r = await fetch(url, { dispatcher, headers });
    return { status: r.status, body: (await r.json()) as Record<string, string>, server: r.headers.get('server') };
  }

  describe('verify_client = none (default)', () => {
    let s: Server;
    before(async () => {
      s = await start('');
    });

    it('serves APIs over HTTPS with the primary key store and HTTP beside it; Server header is neutral', async () => {
      assert.ok(s.httpsPort, 'HTTPS started');
      const r = await getJson(`https://localhost:${s.httpsPort}/cert`, agent());
      assert.equal(r.status, 200);
      assert.equal(r.body.subject, '', 'no client certificate requested');
      assert.equal(r.server, 'mediation-runtime');
      const h = await getJson(`http://127.0.0.1:${s.httpPort}/cert`);
      assert.equal(h.status, 200);
    });

    it('honours transports: an http-only API is not served on HTTPS', async () => {
      const a = agent();
      assert.equal((await fetch(`https://localhost:${s.httpsPort}/plain`, { dispatcher: a })).status, 404);
      assert.equal((await fetch(`http://127.0.0.1:${s.httpPort}/plain`)).status, 200);
    });

    it('keeps the connection alive across requests (curl reuses it)', async () => {
      const url = `https://localhost:${s.httpsPort}/cert`;
      const { stderr } = await run('curl', ['-sv', '--cacert', path.join(dir, 'ca.pem'), url, url, '-o', '/dev/null', '-o', '/dev/null']);
      assert.match(stderr, /Re-using existing connection/);
    });

    it('refuses TLS 1.1 and 1.0 and CBC / non-forward-secret suites (openssl s_client)', async () => {
      const hs = async (...args: string[]): Promise<boolean> => {
        try {
          const p = run('openssl', ['s_client', '-connect', `127.0.0.1:${s.httpsPort}`, '-servername', 'localhost', ...args], { timeout: 10_000 });
          p.child.stdin?.end(); // s_client sends stdin and exits at its end
          await p;
          return true;
        } catch {
          return false;
        }
      };
      assert.equal(await hs('-tls1_2', '-cipher', 'ECDHE-RSA-AES128-GCM-SHA256'), true, 'TLS 1.2 AEAD is accepted');
      assert.equal(await hs('-tls1_3'), true, 'TLS 1.3 is accepted');
      assert.equal(await hs('-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'), false, 'TLS 1.1 is refused');
      assert.equal(await hs('-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'), false, 'TLS 1.0 is refused');
      assert.equal(await hs('-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA'), false, 'CBC-SHA1 is refused');
      assert.equal(await hs('-tls1_2', '-cipher', 'AES128-GCM-SHA256'), false, 'static RSA key exchange is refused');
    });

    it('sslscan finds no SSLv3/TLS 1.0/1.1 and only forward-secret AEAD suites', async function () {
      let out: string;
      try {
        out = (await run('sslscan', ['--no-colour', '--no-fallback', '--no-renegotiation', '--no-compression', '--no-heartbleed', `127.0.0.1:${s.httpsPort}`], { timeout: 50_000 })).stdout;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !process.env['REQUIRE_SERVICES']) this.skip();
        throw err;
      }
      for (const p of ['SSLv2', 'SSLv3', 'TLSv1.0', 'TLSv1.1']) assert.match(out, new RegExp(`${p.replace('.', '\\.')}\\s+disabled`), `${p} disabled`);
      const accepted = [...out.matchAll(/^(?:Preferred|Accepted)\s+(\S+)\s+\d+ bits\s+(\S+)/gm)].map((m) => ({ proto: m[1]!, cipher: m[2]! }));
      assert.ok(accepted.length > 0, out);
      for (const a of accepted) {
        assert.ok(['TLSv1.2', 'TLSv1.3'].includes(a.proto), `protocol ${a.proto}`);
        assert.match(a.cipher, /GCM|CHACHA20/, `AEAD: ${a.cipher}`);
        if (a.proto === 'TLSv1.2') assert.match(a.cipher, /^ECDHE-/, `forward secret: ${a.cipher}`);
      }
    });
  });

  describe('verify_client = optional, with a trusted proxy header', () => {
    let s: Server;
    before(async () => {
      s = await start(`server_header = "edge"\nlistener.verify_client = "optional"\nlistener.truststore.location = "${dir}/ca.pem"\nlistener.trusted_proxies = ["127.0.0.1"]\n`);
    });

    it('accepts a client without a certificate and one with a trusted certificate, exposing it to get-property', async () => {
      const none = await getJson(`https://localhost:${s.httpsPort}/cert`, agent());
      assert.equal(none.status, 200);
      assert.equal(none.body.subject, '');
      assert.equal(none.server, 'edge');
      const r = await getJson(`https://localhost:${s.httpsPort}/cert`, agent('client1'));
      assert.equal(r.body.subject, 'CN=client1,O=Test');
      assert.equal(r.body.issuer, 'CN=ca,O=Test');
      const fp = execFileSync('openssl', ['x509', '-in', path.join(dir, 'client1.pem'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
      assert.equal(r.body.fp, fp.trim().split('=')[1]);
      assert.match(r.body.serial, /^[0-9A-F]+$/);
    });

    it('does not expose a certificate the trust store does not vouch for', async () => {
      const r = await getJson(`https://localhost:${s.httpsPort}/cert`, agent('client2'));
      assert.equal(r.status, 200);
      assert.equal(r.body.subject, '');
    });

    it('curl with a client certificate', async () => {
      const { stdout } = await run('curl', ['-s', '--cacert', path.join(dir, 'ca.pem'), '--cert', path.join(dir, 'client1.pem'), '--key', path.join(dir, 'client1.key'), `https://localhost:${s.httpsPort}/cert`]);
      assert.equal(JSON.parse(stdout).subject, 'CN=client1,O=Test');
    });

    it('takes the certificate from the header of a trusted proxy (URL-encoded or Base64 PEM), verified against the trust store; an untrusted one counts as none', async () => {
      const pem = readFileSync(path.join(dir, 'client1.pem'), 'utf8');
      const url = `http://127.0.0.1:${s.httpPort}/cert`;
      const enc = await getJson(url, undefined, { 'X-WSO2-CLIENT-CERTIFICATE': encodeURIComponent(pem) });
      assert.equal(enc.body.subject, 'CN=client1,O=Test');
      const b64 = await getJson(url, undefined, { 'X-WSO2-CLIENT-CERTIFICATE': Buffer.from(pem).toString('base64') });
      assert.equal(b64.body.subject, 'CN=client1,O=Test');
      const untrusted = await getJson(url, undefined, { 'X-WSO2-CLIENT-CERTIFICATE': encodeURIComponent(readFileSync(path.join(dir, 'client2.pem'), 'utf8')) });
      // verified as a handshake certificate would be: one from another CA counts as none (and is logged)
      assert.equal(untrusted.status, 200);
      assert.equal(untrusted.body.subject, '');
      assert.ok(logs.lines.some((x) => x.level === 'WARN' && x.message.includes('MI_API_090') && x.message.includes('CN=client2')), JSON.stringify(logs.lines));
      const bad = await getJson(url, undefined, { 'X-WSO2-CLIENT-CERTIFICATE': '-----BEGIN CERTIFICATE-----garbage-----END CERTIFICATE-----' });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.code, 'MI_TLS_003');
      assert.equal((await getJson(url, undefined, { 'X-WSO2-CLIENT-CERTIFICATE': '%%%' })).body.code, 'MI_TLS_003');
    });
  });

  describe('verify_client = require, trust store reload', () => {
    let s: Server;
    let trust: string;
    before(async () => {
      trust = path.join(dir, 'trust-require.pem');
      writeFileSync(trust, readFileSync(path.join(dir, 'ca.pem')));
      s = await start(`listener.verify_client = "require"\nlistener.truststore.location = "${trust}"\nlistener.ssl_profile.read_interval = 200\nlistener.trusted_proxies = ["10.1.2.3"]\n`);
    });

    it('refuses the handshake without a certificate or with an untrusted one; accepts a trusted one', async () => {
      await assert.rejects(fetch(`https://localhost:${s.httpsPort}/cert`, { dispatcher: agent() }));
      await assert.rejects(fetch(`https://localhost:${s.httpsPort}/cert`, { dispatcher: agent('client2') }));
      const r = await getJson(`https://localhost:${s.httpsPort}/cert`, agent('client1'));
      assert.equal(r.body.subject, 'CN=client1,O=Test');
      const curl = await run('curl', ['-s', '--cacert', path.join(dir, 'ca.pem'), `https://localhost:${s.httpsPort}/cert`]).then(
        () => 0,
        (e: { code: number }) => e.code,
      );
      assert.notEqual(curl, 0, 'curl without a certificate fails');
    });

    it('ignores the certificate header from an address that is not a trusted proxy', async () => {
      const r = await getJson(`http://127.0.0.1:${s.httpPort}/cert`, undefined, { 'X-WSO2-CLIENT-CERTIFICATE': encodeURIComponent(readFileSync(path.join(dir, 'client1.pem'), 'utf8')) });
      assert.equal(r.status, 200);
      assert.equal(r.body.subject, '');
    });

    it('picks up a new client CA without restart; an open connection keeps working', async () => {
      const kept = agent('client1');
      assert.equal((await getJson(`https://localhost:${s.httpsPort}/cert`, kept)).status, 200);
      writeFileSync(trust, readFileSync(path.join(dir, 'ca.pem'), 'utf8') + readFileSync(path.join(dir, 'ca2.pem'), 'utf8'));
      const deadline = Date.now() + 5000;
      let ok = false;
      while (!ok && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 150));
        ok = await fetch(`https://localhost:${s.httpsPort}/cert`, { dispatcher: agent('client2') }).then(
          (r) => r.status === 200,
          () => false,
        );
      }
      assert.ok(ok, 'client2 accepted after the trust store changed');
      assert.equal((await getJson(`https://localhost:${s.httpsPort}/cert`, kept)).body.subject, 'CN=client1,O=Test');
      // a broken file keeps the previous certificates
      writeFileSync(trust, 'not a certificate');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await getJson(`https://localhost:${s.httpsPort}/cert`, agent('client2'))).status, 200);
    });
  });

  describe('bad input', () => {
    it('a key store with a wrong password leaves HTTPS off with MI_TLS_001, HTTP serves', async () => {
      const s = await start('', '');
      await s.stop();
      const home = mkdtempSync(path.join(os.tmpdir(), 'mi-tls-bad-'));
      mkdirSync(path.join(home, 'deployment'), { recursive: true });
      openssl(dir, 'pkcs12', '-export', '-in', 'server.pem', '-inkey', 'server.key', '-out', 'server.p12', '-passout', 'pass:right-password');
      writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `[keystore.primary]\nfile_name = "${dir}/server.p12"\npassword = "wrong-password"\n`);
      const l = memoryLoggerFactory();
      const b = await startServer({ home, logs: l, httpPort: 0, host: '127.0.0.1' });
      servers.push(b);
      assert.equal(b.httpsPort, undefined);
      assert.ok(l.lines.some((x) => x.level === 'ERROR' && x.message.includes('MI_TLS_001') && /password/.test(x.message)), JSON.stringify(l.lines));
      assert.equal((await fetch(`http://127.0.0.1:${b.httpPort}/`)).status, 404);
    });

    it('an expired server certificate is a warning (MI_TLS_002)', async () => {
      // `openssl ca` is the 3.0 way to set explicit dates: a self-signed certificate valid for one day in 2020
      openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'old.key', '-out', 'old.csr', '-subj', '/CN=old');
      writeFileSync(path.join(dir, 'old.cnf'), '[ca]\ndefault_ca=c\n[c]\ndatabase=old-index.txt\nnew_certs_dir=.\nserial=old-serial\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n');
      writeFileSync(path.join(dir, 'old-index.txt'), '');
      writeFileSync(path.join(dir, 'old-serial'), '01\n');
      openssl(dir, 'ca', '-batch', '-config', 'old.cnf', '-selfsign', '-keyfile', 'old.key', '-in', 'old.csr', '-out', 'old.pem', '-startdate', '20200101000000Z', '-enddate', '20200102000000Z');
      const home = mkdtempSync(path.join(os.tmpdir(), 'mi-tls-old-'));
      mkdirSync(path.join(home, 'deployment'), { recursive: true });
      writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `[keystore.primary]\nfile_name = "${dir}/old.pem"\ntype = "PEM"\nkey_file = "${dir}/old.key"\n`);
      const l = memoryLoggerFactory();
      const b = await startServer({ home, logs: l, httpPort: 0, host: '127.0.0.1' });
      servers.push(b);
      assert.ok(b.httpsPort);
      assert.ok(l.lines.some((x) => x.level === 'WARN' && x.message.includes('MI_TLS_002')), JSON.stringify(l.lines));
    });

    it('refuses weak protocols and unknown ciphers in configuration with MI_CFG_002', async () => {
      await assert.rejects(start('listener.secured_protocols = "TLSv1.1,TLSv1.2"\n'), /MI_CFG_002|TLSv1\.1/);
      await assert.rejects(start('listener.preferred_ciphers = "NOT-A-CIPHER"\n'), /preferred_ciphers/);
      await assert.rejects(start('listener.verify_client = "require"\n'), /truststore/);
    });

    it('listener.enable = false serves HTTPS only; server_header = "" sends none', async () => {
      const s = await start('listener.enable = false\nserver_header = ""\n');
      assert.equal(s.httpPort, 0);
      const r = await fetch(`https://localhost:${s.httpsPort}/cert`, { dispatcher: agent() });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('server'), null);
    });
  });
});
