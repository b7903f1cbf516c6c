import assert from 'node:assert/strict';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { MiError } from '../../../src/errors.js';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { AuthenticationService } from '../../../src/security/auth/authentication-service.js';
import { DatabaseUserStore } from '../../../src/security/auth/database-user-store.js';
import { userStoreSettings } from '../../../src/security/auth/user-store-config.js';
import type { Database } from '../../../src/store/database.js';
import { openDatabase } from '../../../src/store/open-database.js';
import type { DatabaseSchema } from '../../../src/store/schema.js';
import { describeEachDatabase } from '../../helpers/databases.js';

async function rejection(p: Promise<unknown>): Promise<MiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof MiError, `expected an MiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}

const SUPER = { username: 'Chief', password: 'Chief-Pass-1' };

describeEachDatabase('database user store', (target) => {
  let database: Database;
  let store: DatabaseUserStore;

  before(async () => {
    database = await openDatabase(target().datasource);
    store = await DatabaseUserStore.open(database, userStoreSettings({ super_admin: SUPER }));
  });
  after(async () => database?.close());

  it('creates the [super_admin] user with the admin role at start, once', async () => {
    assert.deepEqual(await store.user('chief'), { name: 'Chief', roles: ['admin'], isAdmin: true, source: 'database' });
    assert.equal(await store.verify('CHIEF', SUPER.password), true);
    // a second start finds it and leaves it alone
    const again = await DatabaseUserStore.open(database, userStoreSettings({ super_admin: { ...SUPER, password: 'Other-Pass-2' } }));
    assert.equal(await again.verify('chief', SUPER.password), true);
    assert.equal((await again.users()).length, 1);
  });

  it('adds users and roles, lists them sorted with their roles', async () => {
    await store.addRole('Ops');
    const alice = await store.addUser('Alice', 'alice-pw-1', ['ops', 'ADMIN']);
    assert.deepEqual(alice, { name: 'Alice', roles: ['admin', 'Ops'], isAdmin: true, source: 'database' });
    await store.addUser('bob', 'bob-pw-12', []);
    assert.deepEqual(await store.roles(), ['admin', 'Ops']);
    assert.deepEqual(
      (await store.users()).map((u) => `${u.name}:${u.roles.join('+')}:${u.isAdmin}`),
      ['Alice:admin+Ops:true', 'bob::false', 'Chief:admin:true'],
    );
  });

  it('treats user and role names case-insensitively, keeping the first spelling for display', async () => {
    assert.equal((await store.user('ALICE'))?.name, 'Alice');
    assert.equal(await store.verify('aLiCe', 'alice-pw-1'), true);
    const dup = await rejection(store.addUser('alice', 'another-pw', []));
    assert.deepEqual([dup.code, dup.status], ['MI_USR_004', 409]);
    assert.match(dup.message, /user 'Alice' already exists/);
    const dupRole = await rejection(store.addRole('OPS'));
    assert.deepEqual([dupRole.code, dupRole.status], ['MI_USR_007', 409]);
  });

  it('keeps distinct names that only a lenient collation would confuse', async () => {
    // MySQL's default collations equate 'é' with 'e' and ignore trailing spaces; keys compare byte for byte
    await store.addUser('josé', 'jose-pw-1', []);
    await store.addUser('jose', 'jose-pw-2', []);
    assert.equal(await store.verify('josé', 'jose-pw-1'), true);
    assert.equal(await store.verify('jose', 'jose-pw-2'), true);
    assert.equal(await store.verify('jose', 'jose-pw-1'), false);
    await store.deleteUser('josé');
    await store.deleteUser('jose');
  });

  it('verifies passwords: right, wrong, unknown user', async () => {
    assert.equal(await store.verify('bob', 'bob-pw-12'), true);
    assert.equal(await store.verify('bob', 'bob-pw-13'), false);
    assert.equal(await store.verify('nobody', 'bob-pw-12'), false);
  });

  it('makes an unknown user cost a password verification too (no timing shortcut)', async () => {
    const time = async (name: string): Promise<number> => {
      const t0 = process.hrtime.bigint();
      await store.verify(name, 'wrong-password');
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const median = (xs: number[]): number => xs.sort((a, b) => a - b)[1]!;
    const known = median([await time('bob'), await time('bob'), await time('bob')]);
    const unknown = median([await time('nobody'), await time('nobody'), await time('nobody')]);
    // scrypt dominates both (tens of ms); a lookup alone would be well under a millisecond
    assert.ok(unknown > known * 0.5, `unknown user took ${unknown} ms, known ${known} ms`);
  });

  it('stores only a salted scrypt hash, never the password', async () => {
    await store.addUser('carol', 'bob-pw-12', []);
    const rows = await database.db.selectFrom('mi_users').select(['name_key', 'password_hash']).where('name_key', 'in', ['bob', 'carol']).orderBy('name_key').execute();
    assert.equal(rows.length, 2);
    for (const r of rows) {
      assert.match(r.password_hash, /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
      assert.doesNotMatch(r.password_hash, /bob-pw-12/);
    }
    assert.notEqual(rows[0]!.password_hash, rows[1]!.password_hash, 'same password, different salt');
    await store.deleteUser('carol');
  });

  it('refuses names and passwords that break the rules, with MI wording', async () => {
    const weak = await rejection(store.addUser('dave', 'abcd', []));
    assert.deepEqual([weak.code, weak.status], ['MI_USR_003', 400]);
    assert.match(weak.message, /Password length should be within 5 to 30 characters/);
    assert.equal((await rejection(store.addUser('dave', 'has space', []))).code, 'MI_USR_003');
    assert.equal((await rejection(store.addUser('dave', 'x'.repeat(31), []))).code, 'MI_USR_003');
    assert.doesNotMatch(weak.message, /abcd/, 'the password is not repeated');
    const short = await rejection(store.addUser('da', 'dave-pw-1', []));
    assert.deepEqual([short.code, short.status], ['MI_USR_002', 400]);
    assert.equal((await rejection(store.addUser('da ve', 'dave-pw-1', []))).code, 'MI_USR_002');
    assert.equal((await rejection(store.addRole('x'))).code, 'MI_USR_002');
    assert.equal(await store.user('dave'), undefined);
  });

  it('applies [user_store.properties] rules', async () => {
    const strict = await DatabaseUserStore.open(
      database,
      userStoreSettings({ user_store: { type: 'database', properties: { UsernameJavaRegEx: '[a-z]{4,8}', PasswordJavaRegEx: '^(?=.*\\d)\\S{10,}$' } } }),
    );
    assert.match((await rejection(strict.addUser('Eve1', 'long-password-1', []))).message, /must match UsernameJavaRegEx \[a-z\]\{4,8\}/);
    assert.match((await rejection(strict.addUser('evee', 'no-digits-here', []))).message, /must match PasswordJavaRegEx/);
    await strict.addUser('evee', 'has-digit-1x', []);
    assert.equal(await store.deleteUser('evee'), true);
  });

  it('refuses a role that does not exist, pointing at `mi role add`, and adds nothing', async () => {
    const e = await rejection(store.addUser('frank', 'frank-pw-1', ['ops', 'auditors']));
    assert.deepEqual([e.code, e.status], ['MI_USR_006', 404]);
    assert.match(e.message, /no role 'auditors'; create it first with `mi role add auditors`/);
    assert.equal(await store.user('frank'), undefined);
  });

  it('changes a password', async () => {
    await store.setPassword('BOB', 'bob-new-pw');
    assert.equal(await store.verify('bob', 'bob-pw-12'), false);
    assert.equal(await store.verify('bob', 'bob-new-pw'), true);
    assert.equal((await rejection(store.setPassword('nobody', 'whatever-1'))).code, 'MI_USR_005');
    assert.equal((await rejection(store.setPassword('bob', 'shrt'))).code, 'MI_USR_003');
  });

  it('adds and removes roles of a user', async () => {
    assert.deepEqual(await store.updateRoles('bob', ['OPS', 'admin'], []), ['admin', 'Ops']);
    assert.equal((await store.user('bob'))?.isAdmin, true);
    assert.deepEqual(await store.updateRoles('Bob', ['ops'], ['ADMIN']), ['Ops'], 'adding a role twice is harmless');
    assert.equal((await store.user('bob'))?.isAdmin, false);
    assert.equal((await rejection(store.updateRoles('bob', ['auditors'], []))).code, 'MI_USR_006');
    assert.equal((await rejection(store.updateRoles('bob', [], ['typo-role']))).code, 'MI_USR_006', 'a removal typo is not silently ignored');
    assert.equal((await rejection(store.updateRoles('nobody', ['ops'], []))).code, 'MI_USR_005');
  });

  it('protects the super admin and the admin role', async () => {
    const del = await rejection(store.deleteUser('CHIEF'));
    assert.deepEqual([del.code, del.status], ['MI_USR_008', 409]);
    assert.equal((await rejection(store.updateRoles('chief', [], ['admin']))).code, 'MI_USR_008');
    assert.equal((await rejection(store.deleteRole('Admin'))).code, 'MI_USR_008');
    assert.equal(await store.verify('chief', SUPER.password), true);
  });

  it('deletes a role from every user, and users', async () => {
    assert.equal(await store.deleteRole('ops'), true);
    assert.equal(await store.deleteRole('ops'), false);
    assert.deepEqual((await store.user('alice'))?.roles, ['admin']);
    assert.deepEqual((await store.user('bob'))?.roles, []);
    assert.equal(await store.deleteUser('ALICE'), true);
    assert.equal(await store.deleteUser('alice'), false);
    assert.equal(await store.user('alice'), undefined);
    assert.equal(await store.verify('alice', 'alice-pw-1'), false);
    // a deleted name can be taken again
    await store.addUser('alice', 'alice-pw-2', []);
    assert.equal(await store.verify('alice', 'alice-pw-2'), true);
  });

  it('uses [super_admin] admin_role as the admin role, creating it at start', async () => {
    const renamed = await DatabaseUserStore.open(database, userStoreSettings({ super_admin: { admin_role: 'Integrators' } }));
    assert.ok((await renamed.roles()).includes('Integrators'));
    await renamed.updateRoles('bob', ['integrators'], []);
    assert.equal((await renamed.user('bob'))?.isAdmin, true);
    assert.equal((await store.user('bob'))?.isAdmin, false, "under the default settings 'admin' is the admin role");
    await renamed.updateRoles('bob', [], ['integrators']);
  });
});

describe('database user store when the database is down', () => {
  it('rejects with MI_DB_003 (503), and authentication fails closed as unavailable', async () => {
    // a real pg pool towards a port nobody listens on
    const db = new Kysely<DatabaseSchema>({ dialect: new PostgresDialect({ pool: new pg.Pool({ host: '127.0.0.1', port: 1, database: 'x', user: 'mi', password: 'Db-Secret-9', connectionTimeoutMillis: 2000 }) }) });
    const database: Database = { id: 'Users', dialect: 'postgres', db, description: "PostgreSQL database 'x' on 127.0.0.1:1", close: () => db.destroy() };
    try {
      const store = new DatabaseUserStore(database, { rules: userStoreSettings({}).rules, adminRole: 'admin' });
      for (const call of [store.verify('bob', 'whatever-1'), store.user('bob'), store.users(), store.roles(), store.addRole('ops'), store.deleteUser('bob')]) {
        const e = await rejection(call);
        assert.deepEqual([e.code, e.status], ['MI_DB_003', 503]);
        assert.match(e.message, /127\.0\.0\.1:1.*connection refused/);
        assert.doesNotMatch(e.message, /Db-Secret-9/);
      }
      const logs = memoryLoggerFactory();
      const auth = new AuthenticationService([store], { logs });
      assert.deepEqual(await auth.authenticate('bob', 'whatever-1', '10.0.0.1'), { ok: false, reason: 'unavailable' });
      assert.doesNotMatch(JSON.stringify(logs.lines), /Db-Secret-9|whatever-1/);
    } finally {
      await database.close();
    }
  });
});
