/**
 * The access log through real HTTP and HTTPS: every request gets exactly one line with the client address,
 * status and body size, pass-through proxies (whose replies stream and detach the socket) included, over
 * keep-alive connections, and when the client goes away before its reply.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { startBackend, startTestServer, SYN, type Backend, type TestServer } from '../helpers/server.js';

const ACCESS = 'org.apache.synapse.transport.http.access';
const REPLY = 'r'.repeat(50_000);

function accessLines(s: TestServer): string[] {
  return s.logLines.filter((l) => l.name === ACCESS).map((l) => l.message);
}

function problems(s: TestServer): string[] {
  return s.logLines.filter((l) => l.level === 'ERROR' || l.level === 'WARN' || /TypeError|\n\s+at /.test(l.message)).map((l) => `${l.name}: ${l.message}`);
}

/** Waits until the access log has `n` lines (the line is written when the response closes), then a little more. */
async function settle(s: TestServer, n: number): Promise<string[]> {
  const end = Date.now() + 10_000;
  while (accessLines(s).length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 200));
  return accessLines(s);
}

describe('access log', function () {
  this.timeout(60_000);
  let dir: string;
  let backend: Backend;
  let slow: Backend;
  let release: (() => void)[] = [];
  let s: TestServer;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mi-access-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { cwd: dir, stdio: 'pipe' });
    backend = await startBackend((_req, body, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(body === 'big' ? REPLY : body);
    });
    slow = await startBackend((_req, _body, res) => {
      release.push(() => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('late');
      });
    });
    s = await startTestServer(
      {
        'proxy-services/Pass.xml': `<proxy ${SYN} name="Pass"><target><endpoint><address uri="${backend.url}/echo"/></endpoint></target></proxy>`,
        'proxy-services/Slow.xml': `<proxy ${SYN} name="Slow"><target><endpoint><address uri="${slow.url}/slow"/></endpoint></target></proxy>`,
      },
      `[server]\nhot_deployment = false\n\n[http_access_log]\nenable = true\n\n[keystore.primary]\nfile_name = "${dir}/server.pem"\ntype = "PEM"\nkey_file = "${dir}/server.key"\n`,
    );
  });
  after(async () => {
    for (const r of release) r();
    await s.close();
    await backend.close();
    await slow.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    s.logLines.length = 0;
    release = [];
  });

  it('writes one line per pass-through request over keep-alive, with client, status and size, and no errors', async () => {
    const N = 60;
    const sizes: number[] = [];
    const send = async (i: number): Promise<void> => {
      const body = i % 3 === 0 ? 'big' : `<m>${i}</m>`;
      sizes.push(body === 'big' ? REPLY.length : body.length);
      const r = await fetch(`${s.url}/services/Pass`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
      assert.equal(r.status, 200);
      assert.equal((await r.text()).length, body === 'big' ? REPLY.length : body.length);
    };
    for (let i = 0; i < N; i += 10) await Promise.all(Array.from({ length: 10 }, (_, k) => send(i + k)));
    const lines = await settle(s, N);
    assert.equal(lines.length, N, lines.join('\n'));
    for (const l of lines) assert.match(l, /^127\.0\.0\.1 - - \[[^\]]+\] "POST \/services\/Pass HTTP\/1\.1" 200 \d+ "-" "[^"]*" [\d.]+ms$/);
    const logged = lines.map((l) => Number(/ 200 (\d+) /.exec(l)![1]));
    assert.deepEqual(logged.sort((a, b) => a - b), sizes.sort((a, b) => a - b), 'each reply size, the streamed 50 kB ones in full');
    assert.deepEqual(problems(s), []);
  });

  it('writes one line per HTTPS pass-through request', async () => {
    assert.ok(s.httpsPort, 'HTTPS started');
    const dispatcher = new Agent({ connect: { ca: readFileSync(path.join(dir, 'server.pem')), servername: 'localhost' } });
    for (let i = 0; i < 5; i++) {
      const r = await undiciFetch(`https://localhost:${s.httpsPort}/services/Pass`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'big', dispatcher });
      assert.equal((await r.text()).length, REPLY.length);
    }
    await dispatcher.close();
    const lines = await settle(s, 5);
    assert.equal(lines.length, 5, lines.join('\n'));
    for (const l of lines) assert.match(l, /^127\.0\.0\.1 - - \[[^\]]+\] "POST \/services\/Pass HTTP\/1\.1" 200 50000 /);
    assert.deepEqual(problems(s), []);
  });

  it('writes one line (499) for a client that goes away before its reply, and none more when the backend answers', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${s.url}/services/Slow`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
      req.on('error', () => resolve());
      req.end('x');
      const wait = setInterval(() => {
        if (release.length) {
          clearInterval(wait);
          req.destroy();
          resolve();
        }
      }, 10);
    });
    const lines = await settle(s, 1);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /^127\.0\.0\.1 - - \[[^\]]+\] "POST \/services\/Slow HTTP\/1\.1" 499 0 /);
    for (const r of release) r();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(accessLines(s).length, 1, 'the late backend reply adds no line');
    assert.deepEqual(problems(s).filter((p) => !/EP_|endpoint/i.test(p)), []);
  });

  it('writes one line for a client that goes away in the middle of a streamed reply', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${s.url}/services/Pass`, { method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => resolve());
      req.end('big');
    });
    const lines = await settle(s, 1);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /"POST \/services\/Pass HTTP\/1\.1" 200 \d+ /);
  });

  it('writes one line for a request refused before mediation (413)', async () => {
    const r = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${s.url}/services/Pass`, { method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': String(20 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('x');
    });
    assert.equal(r, 413);
    const lines = await settle(s, 1);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /"POST \/services\/Pass HTTP\/1\.1" 413 \d+ /);
  });
});
