/**
 * The first hour of a new user, end to end: `mi init` a home in a temporary folder outside the repository,
 * `npm pack` this package, install the tarball there as a user would (npm, the registry for dependencies,
 * better-sqlite3 built when no prebuilt binary can be fetched), `npx mi start`, call both samples over HTTP,
 * `npx mi validate` (which type-checks extensions/ against the installed package's types), stop with SIGTERM.
 *
 * Slow (2-5 minutes, most of it npm and the native build) and it needs the npm registry, so it runs only
 * when MI_TEST_PACKAGE=1 or REQUIRE_SERVICES=1 is set; otherwise it is skipped with a line saying so.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MI, ROOT } from '../helpers/process.js';
import { get, post } from '../helpers/server.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const WANTED = process.env['MI_TEST_PACKAGE'] === '1' || process.env['REQUIRE_SERVICES'] === '1';

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_update_notifier: 'false' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '0.0.0.0', () => srv.close(() => resolve(true)));
  });
}

/** An offset whose HTTP, HTTPS and management ports (8280, 8243, 9154 + offset) are all free now. */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, '0.0.0.0', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const offset = port - 8280;
    if (offset < 0 || 9154 + offset > 65535) continue;
    if ((await portIsFree(8243 + offset)) && (await portIsFree(9154 + offset))) return offset;
  }
  throw new Error('no free port offset found');
}

describe('a home made by mi init, run from the packed package (npm pack, npm install, npx mi start)', function () {
  this.timeout(20 * 60_000);
  let tmp: string;
  let home: string;
  let server: ChildProcess | undefined;
  let output = '';

  before(function () {
    if (!WANTED) {
      console.log('      (skipped: packs and installs this package with npm, 2-5 minutes with the registry; set MI_TEST_PACKAGE=1 or REQUIRE_SERVICES=1 to run it)');
      this.skip();
    }
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mi-first-hour-'));
    home = path.join(tmp, 'my-integration');
  });
  after(() => {
    // a test that failed half way leaves the server running: end its process group
    if (server?.pid !== undefined && server.exitCode === null && server.signalCode === null) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('mi init, then npm pack and npm install of the tarball in the new home', async () => {
    const init = await run(process.execPath, [MI, 'init', 'my-integration'], tmp, 60_000);
    assert.equal(init.code, 0, init.stderr);
    assert.ok(path.relative(ROOT, home).startsWith('..'), 'the home is outside the repository');
    // dist/ is built already (these tests run from it): no prepare step
    const pack = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT, 5 * 60_000);
    assert.equal(pack.code, 0, pack.stderr);
    const tarball = path.join(tmp, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
    const install = await run(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], home, 15 * 60_000);
    assert.equal(install.code, 0, install.stdout + install.stderr);
    const pkg = JSON.parse(readFileSync(path.join(home, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.match(pkg.dependencies['mediation-runtime']!, /mediation-runtime-.*\.tgz$/);
  });

  it('npx mi start serves both samples; SIGTERM stops it', async () => {
    const offset = await freeOffset();
    const child = spawn(NPX, ['--no', 'mi', 'start', '--offset', String(offset)], { cwd: home, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    server = child;
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not ready within 120 s:\n${output}`)), 120_000);
      const check = (): void => {
        if (/ready on/.test(output)) {
          clearTimeout(t);
          resolve();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`npx mi start exited with ${code}:\n${output}`));
      });
    });
    const url = `http://127.0.0.1:${8280 + offset}`;
    assert.match(output, new RegExp(`ready on http://0\\.0\\.0\\.0:${8280 + offset}\\b`));

    const hello = await get(`${url}/hello/World?lang=fr`);
    assert.equal(hello.status, 200, hello.text);
    assert.deepEqual(JSON.parse(hello.text), { greeting: 'Bonjour World' });
    assert.equal(hello.headers.get('content-language'), 'fr');
    assert.equal((await get(`${url}/hello/World?lang=xx`)).status, 400);

    const soap = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ping xmlns="urn:x">hi</ping></soapenv:Body></soapenv:Envelope>';
    const echoed = await post(`${url}/services/EchoProxy`, soap, { 'content-type': 'text/xml', soapaction: 'urn:ping' });
    assert.equal(echoed.status, 200);
    assert.match(echoed.text, /<ping xmlns="urn:x">hi<\/ping>/);
    assert.equal((await post(`${url}/services/EchoProxy`, '<!DOCTYPE x><ping/>', { 'content-type': 'application/xml' })).status, 400);

    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    assert.match(output, /mi: SIGTERM received, draining/);
  });

  it('npx mi validate type-checks extensions/ against the installed package', async () => {
    const r = await run(NPX, ['--no', 'mi', 'validate'], home, 120_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^extensions type-checked: 1 file, 0 errors$/m);
    assert.match(r.stdout, /2 artifacts valid, 0 errors, 0 warnings/);
  });

  it('mi init run from the installed package pins it by version range', async () => {
    const r = await run(NPX, ['--no', 'mi', 'init', path.join(tmp, 'second')], home, 60_000);
    assert.equal(r.code, 0, r.stderr);
    const ours = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    const pkg = JSON.parse(readFileSync(path.join(tmp, 'second', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(pkg.dependencies, { [ours.name]: `^${ours.version}` });
  });
});
