import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { MiError } from '../../src/errors.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { startServer } from '../../src/main.js';
import { needService, testDatabase, type TestDatabase } from '../helpers/databases.js';
import { makeHome, MI, ROOT } from '../helpers/process.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

function start(toml: string): { status: number | null; output: string; ms: number } {
  const home = makeHome({}, { 'deployment.toml': toml });
  const t0 = Date.now();
  try {
    const r = spawnSync(process.execPath, [MI, 'start', '--home', home, '--offset', '3333'], { encoding: 'utf8', timeout: 30000 });
    return { status: r.status, output: r.stdout + r.stderr, ms: Date.now() - t0 };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function startFails(toml: string): Promise<MiError> {
  const home = makeHome({}, { 'deployment.toml': toml });
  try {
    await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, host: '127.0.0.1' });
  } catch (err) {
    assert.ok(err instanceof MiError, String(err));
    return err;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  assert.fail('the start should have failed');
}

describe('stores at start', function () {
  this.timeout(60000);

  it('mi start with an unreachable PostgreSQL user store exits non-zero with one line: code, host:port, database, cause, no password', () => {
    const r = start(`[user_store]
type = "database"
data_source = "Users"

[[datasource]]
id = "Users"
url = "jdbc:postgresql://127.0.0.1:1/userdb?sslmode=disable"
username = "mi"
password = "Pg-Secret-77"
`);
    assert.equal(r.status, 1, r.output);
    assert.equal(r.output, "mi: MI_DB_003  cannot connect to PostgreSQL database 'userdb' on 127.0.0.1:1 as mi ([[datasource]] Users): connection refused (is the server running and listening on that port?): connect ECONNREFUSED 127.0.0.1:1\n");
    assert.doesNotMatch(r.output, /Pg-Secret-77/);
  });

  it("refuses Micro Integrator's shipped [user_store] type = \"read_only_ldap\" with a code that says what to change", async () => {
    const shipped = readFileSync(path.join(ROOT, 'test/conformance/conf/deployment.toml'), 'utf8');
    assert.match(shipped, /type = "read_only_ldap"/);
    const e = await startFails('[user_store]\ntype = "read_only_ldap"\n');
    assert.equal(e.code, 'MI_USR_001');
    assert.match(e.message, /Remove \[user_store\].*or set type = "database"/);
  });

  it('refuses a data_source naming no [[datasource]], a used datasource of an unsupported kind, and a weak [super_admin]', async () => {
    const unknown = await startFails('[user_store]\ndata_source = "Nope"\n[[datasource]]\nid = "Other"\nurl = "jdbc:postgresql://127.0.0.1:1/x"\n');
    assert.equal(unknown.code, 'MI_DB_002');
    assert.match(unknown.message, /no \[\[datasource\]\] has id 'Nope'; declared: Other/);
    const h2 = await startFails('[realm_manager]\ndata_source = "WSO2_CARBON_DB"\n[[datasource]]\nid = "WSO2_CARBON_DB"\nurl = "jdbc:h2:./repository/database/WSO2CARBON_DB"\n');
    assert.equal(h2.code, 'MI_DB_001');
    assert.match(h2.message, /jdbc:h2 is not supported; supported URLs: jdbc:postgresql/);
    const weak = await startFails('[super_admin]\nusername = "admin"\npassword = "admin"\n');
    assert.equal(weak.code, 'MI_USR_009');
    assert.equal((await startFails('[super_admin]\nusername = "boss"\npassword = "shrt"\n')).code, 'MI_USR_009');
  });

  it('uses the [[datasource]] with id WSO2CarbonDB for users when nothing else is said', async () => {
    const e = await startFails('[[datasource]]\nid = "WSO2CarbonDB"\nurl = "jdbc:mysql://127.0.0.1:1/userdb"\nusername = "root"\npassword = "My-Secret-5"\n');
    assert.equal(e.code, 'MI_DB_003');
    assert.match(e.message, /MySQL database 'userdb' on 127\.0\.0\.1:1 as root \(\[\[datasource\]\] WSO2CarbonDB\)/);
    assert.doesNotMatch(e.message, /My-Secret-5/);
  });
});

describe('stores of a running server (embedded SQLite)', function () {
  this.timeout(60000);
  let s: TestServer;

  before(async () => {
    s = await startTestServer(
      {},
      `[server]
hot_deployment = false

[super_admin]
username = "chief"
password = "Chief-Pass-1"

[[internal_apis.users]]
user.name = "filer"
user.password = "filer-pw-1"

[[datasource]]
id = "Reports"
url = "jdbc:sqlite:data/reports.db"

[[datasource]]
id = "Legacy"
url = "jdbc:oracle:thin:@localhost:1521:ORCL"
`,
    );
  });
  after(() => s?.close());

  it('creates HOME/data/mi.db, the [super_admin] user in it, and authenticates file and database users', async () => {
    assert.ok(existsSync(path.join(s.home, 'data', 'mi.db')));
    assert.equal(s.stores.users.dialect, 'sqlite');
    const chief = await s.runtime.auth.authenticate('Chief', 'Chief-Pass-1', '127.0.0.1');
    assert.deepEqual(chief, { ok: true, user: { name: 'chief', roles: ['admin'], isAdmin: true } });
    assert.equal((await s.runtime.auth.authenticate('filer', 'filer-pw-1', '127.0.0.1')).ok, true);
    assert.deepEqual(await s.runtime.auth.authenticate('chief', 'wrong-pw-1', '127.0.0.1'), { ok: false, reason: 'invalid' });
    // the database store is the writable one
    assert.equal(s.runtime.auth.writable?.kind, 'database');
    await s.runtime.auth.writable!.addUser('gus', 'gus-pw-12', []);
    assert.equal((await s.runtime.auth.authenticate('gus', 'gus-pw-12', '127.0.0.1')).ok, true);
    assert.deepEqual((await s.runtime.auth.users()).map((u) => `${u.name}:${u.source}`), ['filer:file', 'chief:database', 'gus:database']);
  });

  it('opens other datasources only when asked, and warns about an unusable one without stopping', async () => {
    assert.ok(!existsSync(path.join(s.home, 'data', 'reports.db')), 'not opened at start');
    const reports = await s.stores.database('Reports');
    assert.ok(existsSync(path.join(s.home, 'data', 'reports.db')));
    assert.equal(await s.stores.database('Reports'), reports, 'opened once');
    const legacy = s.logLines.find((l) => l.level === 'WARN' && /Legacy/.test(l.message));
    assert.match(legacy?.message ?? '', /MI_DB_001 .*jdbc:oracle is not supported.*ignored until something uses it/);
    await assert.rejects(s.stores.database('Legacy'), /MI_DB_001|not supported/);
    await assert.rejects(s.stores.database('Nope'), (e: MiError) => e.code === 'MI_DB_002');
  });

  it('closes the databases on stop', async () => {
    const other = await startTestServer({}, '[server]\nhot_deployment = false\n');
    await other.stop();
    await assert.rejects(other.stores.users.db.selectFrom('mi_roles').selectAll().execute());
    await assert.rejects(other.stores.database(), (e: MiError) => e.code === 'MI_DB_003');
    rmSync(other.home, { recursive: true, force: true });
  });
});

describe('stores of a running server on PostgreSQL', function () {
  this.timeout(60000);
  let t: TestDatabase | undefined;
  let s: TestServer | undefined;

  before(async function () {
    await needService(this, 'postgres');
    t = await testDatabase('postgres');
    s = await startTestServer({}, `[server]\nhot_deployment = false\n\n[super_admin]\nusername = "chief"\npassword = "Chief-Pass-1"\n\n${t.toml}`);
  });
  after(async () => {
    await s?.close();
    await t?.cleanup();
  });

  it('keeps users in the datasource and authenticates them', async () => {
    assert.equal(s!.stores.users.dialect, 'postgres');
    assert.equal((await s!.runtime.auth.authenticate('chief', 'Chief-Pass-1', '127.0.0.1')).ok, true);
    const rows = await t!.fresh!.query<{ name: string }>('select name from mi_users');
    assert.deepEqual(rows.map((r) => r.name), ['chief']);
    assert.ok(!existsSync(path.join(s!.home, 'data', 'mi.db')), 'no embedded file when a datasource holds the users');
  });
});
