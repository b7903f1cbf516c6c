/**
 * `[server] workers = 2`: `mi start` forks two workers sharing one listener. Connections reach both (each
 * writes its own access log), a worker killed with SIGKILL is replaced while the other serves, and SIGTERM
 * to the primary drains both and exits 0. A wrong value stops the start.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { MI, makeHome, startMi, type MiProcess } from '../helpers/process.js';
import { SYN } from '../helpers/server.js';

const API = `<api ${SYN} name="Hello" context="/hello"><resource methods="GET"><inSequence>
  <payloadFactory media-type="json"><format>{"hello":"world"}</format><args/></payloadFactory><respond/></inSequence></resource></api>`;

const TOML = '[server]\nworkers = 2\nhot_deployment = false\nshutdown_grace_period = 5000\n\n[http_access_log]\nenable = true\n';

/** One GET on a connection of its own (workers take connections, not requests). */
function getOnNewConnection(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' }, timeout: 20_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('no answer within 20 s'));
      })
      .on('error', reject);
  });
}

function children(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(/\s+/).map(Number) : [];
}

const lines = (file: string): number => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);

describe('mi start with [server] workers = 2', function () {
  this.timeout(120_000);
  let home: string;
  let mi: MiProcess;

  before(async () => {
    home = makeHome({ 'api/Hello.xml': API }, { 'deployment.toml': TOML });
    mi = await startMi(home);
  });
  after(async () => {
    await mi?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('says so on the ready line and runs two worker processes under the primary', () => {
    assert.match(mi.output(), /mi: ready on http:\/\/.* \(2 workers, pids \d+, \d+; 1 artifacts deployed/);
    assert.equal(children(mi.child.pid!).length, 2);
    assert.equal((mi.output().match(/mi: ready on/g) ?? []).length, 1, 'one ready line, from the primary');
  });

  it('both workers take connections; each writes its own log files', async () => {
    const N = 20;
    for (let i = 0; i < N; i++) {
      const r = await getOnNewConnection(`${mi.url}/hello`);
      assert.equal(r.status, 200);
      assert.equal(r.body, '{"hello":"world"}');
    }
    const logs = path.join(home, 'logs');
    // the access log line is written when the response closes: give the workers a moment
    for (let t = 0; t < 50 && lines(path.join(logs, 'http_access-worker1.log')) + lines(path.join(logs, 'http_access-worker2.log')) < N; t++) await new Promise((r) => setTimeout(r, 100));
    const [w1, w2] = [lines(path.join(logs, 'http_access-worker1.log')), lines(path.join(logs, 'http_access-worker2.log'))];
    assert.equal(w1 + w2, N);
    // the kernel picks the worker that accepts: not an even split, but both take part
    assert.ok(w1 >= 1 && w2 >= 1, `access lines per worker: ${w1}, ${w2}`);
    assert.equal(lines(path.join(logs, 'http_access.log')), 0, 'no process writes the shared file name');
  });

  it('replaces a worker killed with SIGKILL; the other serves meanwhile', async () => {
    const [victim, other] = children(mi.child.pid!) as [number, number];
    process.kill(victim, 'SIGKILL');
    for (let i = 0; i < 6; i++) assert.equal((await getOnNewConnection(`${mi.url}/hello`)).status, 200);
    for (let t = 0; t < 300 && !/is serving again/.test(mi.output()); t++) await new Promise((r) => setTimeout(r, 100));
    assert.match(mi.output(), new RegExp(`worker \\d \\(pid ${victim}\\) exited with signal SIGKILL; starting another`));
    assert.match(mi.output(), /worker \d \(pid \d+\) is serving again/);
    const now = children(mi.child.pid!);
    assert.equal(now.length, 2);
    assert.ok(now.includes(other) && !now.includes(victim));
  });

  it('SIGTERM to the primary drains both workers and exits 0', async () => {
    const workers = children(mi.child.pid!);
    const code = await mi.stop();
    assert.equal(code, 0, mi.output());
    assert.match(mi.output(), /mi: SIGTERM received, draining 2 worker\(s\)/);
    assert.match(mi.output(), /mi: worker 1: SIGTERM received/);
    assert.match(mi.output(), /mi: worker 2: SIGTERM received/);
    for (const pid of workers) assert.throws(() => process.kill(pid, 0), /ESRCH/, `worker ${pid} is gone`);
  });
});

describe('mi start with a wrong [server] workers', () => {
  it('stops with MI_CFG_002 before forking anything', () => {
    const home = makeHome({}, { 'deployment.toml': '[server]\nworkers = 0\n' });
    try {
      const r = spawnSync(process.execPath, [MI, 'start', '--home', home], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /MI_CFG_002 .*\[server\] workers must be a whole number >= 1, got 0/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
