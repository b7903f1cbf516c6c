import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { openDatabase } from '../../src/store/open-database.js';
import { describeEachDatabase, testDatabase, type TestDatabase } from '../helpers/databases.js';

const OPEN_AT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'open-at.js');

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describeEachDatabase('migrations', (target) => {
  it('create the tables and the admin role; opening again applies nothing', async () => {
    const logs = memoryLoggerFactory();
    const first = await openDatabase(target().datasource, logs.get('test'));
    await first.close();
    assert.match(logs.lines.map((l) => l.message).join('\n'), /applied migrations 0001_users_roles_transaction_counts, 0002_api_keys, 0003_api_client_certificates, 0004_management_tokens, 0005_oauth2_server/);
    logs.lines.length = 0;
    const second = await openDatabase(target().datasource, logs.get('test'));
    try {
      assert.deepEqual(logs.lines, [], 'nothing to apply the second time');
      const applied = await sql<{ name: string }>`select name from mi_migrations`.execute(second.db);
      assert.deepEqual(applied.rows.map((r) => r.name).sort(), ['0001_users_roles_transaction_counts', '0002_api_keys', '0003_api_client_certificates', '0004_management_tokens', '0005_oauth2_server']);
      const roles = await second.db.selectFrom('mi_roles').selectAll().execute();
      assert.deepEqual(roles, [{ name_key: 'admin', name: 'admin' }]);
    } finally {
      await second.close();
    }
  });

  it('keep transaction counts beyond 2^32 and return them (and their sum) as numbers', async () => {
    const db = await openDatabase(target().datasource);
    try {
      await db.db.insertInto('mi_transaction_counts').values([{ hour: '2030-01-01T00', count: 5_000_000_000 }, { hour: '2030-01-01T01', count: 7 }]).execute();
      const rows = await db.db.selectFrom('mi_transaction_counts').selectAll().orderBy('hour').execute();
      assert.deepEqual(rows, [{ hour: '2030-01-01T00', count: 5_000_000_000 }, { hour: '2030-01-01T01', count: 7 }]);
      const total = await db.db.selectFrom('mi_transaction_counts').select((eb) => eb.fn.sum<number>('count').as('total')).executeTakeFirstOrThrow();
      assert.equal(total.total, 5_000_000_007);
    } finally {
      await db.close();
    }
  });

  it('two processes starting at the same moment on an empty database both succeed and migrate once', async function () {
    this.timeout(60000);
    // a database of its own: the suite's one is already migrated
    const t: TestDatabase = await testDatabase(target().dialect);
    try {
      const toml = `${t.toml}\n[super_admin]\nusername = "chief"\npassword = "Chief-Pass-1"\n`;
      mkdirSync(path.join(t.home, 'deployment'), { recursive: true });
      writeFileSync(path.join(t.home, 'deployment', 'deployment.toml'), toml);
      // all load first, then open the stores at the same instant two seconds from now
      const at = String(Date.now() + 2000);
      const results = await Promise.all([1, 2].map(() => run([OPEN_AT, t.home, at])));
      for (const r of results) {
        assert.equal(r.code, 0, r.err);
        assert.equal(r.err, '');
        // both see the super admin, whichever of them created it
        assert.equal(r.out, 'chief\tadmin\n');
      }
      const db = await openDatabase(t.datasource);
      try {
        const applied = await sql<{ name: string }>`select name from mi_migrations`.execute(db.db);
        assert.equal(applied.rows.length, 5);
        assert.equal((await db.db.selectFrom('mi_roles').selectAll().execute()).length, 1);
      } finally {
        await db.close();
      }
    } finally {
      await t.cleanup();
    }
  });

  it('put PostgreSQL tables in the currentSchema of the URL, and the SQLite file where only its owner reads it', async function () {
    const t = target();
    if (t.dialect === 'postgres') {
      const tables = await t.fresh!.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1 order by table_name', [t.fresh!.name]);
      assert.deepEqual(
        tables.map((r) => r.table_name),
        ['mi_api_client_certificates', 'mi_api_keys', 'mi_management_tokens', 'mi_migrations', 'mi_migrations_lock', 'mi_oauth2_apps', 'mi_oauth2_state', 'mi_roles', 'mi_transaction_counts', 'mi_user_roles', 'mi_users'],
      );
      const elsewhere = await t.fresh!.query<{ n: string }>("select count(*) as n from information_schema.tables where table_name = 'mi_users' and table_schema = 'public'");
      assert.equal(Number(elsewhere[0]!.n), 0, 'nothing in public');
    } else if (t.dialect === 'sqlite') {
      assert.equal(statSync(path.join(t.home, 'data')).mode & 0o777, 0o700);
      assert.equal(statSync(path.join(t.home, 'data', 'mi.db')).mode & 0o777, 0o600);
      // the write-ahead log holds the same rows while the database is open
      const db = await openDatabase(t.datasource);
      try {
        await db.db.insertInto('mi_roles').values({ name_key: 'wal-probe', name: 'wal-probe' }).execute();
        assert.equal(statSync(path.join(t.home, 'data', 'mi.db-wal')).mode & 0o777, 0o600);
      } finally {
        await db.close();
      }
    } else {
      const tables = await t.fresh!.query<{ n: number }>('select count(*) as n from information_schema.tables where table_schema = database()');
      assert.equal(Number(tables[0]!.n), 11);
    }
  });
});
