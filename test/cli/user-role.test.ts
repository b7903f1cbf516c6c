import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { DatabaseUserStore } from '../../src/security/auth/database-user-store.js';
import { userStoreSettings } from '../../src/security/auth/user-store-config.js';
import { embeddedDatasource } from '../../src/store/datasource-config.js';
import { openDatabase } from '../../src/store/open-database.js';
import { apiWithHandlers } from '../handlers/helpers.js';
import { needService, testDatabase, type TestDatabase } from '../helpers/databases.js';
import { makeHome, MI, startMi, type MiProcess } from '../helpers/process.js';
import { get } from '../helpers/server.js';
import { Agent, request } from 'undici';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function mi(args: string[], input?: string, cwd?: string): Result {
  const r = spawnSync(process.execPath, [MI, ...args], { input, cwd, encoding: 'utf8', stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(r: Result): string {
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

function fails(r: Result, code: string): string {
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, new RegExp(`^mi: ${code}  `));
  return r.stderr;
}

async function verify(home: string, name: string, password: string): Promise<boolean> {
  const db = await openDatabase(embeddedDatasource(home));
  try {
    return await new DatabaseUserStore(db, { rules: userStoreSettings({}).rules, adminRole: 'admin' }).verify(name, password);
  } finally {
    await db.close();
  }
}

describe('mi user / mi role', function () {
  this.timeout(60000);
  let home: string;

  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-users-'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('mi role add / list', () => {
    assert.equal(ok(mi(['role', 'add', 'ops', '--home', home])), 'mi: added role ops\n');
    assert.equal(ok(mi(['role', 'list', '--home', home])), 'admin\nops\n');
    fails(mi(['role', 'add', 'OPS', '--home', home]), 'MI_USR_007');
  });

  it('mi user add --role ... --password-stdin, and mi user list (tab-separated, scriptable)', async () => {
    assert.equal(ok(mi(['user', 'add', 'Alice', '--role', 'ops', '--role', 'admin', '--password-stdin', '--home', home], 'alice-pw-1\n')), 'mi: added user Alice (roles: admin, ops)\n');
    assert.equal(ok(mi(['user', 'add', 'bob', '--password-stdin', '--home', home], 'bob-pw-12')), 'mi: added user bob (roles: none)\n');
    assert.equal(ok(mi(['user', 'list', '--home', home])), 'Alice\tadmin,ops\nbob\t\n');
    assert.equal(await verify(home, 'alice', 'alice-pw-1'), true, 'the trailing newline is not part of the password');
  });

  it('refuses a duplicate (case-insensitively), an unknown role, a weak password, no password source', () => {
    assert.match(fails(mi(['user', 'add', 'ALICE', '--password-stdin', '--home', home], 'whatever-1'), 'MI_USR_004'), /user 'Alice' already exists/);
    assert.match(fails(mi(['user', 'add', 'carol', '--role', 'auditors', '--password-stdin', '--home', home], 'carol-pw-1'), 'MI_USR_006'), /mi role add auditors/);
    const weak = fails(mi(['user', 'add', 'carol', '--password-stdin', '--home', home], 'Qz9\n'), 'MI_USR_003');
    assert.match(weak, /Password length should be within 5 to 30 characters/);
    assert.doesNotMatch(weak, /Qz9/);
    assert.match(fails(mi(['user', 'add', 'carol', '--home', home]), 'MI_USR_010'), /--password-stdin/);
    assert.equal(ok(mi(['user', 'list', '--home', home])), 'Alice\tadmin,ops\nbob\t\n', 'nothing was added');
  });

  it('mi user passwd', async () => {
    assert.equal(ok(mi(['user', 'passwd', 'BOB', '--password-stdin', '--home', home], 'bob-pw-new\n')), 'mi: changed the password of BOB\n');
    assert.equal(await verify(home, 'bob', 'bob-pw-new'), true);
    assert.equal(await verify(home, 'bob', 'bob-pw-12'), false);
    fails(mi(['user', 'passwd', 'nobody', '--password-stdin', '--home', home], 'whatever-1'), 'MI_USR_005');
  });

  it('mi user roles NAME [--add R] [--remove R]', () => {
    assert.equal(ok(mi(['user', 'roles', 'bob', '--add', 'ops', '--add', 'admin', '--home', home])), 'mi: bob has roles: admin, ops\n');
    assert.equal(ok(mi(['user', 'roles', 'bob', '--remove', 'admin', '--home', home])), 'mi: bob has roles: ops\n');
    assert.equal(ok(mi(['user', 'roles', 'bob', '--home', home])), 'ops\n');
    fails(mi(['user', 'roles', 'bob', '--add', 'auditors', '--home', home]), 'MI_USR_006');
    fails(mi(['user', 'roles', 'nobody', '--home', home]), 'MI_USR_005');
  });

  it('mi role delete takes the role from every user; the admin role stays', () => {
    assert.equal(ok(mi(['role', 'delete', 'ops', '--home', home])), 'mi: deleted role ops (and took it from every user)\n');
    assert.equal(ok(mi(['user', 'list', '--home', home])), 'Alice\tadmin\nbob\t\n');
    fails(mi(['role', 'delete', 'ops', '--home', home]), 'MI_USR_006');
    fails(mi(['role', 'delete', 'admin', '--home', home]), 'MI_USR_008');
  });

  it('mi user delete; --home defaults to the current folder', () => {
    assert.equal(ok(mi(['user', 'delete', 'bob'], undefined, home)), 'mi: deleted user bob\n');
    fails(mi(['user', 'delete', 'bob', '--home', home]), 'MI_USR_005');
    assert.equal(ok(mi(['user', 'list'], undefined, home)), 'Alice\tadmin\n');
  });

  it('refuses to delete the [super_admin] user, which it creates from deployment.toml', () => {
    const h = makeHome({}, { 'deployment.toml': '[super_admin]\nusername = "chief"\npassword = "Chief-Pass-1"\n' });
    try {
      assert.equal(ok(mi(['user', 'list', '--home', h])), 'chief\tadmin\n');
      assert.match(fails(mi(['user', 'delete', 'Chief', '--home', h]), 'MI_USR_008'), /\[super_admin\]/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('reports a missing home and configuration errors as CODE  message', () => {
    fails(mi(['user', 'list', '--home', path.join(home, 'nope')]), 'MI_SRV_002');
    const h = makeHome({}, { 'deployment.toml': '[user_store]\ntype = "read_only_ldap"\n' });
    try {
      assert.match(fails(mi(['role', 'list', '--home', h]), 'MI_USR_001'), /type = "database"/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('waits for another process holding the SQLite write lock instead of failing', async () => {
    const other = new BetterSqlite3(path.join(home, 'data', 'mi.db'));
    other.exec('begin immediate');
    const child = spawn(process.execPath, [MI, 'role', 'add', 'late', '--home', home], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.equal(child.exitCode, null, `it must still be waiting: ${out}`);
    other.exec('commit');
    other.close();
    assert.equal(await exited, 0, out);
    assert.equal(out, 'mi: added role late\n');
  });

  it('prompts twice on a terminal without echoing (driven through a pseudo-terminal by script(1))', async function () {
    if (spawnSync('script', ['--version']).status !== 0) {
      console.log('      (skipped: script(1) from util-linux is not installed to provide a pseudo-terminal)');
      return this.skip();
    }
    const run = (first: string, second: string): Promise<string> =>
      new Promise((resolve) => {
        const cmd = `${process.execPath} ${MI} user add tty-user --home ${home}`;
        const child = spawn('script', ['-q', '-e', '-c', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        let step = 0;
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (step === 0 && out.includes('Password for tty-user: ')) {
            step = 1;
            child.stdin.write(`${first}\r`);
          } else if (step === 1 && out.includes('Repeat the password: ')) {
            step = 2;
            child.stdin.write(`${second}\r`);
          }
        });
        child.on('exit', () => resolve(out));
      });
    const mismatch = await run('tty-pass-1', 'tty-pass-2');
    assert.match(mismatch, /MI_USR_010 {2}the two passwords differ/);
    const out = await run('tty-pass-1', 'tty-pass-1');
    assert.match(out, /mi: added user tty-user \(roles: none\)/);
    assert.doesNotMatch(out, /tty-pass/, 'the password is not echoed');
    assert.equal(await verify(home, 'tty-user', 'tty-pass-1'), true);
  });
});

describe('mi user on PostgreSQL and MariaDB', function () {
  this.timeout(60000);
  for (const dialect of ['postgres', 'mysql'] as const) {
    describe(dialect === 'postgres' ? 'PostgreSQL' : 'MariaDB', () => {
      let t: TestDatabase | undefined;
      before(async function () {
        await needService(this, dialect === 'postgres' ? 'postgres' : 'mariadb');
        t = await testDatabase(dialect);
        mkdirSync(path.join(t.home, 'deployment'));
        writeFileSync(path.join(t.home, 'deployment', 'deployment.toml'), t.toml);
      });
      after(async () => t?.cleanup());

      it('adds, lists and deletes users in the configured [[datasource]]', async () => {
        assert.equal(ok(mi(['role', 'add', 'ops', '--home', t!.home])), 'mi: added role ops\n');
        assert.equal(ok(mi(['user', 'add', 'Dana', '--role', 'ops', '--password-stdin', '--home', t!.home], 'dana-pw-1')), 'mi: added user Dana (roles: ops)\n');
        assert.equal(ok(mi(['user', 'list', '--home', t!.home])), 'Dana\tops\n');
        const rows = await t!.fresh!.query<{ name: string }>('select name from mi_users');
        assert.deepEqual(rows.map((r) => r.name), ['Dana'], 'the rows are in the datasource, not in an embedded file');
        assert.equal(ok(mi(['user', 'delete', 'dana', '--home', t!.home])), 'mi: deleted user dana\n');
      });
    });
  }
});

describe('mi user while the server runs', function () {
  this.timeout(60000);
  let server: MiProcess | undefined;
  let home: string;

  before(async () => {
    const BASIC = 'org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler';
    home = makeHome(
      { 'api/Secured.xml': apiWithHandlers('Secured', '/secured', `<handler class="${BASIC}"/>`, 'secret data') },
      { 'deployment.toml': '[server]\nhot_deployment = false\n\n[super_admin]\nusername = "chief"\npassword = "Chief-Pass-1"\n' },
    );
    server = await startMi(home);
  });
  after(async () => {
    await server?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('a user added with the CLI can call an API guarded by Basic auth on the running server; so can [super_admin]', async () => {
    const basic = (u: string, p: string) => ({ authorization: 'Basic ' + Buffer.from(`${u}:${p}`).toString('base64') });
    assert.equal((await get(`${server!.url}/secured/x`, basic('chief', 'Chief-Pass-1'))).text, 'secret data');
    ok(mi(['user', 'add', 'erin', '--password-stdin', '--home', home], 'erin-pw-1'));
    assert.equal((await get(`${server!.url}/secured/x`, basic('Erin', 'erin-pw-1'))).text, 'secret data');
    assert.equal((await get(`${server!.url}/secured/x`, basic('erin', 'erin-pw-2'))).status, 403);
  });

  it('mi user delete revokes that user\'s management API tokens (they live in the database every node shares)', async () => {
    const management = /management API on (https:\/\/\S+\/management)/.exec(server!.output())?.[1];
    assert.ok(management, server!.output());
    // the development key store is self-signed
    const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
    try {
      const call = async (p: string, authorization: string): Promise<{ status: number; body: string }> => {
        const r = await request(`${management}${p}`, { dispatcher, headers: { authorization } });
        return { status: r.statusCode, body: await r.body.text() };
      };
      ok(mi(['user', 'add', 'frank', '--role', 'admin', '--password-stdin', '--home', home], 'frank-pw-1'));
      const login = await call('/login', 'Basic ' + Buffer.from('frank:frank-pw-1').toString('base64'));
      assert.equal(login.status, 200, login.body);
      const bearer = `Bearer ${(JSON.parse(login.body) as { AccessToken: string }).AccessToken}`;
      assert.equal((await call('/apis', bearer)).status, 200);
      assert.equal(ok(mi(['user', 'delete', 'frank', '--home', home])), 'mi: deleted user frank\n');
      const after = await call('/apis', bearer);
      assert.equal(after.status, 401, 'the token stops at once');
      assert.match(after.body, /MI_MGT_/);
    } finally {
      await dispatcher.close();
    }
  });
});
