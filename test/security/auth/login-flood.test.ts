/**
 * The attack: one client address floods logins with random user names (never the same user twice, so the
 * per-user limit never trips) over 32 concurrent connections, against Basic auth on an API and the
 * management `/login`. It must get 429 quickly after a bounded number of password checks, while a
 * legitimate database user logging in from another address (uncached: each login really hashes) still gets
 * in promptly. Real server, real HTTP on loopback; the attacker uses source address 127.0.0.2 or .3.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { apiWithHandlers } from '../../handlers/helpers.js';

const BASIC = '<handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler"/>';
const CHIEF = { name: 'chief', password: 'Chief-Pass-1' };
const LIMITS = { maxFailuresPerAddress: 4, concurrency: 2, queue: 8 };
/** Password checks a flood can get before its address is refused: the limit, plus those running and waiting when it trips. */
const MOST_CHECKS = LIMITS.maxFailuresPerAddress + LIMITS.concurrency + Math.ceil(LIMITS.queue / 4);

const TOML = `[server]
hot_deployment = false

[super_admin]
username = "${CHIEF.name}"
password = "${CHIEF.password}"

[authentication]
cache_ttl = 0
max_failures_per_address = ${LIMITS.maxFailuresPerAddress}
max_concurrent_verifications = ${LIMITS.concurrency}
verification_queue_size = ${LIMITS.queue}
`;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

const agents = new Map<string, http.Agent>();

/** Kept-alive connections from one loopback source address, as a flooding client would hold them. */
function agentFrom(localAddress: string): http.Agent {
  let a = agents.get(localAddress);
  if (!a) agents.set(localAddress, (a = new http.Agent({ keepAlive: true, maxSockets: 64, localAddress } as http.AgentOptions)));
  return a;
}

