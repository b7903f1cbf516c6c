/**
 * `[[internal_apis.users]]` get the rules of `[super_admin]`: Micro Integrator's stock admin/admin file user
 * (full management rights) must not start a server, and `mi validate` says so before anyone tries.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { MiError } from '../../../src/errors.js';
import { startTestServer } from '../../helpers/server.js';
import { makeHome, MI } from '../../helpers/process.js';
import { ADMIN, basic, mgmt } from '../../management/client.js';

/** MI's default file user, as its default.json and the management API guides ship it. */
const STOCK_ADMIN = '[[internal_apis.users]]\nuser.name = "admin"\nuser.password = "admin"\nuser.is_admin = true\n';

async function startFails(toml: string): Promise<MiError> {
  try {
    const s = await startTestServer({}, `[server]\nhot_deployment = false\n\n${toml}`);
    await s.close();
  } catch (err) {
    assert.ok(err instanceof MiError, `expected an MiError, got ${String(err)}`);
    return err;
  }
  assert.fail('the server started');
}

describe('[[internal_apis.users]] passwords', function () {
  this.timeout(30_000);

  it("refuses to start with MI's stock admin/admin file user, naming the user and the rule", async () => {
    const e = await startFails(STOCK_ADMIN);
    assert.equal(e.code, 'MI_USR_011');
    assert.match(e.message, /\[\[internal_apis\.users\]\] user 'admin': the password is a well-known default .* or equals the user name; choose a strong password/);
  });

  it('refuses what [super_admin] refuses: the user name as password, a password breaking PasswordJavaRegEx, a bad name', async () => {
    const same = await startFails('[[internal_apis.users]]\nuser.name = "viewer"\nuser.password = "Viewer"\n');
    assert.equal(same.code, 'MI_USR_011');
    assert.match(same.message, /user 'viewer': the password is a well-known default .* or equals the user name/);
    const short = await startFails('[[internal_apis.users]]\nuser.name = "viewer"\nuser.password = "abcd"\n');
    assert.equal(short.code, 'MI_USR_011');
    assert.match(short.message, /user 'viewer': Password length should be within 5 to 30 characters/);
    assert.doesNotMatch(short.message, /abcd/, 'the password is never repeated');
    const name = await startFails('[[internal_apis.users]]\nuser.name = "ab"\nuser.password = "Strong-Pass-1"\n');
    assert.match(name.message, /user 'ab': user name 'ab' must be 3 to 30 characters without spaces/);
    // the same, stricter [user_store.properties] rule applies to file users and database users alike
    const strict = await startFails("[user_store.properties]\nPasswordJavaRegEx = '^(?=.*\\d)\\S{10,}$'\n\n[[internal_apis.users]]\nuser.name = \"viewer\"\nuser.password = \"no-digits-here\"\n");
    assert.match(strict.message, /user 'viewer': the password must match PasswordJavaRegEx/);
  });

  it('starts with strong file passwords, and they log in to the management API', async () => {
    const s = await startTestServer({}, `[server]\nhot_deployment = false\n\n[[internal_apis.users]]\nuser.name = "${ADMIN.name}"\nuser.password = "${ADMIN.password}"\nuser.is_admin = true\n`);
    try {
      assert.equal((await mgmt(s, '/login', { auth: basic(ADMIN.name, ADMIN.password) })).status, 200);
    } finally {
      await s.close();
    }
  });

  it('mi validate reports the stock admin/admin file user with the same code', () => {
    const h = makeHome({}, { 'deployment.toml': STOCK_ADMIN });
    try {
      const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /deployment\.toml:0:0\s+MI_USR_011\s+\[\[internal_apis\.users\]\] user 'admin': the password is a well-known default/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});
