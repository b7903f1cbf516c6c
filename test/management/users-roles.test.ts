/**
 * Users and roles through the management API, stored in the embedded SQLite user store of the test home:
 * add, show, change password, assign roles, delete; the answers Micro Integrator gives; cached logins and
 * tokens that follow the changes; the read-only file users of deployment.toml.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ADMIN, USERS_TOML, VIEWER, basic, login, mgmt } from './client.js';

describe('management API users and roles on the embedded SQLite store', function () {
  this.timeout(30_000);
  let s: TestServer;
  let admin: string;
  const as = (token: string) => ({
    get: (path: string) => mgmt(s, path, { token }),
    send: (method: string, path: string, body?: unknown) => mgmt(s, path, { token, method, body }),
  });
  before(async () => {
    s = await startTestServer({}, '[server]\nhot_deployment = false\n' + USERS_TOML);
    admin = await login(s);
  });
  after(async () => s?.close());

  it('lists the file users of deployment.toml', async () => {
    const r = await as(admin).get('/users');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.list.map((u: { userId: string }) => u.userId).sort(), ['admin', 'viewer']);
    assert.deepEqual((await as(admin).get('/users/admin')).body, { userId: 'admin', isAdmin: true, roles: ['admin'] });
  });

  it('POST /users adds a user who can log in at once', async () => {
    const r = await as(admin).send('POST', '/users', { userId: 'user4', password: 'Passw0rd-4', isAdmin: 'false' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { userId: 'user4', status: 'Added' });
    assert.deepEqual((await as(admin).get('/users/user4')).body, { userId: 'user4', isAdmin: false, roles: [] });
    const t = await login(s, { name: 'user4', password: 'Passw0rd-4' });
    assert.equal((await as(t).get('/users')).status, 403, 'not an admin');
    assert.equal((await as(admin).get('/users?searchKey=USER')).body.count, 1);
  });

  it('refuses a duplicate name (case-insensitive), a weak password and a missing field, with codes', async () => {
    const dup = await as(admin).send('POST', '/users', { userId: 'USER4', password: 'Passw0rd-4' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 'MI_USR_004');
    const weak = await as(admin).send('POST', '/users', { userId: 'user5', password: 'abc' });
    assert.equal(weak.status, 400);
    assert.equal(weak.body.code, 'MI_USR_003');
    const missing = await as(admin).send('POST', '/users', { userId: 'user5' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'MI_MGT_006');
    assert.match(missing.body.Error, /"password"/);
    const notJson = await fetch(`${s.managementUrl}/users`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"userId":' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { code: string }).code, 'MI_MGT_006');
  });

  it('roles: add, assign, show, and the admin role counts at once for an existing token', async () => {
    assert.deepEqual((await as(admin).send('POST', '/roles', { role: 'ops' })).body, { role: 'ops', status: 'Added' });
    const roles = (await as(admin).get('/roles')).body.list.map((r: { role: string }) => r.role);
    assert.ok(roles.includes('ops') && roles.includes('admin'), roles.join());
    const put = await as(admin).send('PUT', '/roles', { userId: 'user4', addedRoles: ['ops'], removedRoles: [] });
    assert.deepEqual(put.body, { userId: 'user4', status: 'Added/removed the roles' });
    assert.deepEqual((await as(admin).get('/users/user4')).body.roles, ['ops']);
    assert.deepEqual((await as(admin).get('/roles/ops')).body, { role: 'ops', users: ['user4'] });
    assert.equal((await as(admin).get('/roles/nope')).status, 404);

    const t = await login(s, { name: 'user4', password: 'Passw0rd-4' });
    assert.equal((await as(t).get('/users')).status, 403);
    await as(admin).send('PUT', '/roles', { userId: 'user4', addedRoles: ['admin'] });
    assert.equal((await as(t).get('/users')).status, 200, 'admin now, same token');
    await as(admin).send('PUT', '/roles', { userId: 'user4', removedRoles: ['admin'] });
    assert.equal((await as(t).get('/users')).status, 403, 'not admin any more, same token');
  });

  it('PATCH /users/{id} sets a password; your own needs the current one', async () => {
    const mismatch = await as(admin).send('PATCH', '/users/user4', { newPassword: 'Newpass-44', confirmPassword: 'other-44' });
    assert.equal(mismatch.status, 400);
    const ok = await as(admin).send('PATCH', '/users/user4', { newPassword: 'Newpass-44', confirmPassword: 'Newpass-44' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal((await mgmt(s, '/login', { auth: basic('user4', 'Passw0rd-4') })).status, 401, 'the old password is gone at once');
    await login(s, { name: 'user4', password: 'Newpass-44' });

    await as(admin).send('POST', '/users', { userId: 'dbadmin', password: 'Dbadmin-1', isAdmin: true });
    const me = await login(s, { name: 'dbadmin', password: 'Dbadmin-1' });
    const noOld = await as(me).send('PATCH', '/users/dbadmin', { newPassword: 'Dbadmin-2', confirmPassword: 'Dbadmin-2' });
    assert.equal(noOld.status, 400);
    assert.match(noOld.body.Error, /oldPassword/);
    const withOld = await as(me).send('PATCH', '/users/dbadmin', { newPassword: 'Dbadmin-2', confirmPassword: 'Dbadmin-2', oldPassword: 'Dbadmin-1' });
    assert.equal(withOld.status, 200);
  });

  it('file users are read-only here: 409 with MI_MGT_007', async () => {
    const del = await as(admin).send('DELETE', `/users/${VIEWER.name}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.code, 'MI_MGT_007');
    assert.equal((await as(admin).send('PATCH', `/users/${VIEWER.name}`, { newPassword: 'Xyzzy-123', confirmPassword: 'Xyzzy-123' })).status, 409);
  });

  it('DELETE /users/{id} removes the user and revokes their tokens; you cannot delete yourself', async () => {
    const t = await login(s, { name: 'user4', password: 'Newpass-44' });
    assert.deepEqual((await as(admin).send('DELETE', '/users/user4')).body, { userId: 'user4', status: 'Deleted' });
    assert.equal((await as(t).get('/server')).status, 401);
    const gone = await as(admin).get('/users/user4');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.code, 'MI_USR_005');
    assert.equal((await as(admin).send('DELETE', '/users/user4')).status, 404);
    const self = await as(admin).send('DELETE', `/users/${ADMIN.name}`);
    assert.equal(self.status, 400);
    assert.match(self.body.Error, /logged in user/);
  });

  it('DELETE /roles/{role} removes the role', async () => {
    assert.deepEqual((await as(admin).send('DELETE', '/roles/ops')).body, { role: 'ops', status: 'Deleted' });
    const again = await as(admin).send('DELETE', '/roles/ops');
    assert.equal(again.status, 404);
    assert.equal(again.body.code, 'MI_USR_006');
  });

  it('what was added is in the database: a restarted server on the same home knows it', async () => {
    await s.stop();
    let again: Server | undefined;
    try {
      again = await startServer({ home: s.home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
      const t = await login(again, { name: 'dbadmin', password: 'Dbadmin-2' });
      const r = await mgmt(again, '/users/dbadmin', { token: t });
      assert.deepEqual(r.body, { userId: 'dbadmin', isAdmin: true, roles: ['admin'] });
    } finally {
      await again?.stop();
      rmSync(s.home, { recursive: true, force: true });
    }
  });
});