/** A GET from the given loopback source address. */
function request(url: string, localAddress: string, authorization: string): Promise<Answer> {
  const u = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, agent: agentFrom(localAddress), headers: { authorization } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: Date.now() - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * 32 connections sending random-user logins. Each pauses 50 ms between answers (at most 640 requests a
 * second, hundreds of times what the server can hash): the client runs on the server's own cores here, and
 * an unpaced loop of instant 429s would measure the machine's raw HTTP throughput, not password checking.
 */
function flood(url: string, from: string) {
  const answers: Answer[] = [];
  let running = true;
  const loops = Array.from({ length: 32 }, async () => {
    while (running) {
      answers.push(await request(url, from, basic(`u${randomBytes(6).toString('hex')}`, 'Guess-Pass-1')));
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return {
    answers,
    async stop(): Promise<Answer[]> {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function codeOf(a: Answer): string | undefined {
  try {
    return (JSON.parse(a.text) as { code?: string }).code;
  } catch {
    return undefined;
  }
}

describe('a flood of random-user logins from one address', function () {
  this.timeout(180_000);
  let s: TestServer;

  /** Uncached logins of the database user with nothing else going on (one scrypt verification each). */
  async function alone(url: string): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < 2; i++) times.push((await request(url, '127.0.0.1', basic(CHIEF.name, CHIEF.password))).ms);
    return Math.max(...times);
  }

  /**
   * A legitimate login must not queue behind the flood: it starts at once (a place is kept for an address
   * with nothing running) and costs its own verification. The margin is wide because this machine's load
   * varies; without the bound it took over 30 s here (the flood's 32 verifications of 128 MiB each first).
   */
  const prompt = (ms: number, aloneMs: number): boolean => ms < 4 * aloneMs + 3000;

  before(async () => {
    s = await startTestServer({ 'api/Secured.xml': apiWithHandlers('Secured', '/secured', BASIC, 'secret data') }, TOML);
  });
  after(async () => {
    for (const a of agents.values()) a.destroy();
    await s?.close();
  });

  it('Basic auth on an API: the flood gets 429 after a bounded number of checks; a user from another address gets in promptly', async () => {
    const before = await alone(`${s.url}/secured/x`);
    const attack = flood(`${s.url}/secured/x`, '127.0.0.2');
    await until(() => attack.answers.length >= 4, 30_000);
    const legit: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await request(`${s.url}/secured/x`, '127.0.0.1', basic(CHIEF.name, CHIEF.password));
      assert.equal(a.status, 200, a.text);
      legit.push(a.ms);
    }
    await until(() => attack.answers.filter((a) => codeOf(a) === 'MI_AUTH_003').length >= 50, 60_000);
    const answers = await attack.stop();
    const baselineMs = Math.max(before, await alone(`${s.url}/secured/x`));

    const checked = answers.filter((a) => a.status === 403);
    const limited = answers.filter((a) => a.status === 429);
    // on a slow machine a waiting check of the flood may give up after 10 s: 503 MI_AUTH_004, never anything else
    const gaveUp = answers.filter((a) => a.status === 503);
    assert.ok(gaveUp.every((a) => codeOf(a) === 'MI_AUTH_004'), gaveUp.map((a) => a.text).join('\n'));
    assert.equal(checked.length + limited.length + gaveUp.length, answers.length, `only 403, 429 and 503: ${[...new Set(answers.map((a) => a.status))].join(', ')}`);
    assert.ok(checked.length <= MOST_CHECKS, `${checked.length} password checks spent on the flood (at most ${MOST_CHECKS})`);
    for (const a of limited) {
      assert.ok(['MI_AUTH_003', 'MI_AUTH_005'].includes(codeOf(a)!), a.text);
      assert.ok(a.headers['retry-after'], 'a 429 says when to try again');
    }
    // refused before any hashing: faster than one verification
    assert.ok(median(limited.map((a) => a.ms)) < baselineMs, `429 median ${median(limited.map((a) => a.ms))} ms, one verification ${baselineMs} ms`);
    assert.ok(legit.every((ms) => prompt(ms, baselineMs)), `legitimate logins took ${legit.join(', ')} ms during the flood (alone: ${baselineMs} ms)`);

    // the address is refused whatever the user, even with the right password, until the window passes
    const right = await request(`${s.url}/secured/x`, '127.0.0.2', basic(CHIEF.name, CHIEF.password));
    assert.equal(right.status, 429);
    assert.equal(codeOf(right), 'MI_AUTH_003');
    assert.equal(right.headers['retry-after'], '60');
    assert.equal((await request(`${s.url}/secured/x`, '127.0.0.1', basic(CHIEF.name, CHIEF.password))).status, 200);
    assert.equal(s.logLines.filter((l) => l.message.startsWith('MI_AUTH_003') && l.message.includes('127.0.0.2')).length, 1, 'one log line for the address');
  });

  it('management /login: the same flood gets 429 in the management shape; an admin from another address gets a token promptly', async () => {
    const url = `${s.managementUrl}/login`;
    const before = await alone(url);
    const attack = flood(url, '127.0.0.3');
    await until(() => attack.answers.length >= 4, 30_000);
    const legit: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await request(url, '127.0.0.1', basic(CHIEF.name, CHIEF.password));
      assert.equal(a.status, 200, a.text);
      assert.match(JSON.parse(a.text).AccessToken, /^eyJ/);
      legit.push(a.ms);
    }
    await until(() => attack.answers.filter((a) => codeOf(a) === 'MI_AUTH_003').length >= 50, 60_000);
    const answers = await attack.stop();
    const baselineMs = Math.max(before, await alone(url));

    const checked = answers.filter((a) => a.status === 401);
    const limited = answers.filter((a) => a.status === 429);
    // on a slow machine a waiting check of the flood may give up after 10 s: 503 MI_AUTH_004, never anything else
    const gaveUp = answers.filter((a) => a.status === 503);
    assert.ok(gaveUp.every((a) => codeOf(a) === 'MI_AUTH_004'), gaveUp.map((a) => a.text).join('\n'));
    assert.equal(checked.length + limited.length + gaveUp.length, answers.length, `only 401, 429 and 503: ${[...new Set(answers.map((a) => a.status))].join(', ')}`);
    assert.ok(checked.length <= MOST_CHECKS, `${checked.length} password checks spent on the flood (at most ${MOST_CHECKS})`);
    for (const a of limited) {
      const body = JSON.parse(a.text) as { Error: string; code: string };
      assert.ok(['MI_AUTH_003', 'MI_AUTH_005'].includes(body.code), a.text);
      assert.match(body.Error, /127\.0\.0\.3/);
    }
    assert.ok(median(limited.map((a) => a.ms)) < baselineMs, `429 median ${median(limited.map((a) => a.ms))} ms, one verification ${baselineMs} ms`);
    assert.ok(legit.every((ms) => prompt(ms, baselineMs)), `legitimate logins took ${legit.join(', ')} ms during the flood (alone: ${baselineMs} ms)`);
  });
});
