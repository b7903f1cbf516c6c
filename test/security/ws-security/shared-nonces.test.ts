/**
 * The WS-Security nonce cache in Redis (`[ws_security.nonce_store] type = "redis"`): two servers sharing
 * one Redis refuse a UsernameToken replayed to the other, also when both get it at the same moment; what
 * Redis holds is hashed and expires. With Redis unreachable, tokens with a nonce are refused (fail closed,
 * 503 MI_OPS_022) with one outage line, while tokens without a nonce still pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { post, startTestServer, type TestServer } from '../../helpers/server.js';
import { closedPort, dropPrefix, freshPrefix, needRedis, REDIS_URL } from '../../helpers/redis.js';
import { ECHO_WSDL, echoProxy, usernameTokenEnvelope, usersToml, UT_PLAIN } from './fixtures.js';

const FILES = { 'local-entries/UTPlain.xml': UT_PLAIN, 'local-entries/echo_wsdl.xml': ECHO_WSDL, 'proxy-services/Plain.xml': echoProxy('Plain', 'UTPlain') };
const ALICE = 'alice-Pass-1234';

function toml(url: string, prefix: string): string {
  return `[server]\nhot_deployment = false\n\n[ws_security.nonce_store]\ntype = "redis"\nredis_url = "${url}"\nkey_prefix = "${prefix}"\ntimeout = 1000\n\n${usersToml()}`;
}

async function call(s: TestServer, body: string): Promise<{ status: number; text: string }> {
  return post(`${s.url}/services/Plain`, body, { 'content-type': 'text/xml' });
}

const nonce = (): string => randomBytes(16).toString('base64');

describe('WS-Security nonces shared through Redis by two servers', function () {
  this.timeout(60_000);
  let prefix: string;
  let a: TestServer;
  let b: TestServer;

  before(async function () {
    await needRedis(this);
    prefix = freshPrefix();
    a = await startTestServer(FILES, toml(REDIS_URL, prefix));
    b = await startTestServer(FILES, toml(REDIS_URL, prefix));
  });
  after(async () => {
    await a?.close();
    await b?.close();
    if (prefix) await dropPrefix(prefix);
  });

  it('a token accepted by one server is a replay on the other (and on itself)', async () => {
    const body = usernameTokenEnvelope('alice', ALICE, nonce());
    const first = await call(a, body);
    assert.equal(first.status, 200, first.text);
    for (const s of [b, a]) {
      const again = await call(s, body);
      assert.equal(again.status, 500, again.text);
      assert.match(again.text, /wsse:InvalidSecurity/);
      assert.match(again.text, /Nonce was already used/);
    }
    assert.ok(b.logLines.some((l) => l.level === 'WARN' && /MI_WSS_006 .*replayed nonce from 'alice'/.test(l.message)));
  });

  it('the same token sent to both at the same moment passes exactly once', async () => {
    for (let round = 0; round < 5; round++) {
      const body = usernameTokenEnvelope('alice', ALICE, nonce());
      const answers = await Promise.all([call(a, body), call(b, body), call(a, body), call(b, body)]);
      assert.equal(answers.filter((r) => r.status === 200).length, 1, answers.map((r) => r.status).join(','));
    }
  });

  it('Redis holds a hash of proxy, user and nonce, expiring after nonceLifeTime + 2 x skew', async () => {
    await dropPrefix(prefix);
    const n = nonce();
    assert.equal((await call(b, usernameTokenEnvelope('alice', ALICE, n))).status, 200);
    const c = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const keys = await c.keys(`${prefix}*`);
      assert.equal(keys.length, 1);
      assert.ok(!keys[0]!.includes('alice') && !keys[0]!.includes(n), 'no user name or nonce in the key');
      const ttl = await c.pttl(keys[0]!);
      // policy: nonceLifeTime 300 s, timestampMaxSkew 60 s
      assert.ok(ttl > 400_000 && ttl <= 420_000, `ttl ${ttl}`);
    } finally {
      c.disconnect();
    }
  });
});

describe('WS-Security nonces when Redis cannot be reached', function () {
  this.timeout(60_000);
  let s: TestServer;

  before(async () => {
    s = await startTestServer(FILES, toml(`redis://127.0.0.1:${await closedPort()}`, 'mi:nonce:'));
  });
  after(async () => s?.close());

  it('refuses tokens with a nonce (503 MI_OPS_022, one outage line) and lets tokens without one through', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await call(s, usernameTokenEnvelope('alice', ALICE, nonce()));
      assert.equal(r.status, 503, r.text);
      assert.match(r.text, /soapenv:Server/);
      assert.match(r.text, /cannot check the nonce/);
    }
    const outage = s.logLines.filter((l) => l.message.startsWith('MI_OPS_022 the WS-Security nonce store'));
    assert.equal(outage.length, 1, s.logLines.map((l) => l.message).join('\n'));
    assert.match(outage[0]!.message, /is not reachable: .*UsernameTokens with a nonce are refused/);
    assert.equal(s.logLines.filter((l) => l.level === 'WARN' && /MI_OPS_022 .*cannot be reached to check a nonce from 'alice'/.test(l.message)).length, 3);
    const plain = await call(s, usernameTokenEnvelope('alice', ALICE));
    assert.equal(plain.status, 200, plain.text);
  });
});
