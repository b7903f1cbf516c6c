/**
 * API keys end to end on each database (embedded SQLite, PostgreSQL, MariaDB): issued with `mi api-key
 * issue`, then used over real HTTP in a header and in a query parameter; a wrong, missing, foreign,
 * expired and revoked key each get API Manager's fault; the key reaches neither the backend nor the
 * database (only its SHA-256 is stored); and a revocation made with the CLI is seen by two running
 * nodes on the same database within `[api_security] api_key_cache_ttl`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { startServer, type Server } from '../../../src/main.js';
import { openDatabase } from '../../../src/store/open-database.js';
import { describeEachDatabase } from '../../helpers/databases.js';
import { MI } from '../../helpers/process.js';
import { rawRequest, startBackend, SYN, type Backend } from '../../helpers/server.js';

function mi(home: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MI, 'api-key', ...args, '--home', home], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function issue(home: string, ...args: string[]): string {
  const r = mi(home, 'issue', ...args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^mik_[A-Za-z0-9_-]{43}\n$/);
  return r.stdout.trim();
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 15 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeEachDatabase('API keys issued with mi api-key', (target) => {
  let backend: Backend;
  let nodes: Server[] = [];
  let home: string;
  const logs = memoryLoggerFactory();
  const keys: Record<string, string> = {};

  before(async function () {
    this.timeout(120000);
    home = target().home;
    backend = await startBackend();
    const seqWith = (pre: string) => `<inSequence>${pre}<header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/><send><endpoint><address uri="${backend.url}/kitchen"/></endpoint></send></inSequence>`;
    const seq = seqWith('');
    const dir = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(
      path.join(dir, 'Keys.xml'),
      `<api ${SYN} name="Keys" context="/keys">
        <resource methods="GET" uri-template="/header"><security><api_key in="header"/></security>${seq}</resource>
        <resource methods="GET" uri-template="/query"><security><api_key in="query" name="key"/></security>${seqWith(`<log level="custom"><property name="asked" expression="get-property('REST_FULL_REQUEST_PATH')"/></log>`)}</resource>
        <resource methods="GET" uri-template="/either"><security><api_key/></security>${seq}</resource>
      </api>`,
    );
    writeFileSync(path.join(dir, 'Other.xml'), `<api ${SYN} name="Other" context="/other"><security><api_key/></security><resource methods="GET" uri-template="/">${seq}</resource></api>`);
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `${target().toml}\n[server]\nhot_deployment = false\n\n[api_security]\napi_key_cache_ttl = 1\n`);
    keys['ci'] = issue(home, '--api', 'Keys', '--name', 'ci-bot');
    keys['plain'] = issue(home, '--api', 'Keys');
    keys['other'] = issue(home, '--api', 'Other', '--expires', '30d');
    keys['expired'] = issue(home, '--api', 'Keys', '--name', 'old');
    for (let i = 0; i < 2; i++) nodes.push(await startServer({ home, logs: i === 0 ? logs : memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' }));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
    await backend?.close();
  });

  const call = (path: string, headers: Record<string, string> = {}, node = 0) => rawRequest(`http://127.0.0.1:${nodes[node]!.httpPort}${path}`, { method: 'GET', headers });

  it('admits a key in its header and hands on its name as the user, without the key', async () => {
    const r = await call('/keys/header', { apikey: keys['ci']! });
    assert.equal(r.status, 200, r.text);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.headers['x-user'], 'ci-bot');
    assert.equal(seen.headers['apikey'], undefined, 'the key does not travel on');
    const unnamed = await call('/keys/header', { apikey: keys['plain']! });
    assert.equal(unnamed.status, 200);
    assert.match(String(backend.requests.at(-1)!.headers['x-user']), /^[0-9a-f]{12}$/, 'a key without a name is known by its id');
  });

  it('admits a key in its query parameter and drops the parameter from the backend call', async () => {
    const r = await call(`/keys/query?size=large&key=${encodeURIComponent(keys['ci']!)}&sugar=2`);
    assert.equal(r.status, 200, r.text);
    assert.equal(backend.requests.at(-1)!.url, '/kitchen/query?size=large&sugar=2');
    const logged = logs.lines.filter((l) => l.message.includes('asked = ')).map((l) => l.message);
    assert.ok(logged.some((m) => m.includes('asked = /keys/query?size=large&key=*****&sugar=2')), logged.join('\n'));
    assert.ok(!logs.lines.some((l) => l.message.includes(keys['ci']!)), 'the key is masked in the log');
    assert.equal((await call(`/keys/either?apikey=${keys['ci']}`)).status, 200, 'apikey, as API Manager, in the query too');
  });

  it('refuses a wrong key and a key of another API with 900901, and no key with 900902', async () => {
    const before = backend.requests.length;
    for (const [what, headers] of [['wrong', { apikey: `mik_${'A'.repeat(43)}` }], ['foreign', { apikey: keys['other']! }]] as const) {
      const r = await call('/keys/header', headers);
      assert.equal(r.status, 401, what);
      assert.deepEqual(JSON.parse(r.text), { fault: { code: 900901, message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials' } }, what);
      assert.equal(r.headers['www-authenticate'], 'API Key realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"');
    }
    const none = await call('/keys/header');
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.text).fault.code, 900902);
    const inQuery = await call(`/keys/header?apikey=${keys['ci']}`);
    assert.equal(JSON.parse(inQuery.text).fault.code, 900902, 'a header-only resource does not read the query');
    assert.equal(backend.requests.length, before, 'no refused call reached the backend');
    assert.equal((await call('/other/', { apikey: keys['other']! })).status, 200, 'the other API takes its own key');
  });

  it('keeps only the SHA-256 of each key in the database', async () => {
    const db = await openDatabase(target().datasource);
    try {
      const rows = await db.db.selectFrom('mi_api_keys').selectAll().execute();
      assert.equal(rows.length, 4);
      const row = rows.find((r) => r.label === 'ci-bot')!;
      assert.equal(row.key_hash, createHash('sha256').update(keys['ci']!).digest('hex'));
      assert.equal(row.api, 'Keys');
      const everything = JSON.stringify(rows);
      for (const k of Object.values(keys)) assert.ok(!everything.includes(k.slice(4)), 'no key is stored');
      // an expiry in the past (set here, as waiting for one would be slow)
      await db.db.updateTable('mi_api_keys').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('label', '=', 'old').execute();
    } finally {
      await db.close();
    }
    await eventually('the expired key being refused', async () => JSON.parse((await call('/keys/header', { apikey: keys['expired']! })).text).fault?.code === 900901);
  });

  it('sees a key revoked with mi api-key revoke on every node within the cache TTL', async () => {
    const key = issue(home, '--api', 'Keys', '--name', 'to-revoke');
    for (const n of [0, 1]) assert.equal((await call('/keys/either', { apikey: key }, n)).status, 200, `node ${n}`);
    const id = mi(home, 'list', '--api', 'Keys').stdout.split('\n').find((l) => l.includes('\tto-revoke\t'))!.split('\t')[0]!;
    const revoked = mi(home, 'revoke', id);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stdout, `mi: revoked API key ${id} (API Keys, name to-revoke)\n`);
    for (const n of [0, 1]) {
      await eventually(`node ${n} refusing the revoked key`, async () => (await call('/keys/either', { apikey: key }, n)).status === 401);
      assert.equal(JSON.parse((await call('/keys/either', { apikey: key }, n)).text).fault.code, 900901);
    }
    const list = mi(home, 'list').stdout.trim().split('\n');
    assert.equal(list.length, 5);
    assert.match(list.find((l) => l.startsWith(id))!, new RegExp(`^${id}\\tKeys\\tto-revoke\\t\\S+\\tnever\\trevoked \\S+$`));
    assert.match(list.find((l) => l.includes('\tci-bot\t'))!, /\tnever\tactive$/);
    assert.match(list.find((l) => l.includes('\told\t'))!, /\texpired$/);
    assert.match(list.find((l) => l.includes('\tOther\t'))!, /\t\d{4}-\d\d-\d\dT[^\t]+\tactive$/);
  });

  it('mi api-key refuses an unknown API, a bad expiry and an unknown id with their codes', () => {
    const api = mi(home, 'issue', '--api', 'Nope');
    assert.equal(api.status, 1);
    assert.match(api.stderr, /^mi: MI_API_018  no API named 'Nope' in .* \(APIs: Keys, Other\)/);
    const expiry = mi(home, 'issue', '--api', 'Keys', '--expires', '2001-01-01');
    assert.match(expiry.stderr, /^mi: MI_API_018  --expires '2001-01-01' is neither a duration .* nor a date in the future/);
    const id = mi(home, 'revoke', 'feedfacecafe');
    assert.equal(id.status, 1);
    assert.match(id.stderr, /^mi: MI_API_017  no API key has id 'feedfacecafe'/);
  });
});
