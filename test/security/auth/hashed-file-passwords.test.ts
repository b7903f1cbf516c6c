/**
 * `[[internal_apis.users]]` passwords written as hashes, as API Microgateway's users are
 * (`password = "@sha256:{hex}"`): they log in over HTTP with the password itself; a malformed hash, an
 * unknown algorithm, or the hash of a well-known default (the Microgateway's own admin/admin SHA-1) stops
 * the start, naming the user and never the value.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { MiError } from '../../../src/errors.js';
import { makeHome, MI } from '../../helpers/process.js';
import { rawRequest, startTestServer, SYN, type TestServer } from '../../helpers/server.js';

const hex = (alg: string, pw: string) => createHash(alg).update(pw, 'utf8').digest('hex');
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const user = (name: string, password: string) => `[[internal_apis.users]]\nuser.name = "${name}"\nuser.password = "${password}"\n\n`;

async function startFails(toml: string): Promise<MiError> {
  try {
    const s = await startTestServer({}, `[server]\nhot_deployment = false\n\n${toml}`);
    await s.close();
  } catch (err) {
    assert.ok(err instanceof MiError, String(err));
    return err;
  }
  assert.fail('the server started');
}

describe('hashed [[internal_apis.users]] passwords', function () {
  this.timeout(60000);
  let s: TestServer;

  before(async () => {
    s = await startTestServer(
      { 'api/Bar.xml': `<api ${SYN} name="Bar" context="/bar"><security><basic_auth/></security><resource methods="GET" uri-template="/"><inSequence><payloadFactory media-type="json"><format>{"user":"$1"}</format><args><arg expression="get-property('api.ut.userId')"/></args></payloadFactory><respond/></inSequence></resource></api>` },
      `[server]\nhot_deployment = false\n\n` +
        user('barbara', `@sha256:{${hex('sha256', 'barbara-pw-1')}}`) +
        user('sam', `@sha1:{${hex('sha1', 'sam-pw-123')}}`) +
        user('uma', `@sha512:{${hex('sha512', 'Umä-pw-9').toUpperCase()}}`) +
        user('pat', `@sha384:{${hex('sha384', 'pat-pw-44')}}`) +
        user('plain', 'plain-pw-7'),
    );
  });
  after(async () => s?.close());

  const call = (authorization?: string) => rawRequest(`${s.url}/bar/`, { method: 'GET', headers: authorization ? { authorization } : {} });

  it('logs users in with the password whose SHA-1, SHA-256, SHA-384 or SHA-512 is written', async () => {
    for (const [name, pw] of [['barbara', 'barbara-pw-1'], ['sam', 'sam-pw-123'], ['uma', 'Umä-pw-9'], ['pat', 'pat-pw-44'], ['plain', 'plain-pw-7']]) {
      const r = await call(basic(name!, pw!));
      assert.equal(r.status, 200, `${name}: ${r.text}`);
      assert.deepEqual(JSON.parse(r.text), { user: name });
    }
  });

  it('refuses a wrong password, the hash itself as password, and another user\'s password', async () => {
    for (const [name, pw] of [['barbara', 'barbara-pw-2'], ['barbara', hex('sha256', 'barbara-pw-1')], ['barbara', `@sha256:{${hex('sha256', 'barbara-pw-1')}}`], ['sam', 'barbara-pw-1']]) {
      const r = await call(basic(name!, pw!));
      assert.equal(r.status, 401, `${name} / ${pw}`);
      assert.equal(JSON.parse(r.text).fault.code, 900901);
    }
  });

  it('stops the start on a malformed hash or an unknown algorithm (MI_API_019), never showing the value', async () => {
    const short = await startFails(user('viewer', '@sha256:{abcdef}'));
    assert.equal(short.code, 'MI_API_019');
    assert.equal(short.message, "[[internal_apis.users]] user 'viewer': a @sha256 password has 64 hex digits");
    const md5 = await startFails(user('viewer', `@md5:{${hex('md5', 'x')}}`));
    assert.equal(md5.code, 'MI_API_019');
    assert.match(md5.message, /user 'viewer': @md5 is not a supported hash; use @sha1, @sha256, @sha384 or @sha512/);
    assert.doesNotMatch(md5.message, new RegExp(hex('md5', 'x')));
    const form = await startFails(user('viewer', '@sha256:deadbeef'));
    assert.match(form.message, /a hashed password is written @sha256:\{hex\}/);
  });

  it("refuses the hash of a well-known default, such as the Microgateway's admin/admin SHA-1", async () => {
    const e = await startFails(user('gwadmin', '@sha1:{d033e22ae348aeb5660fc2140aec35850c4da997}'));
    assert.equal(e.code, 'MI_USR_011');
    assert.match(e.message, /user 'gwadmin': the password hash is that of a well-known default .* or of the user name/);
    const own = await startFails(user('viewer', `@sha256:{${hex('sha256', 'viewer')}}`));
    assert.equal(own.code, 'MI_USR_011');
  });

  it('mi validate reports a malformed hash with its code', () => {
    const h = makeHome({}, { 'deployment.toml': user('viewer', '@sha512:{00}') });
    try {
      const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
      assert.equal(r.status, 1);
      assert.match(r.stdout, /deployment\.toml:0:0\s+MI_API_019\s+\[\[internal_apis\.users\]\] user 'viewer': a @sha512 password has 128 hex digits/);
    } finally {
      rmSync(h, { recursive: true, force: true });
    }
  });
});
