/**
 * Hashes made before the cost went up (scrypt N = 2^15) keep working, and the first successful login
 * rewrites them with today's parameters (N = 2^17) in the database itself: real server, real HTTP, each
 * database the user store runs on.
 */
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { get, startTestServer, type TestServer } from '../../helpers/server.js';
import { describeEachDatabase } from '../../helpers/databases.js';
import { apiWithHandlers } from '../../handlers/helpers.js';
import { openDatabase } from '../../../src/store/open-database.js';
import { embeddedDatasource } from '../../../src/store/datasource-config.js';
import type { Database } from '../../../src/store/database.js';

const BASIC = '<handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler"/>';
const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

/** A hash as the store wrote it before: N = 2^15, r = 8, p = 1. */
function oldHash(password: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(password.normalize('NFC'), salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return `scrypt$32768$8$1$${salt.toString('base64')}$${hash.toString('base64')}`;
}

describeEachDatabase('an older, weaker password hash', (target) => {
  let s: TestServer | undefined;
  let db: Database | undefined;
  const hashOf = async (): Promise<string> => (await db!.db.selectFrom('mi_users').select('password_hash').where('name_key', '=', 'legacy').executeTakeFirstOrThrow()).password_hash;

  before(async function () {
    this.timeout(60_000);
    // cache_ttl = 0: every login below really verifies the stored hash
    s = await startTestServer({ 'api/Secured.xml': apiWithHandlers('Secured', '/secured', BASIC, 'secret data') }, `[server]\nhot_deployment = false\n\n[authentication]\ncache_ttl = 0\n\n${target().toml}`);
    // the test's own connection to the server's user database
    db = await openDatabase(target().fresh ? target().datasource : embeddedDatasource(s.home));
    await db.db.insertInto('mi_users').values({ name_key: 'legacy', name: 'Legacy', password_hash: oldHash('Legacy-Pass-1'), created_at: new Date().toISOString() }).execute();
  });
  after(async () => {
    await db?.close();
    await s?.close();
  });

  it('still verifies, is left alone by a wrong password, and is rewritten with N = 2^17 by the first successful login', async function () {
    this.timeout(60_000);
    const before = await hashOf();
    assert.match(before, /^scrypt\$32768\$8\$1\$/);
    assert.equal((await get(`${s!.url}/secured/x`, basic('legacy', 'Wrong-Pass-1'))).status, 403);
    assert.equal(await hashOf(), before, 'a failed login changes nothing');

    const ok = await get(`${s!.url}/secured/x`, basic('legacy', 'Legacy-Pass-1'));
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'secret data');
    const after = await hashOf();
    assert.match(after, /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.doesNotMatch(after, /Legacy-Pass-1/);

    // the rewritten hash is the one checked from now on, and it is not rewritten again
    assert.equal((await get(`${s!.url}/secured/x`, basic('LEGACY', 'Legacy-Pass-1'))).status, 200);
    assert.equal((await get(`${s!.url}/secured/x`, basic('legacy', 'Legacy-Pass-2'))).status, 403);
    assert.equal(await hashOf(), after);
  });
});
