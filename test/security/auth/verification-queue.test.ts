/**
 * The bound on password verifications: how many run, how many wait, what one address may hold, and the
 * answers a client gets when the queue is full (503 MI_AUTH_004) or its address holds its share (429
 * MI_AUTH_005): at once, without the store being asked. The HTTP part holds every verification of a store
 * until the test lets it go, so nothing here depends on timing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import http from 'node:http';
import { MiError } from '../../../src/errors.js';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { AuthenticationService, authenticationOptionsFrom } from '../../../src/security/auth/authentication-service.js';
import type { UserStore } from '../../../src/security/auth/user-store.js';
import { VerificationGate } from '../../../src/security/auth/verification-gate.js';
import { makeHome, MI } from '../../helpers/process.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { apiWithHandlers } from '../../handlers/helpers.js';

const BASIC = '<handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler"/>';

describe('VerificationGate', () => {
  it('runs up to its concurrency, queues up to its size, then refuses at once', async () => {
    const gate = new VerificationGate(1, 4);
    const first = gate.admit('10.0.0.1');
    assert.ok(first.ok);
    const release = (await first.ready)!;
    const waiting = ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((c) => gate.admit(c));
    assert.ok(waiting.every((w) => w.ok));
    assert.deepEqual(gate.load, { running: 1, waiting: 4 });
    assert.deepEqual(gate.admit('10.0.0.6'), { ok: false, reason: 'busy' });
    release();
    release(); // a second call gives nothing back twice
    assert.deepEqual(gate.load, { running: 1, waiting: 3 });
  });

  it('lets one address hold a quarter of the waiting places, and serves waiting addresses in turn', async () => {
    const gate = new VerificationGate(1, 8);
    assert.equal(gate.perAddress, 2);
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const enter = (client: string, label: string): void => {
      const a = gate.admit(client);
      if (!a.ok) throw new Error(`${label} refused: ${a.reason}`);
      void a.ready.then((release) => {
        order.push(label);
        releases.push(release!);
      });
    };
    const started = async (n: number): Promise<void> => {
      while (order.length < n) await new Promise((r) => setImmediate(r));
    };
    enter('flood', 'flood-0');
    await started(1);
    enter('flood', 'flood-1');
    enter('flood', 'flood-2');
    assert.deepEqual(gate.admit('flood'), { ok: false, reason: 'address-busy' });
    enter('user', 'user-1');
    for (let n = 1; n <= 3; n++) {
      releases[n - 1]!();
      await started(n + 1);
    }
    releases[3]!();
    assert.deepEqual(gate.load, { running: 0, waiting: 0 });
    // the user arrived after two flood checks were waiting, yet went next
    assert.deepEqual(order, ['flood-0', 'flood-1', 'user-1', 'flood-2']);
  });

  it('gives a waiting check up after maxWaitMs, freeing its place', async () => {
    const gate = new VerificationGate(1, 4, 50);
    const first = gate.admit('10.0.0.1');
    assert.ok(first.ok);
    const release = (await first.ready)!;
    const second = gate.admit('10.0.0.2');
    assert.ok(second.ok);
    assert.equal(await second.ready, undefined);
    assert.deepEqual(gate.load, { running: 1, waiting: 0 });
    release();
    assert.deepEqual(gate.load, { running: 0, waiting: 0 }, 'nobody starts in its place');
  });

  it('keeps the last free place for an address with nothing running', async () => {
    const gate = new VerificationGate(2, 8);
    const a = gate.admit('flood');
    assert.ok(a.ok);
    await a.ready;
    const b = gate.admit('flood');
    assert.ok(b.ok);
    assert.deepEqual(gate.load, { running: 1, waiting: 1 }, 'the flood waits rather than take the last place');
    const c = gate.admit('user');
    assert.ok(c.ok);
    await c.ready;
    assert.deepEqual(gate.load, { running: 2, waiting: 1 }, 'a newcomer starts at once');
  });
});

describe('[authentication] keys for the verification bound', function () {
  this.timeout(30_000);

  it('reads max_failures_per_address, max_concurrent_verifications and verification_queue_size, and refuses nonsense', () => {
    assert.deepEqual(
      (({ maxAddressFailures, maxConcurrentVerifications, verificationQueueSize }) => ({ maxAddressFailures, maxConcurrentVerifications, verificationQueueSize }))(
        authenticationOptionsFrom({ authentication: { max_failures_per_address: 50, max_concurrent_verifications: 3, verification_queue_size: 0 } }),
      ),
      { maxAddressFailures: 50, maxConcurrentVerifications: 3, verificationQueueSize: 0 },
    );
    for (const bad of [{ max_concurrent_verifications: 0 }, { verification_queue_size: -1 }, { max_failures_per_address: 2.5 }]) {
      assert.throws(
        () => authenticationOptionsFrom({ authentication: bad }),
        (e: MiError) => e.code === 'MI_CFG_002' && new RegExp(`\\[authentication\\] ${Object.keys(bad)[0]} must be a whole number`).test(e.message),
      );
    }
  });

  it('mi validate reports a value out of range with its code', () => {
    const h = makeHome({}, { 'deployment.toml': '[authentication]\nmax_concurrent_verifications = 0\n' });
    try {
      const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /deployment\.toml:0:0\s+MI_CFG_002\s+\[authentication\] max_concurrent_verifications must be a whole number of at least 1, got 0/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(url: string, localAddress: string, user: string, password: string): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const authorization = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, localAddress, agent: false, headers: { authorization } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a full verification queue, through real HTTP', function () {
  this.timeout(30_000);
  let s: TestServer;
  /** Verifications the store has started; each waits until `letGo` is called. */
  const started: string[] = [];
  let held: (() => void)[] = [];
  const letGo = (): void => {
    for (const go of held) go();
    held = [];
  };

  before(async () => {
    s = await startTestServer({ 'api/Secured.xml': apiWithHandlers('Secured', '/secured', BASIC, 'secret data') });
    const store: UserStore = {
      kind: 'database',
      readOnly: true,
      hashed: true,
      async verify(name, password) {
        started.push(name);
        await new Promise<void>((resolve) => held.push(resolve));
        return name === 'carol' && password === 'Carol-Pass-1';
      },
      async user(name) {
        return name === 'carol' ? { name: 'carol', roles: [], isAdmin: true, source: 'database' } : undefined;
      },
      async users() {
        return [];
      },
      async roles() {
        return [];
      },
    };
    s.runtime.auth = new AuthenticationService([store], { logs: memoryLoggerFactory(), cacheTtlMs: 0, maxConcurrentVerifications: 1, verificationQueueSize: 2 });
  });
  after(() => s?.close());

  async function untilStarted(n: number): Promise<void> {
    while (started.length < n) await new Promise((r) => setTimeout(r, 10));
  }

  async function untilWaiting(n: number): Promise<void> {
    while ((s.runtime.auth as AuthenticationService).verifications.waiting < n) await new Promise((r) => setTimeout(r, 10));
  }

  it('Basic auth answers 503 MI_AUTH_004 when the queue is full and 429 MI_AUTH_005 past an address share, without asking the store', async () => {
    started.length = 0;
    const url = `${s.url}/secured/x`;
    const running = get(url, '127.0.0.10', 'carol', 'Carol-Pass-1');
    await untilStarted(1);
    // one place each (a quarter of 2, at least one): two addresses fill the queue
    const waiting = [get(url, '127.0.0.11', 'carol', 'Carol-Pass-1'), get(url, '127.0.0.12', 'nobody', 'Guess-Pass-1')];
    await untilWaiting(2);
    const full = await get(url, '127.0.0.13', 'carol', 'Carol-Pass-1');
    assert.equal(full.status, 503);
    assert.equal(JSON.parse(full.body).code, 'MI_AUTH_004');
    assert.equal(full.headers['retry-after'], '1');
    const share = await get(url, '127.0.0.11', 'carol', 'Carol-Pass-1');
    assert.equal(share.status, 429);
    assert.equal(JSON.parse(share.body).code, 'MI_AUTH_005');
    assert.deepEqual(started, ['carol'], 'the refused logins cost no verification');

    for (let i = 0; i < 3; i++) {
      await untilStarted(i + 1);
      letGo();
    }
    assert.deepEqual((await Promise.all([running, ...waiting])).map((a) => a.status), [200, 200, 403]);
    const again = get(url, '127.0.0.13', 'nobody', 'Guess-Pass-2');
    await untilStarted(4);
    letGo();
    assert.equal((await again).status, 403, 'a drained queue takes logins again');
  });

  it('management /login answers the same codes in its own error shape', async () => {
    started.length = 0;
    const url = `${s.managementUrl}/login`;
    const running = get(url, '127.0.0.20', 'carol', 'Carol-Pass-1');
    await untilStarted(1);
    const waiting = [get(url, '127.0.0.21', 'carol', 'Carol-Pass-1'), get(url, '127.0.0.22', 'carol', 'Carol-Pass-1')];
    await untilWaiting(2);
    const full = await get(url, '127.0.0.23', 'carol', 'Carol-Pass-1');
    assert.equal(full.status, 503);
    const body = JSON.parse(full.body) as { Error: string; code: string };
    assert.equal(body.code, 'MI_AUTH_004');
    assert.match(body.Error, /max_concurrent_verifications.*127\.0\.0\.23/);
    assert.equal(full.headers['retry-after'], '1');
    for (let i = 0; i < 3; i++) {
      await untilStarted(i + 1);
      letGo();
    }
    assert.deepEqual((await Promise.all([running, ...waiting])).map((a) => a.status), [200, 200, 200]);
  });
});
