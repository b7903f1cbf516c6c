/**
 * `mi cipher-tool` end to end with real processes: encrypt deployment.toml in place, start `mi`, and a real
 * backend receives the plain value that wso2:vault-lookup sent as a header.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBackend, type Backend } from '../helpers/server.js';
import { makeHome, MI, startMi } from '../helpers/process.js';
import { openssl, SYN } from './fixtures.js';

const mi = (args: string[], input?: string) => spawnSync(process.execPath, [MI, ...args], { encoding: 'utf8', input });

const TOML = `# Backend credentials live here encrypted.
[server]
hot_deployment = false   # tests

[secrets]
# the orders backend
backend_pw = "[Orders-Backend-P4ss]"
api_key = '[k3y-with-#-and-"quotes"]'

[mediation]
correlation_header_name = "activityid"
`;

describe('mi cipher-tool', function () {
  this.timeout(60000);
  let backend: Backend;
  let home: string;
  let toml: string;

  before(async () => {
    backend = await startBackend();
    home = makeHome({
      'api/Orders.xml': `<api ${SYN} name="Orders" context="/orders"><resource methods="GET"><inSequence>
        <property name="X-Backend-Password" scope="transport" expression="wso2:vault-lookup('backend_pw')"/>
        <property name="X-Api-Key" scope="transport" expression="wso2:vault-lookup('api_key')"/>
        <call><endpoint><address uri="${backend.url}/orders"/></endpoint></call><respond/>
      </inSequence></resource></api>`,
    }, { 'deployment.toml': TOML });
    toml = path.join(home, 'deployment', 'deployment.toml');
  });

  after(async () => {
    await backend.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('a bracketed value stops mi start with an error naming the alias and the command, not the value', () => {
    const r = mi(['start', '--home', home, '--offset', '1998']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mi: MI_SEC_003 +\[secrets\] backend_pw, api_key are still plain text in \[brackets\]; encrypt with `mi cipher-tool --home .*`/);
    assert.doesNotMatch(r.stderr + r.stdout, /Orders-Backend-P4ss|k3y-with/);
  });

  it('encrypts the bracketed values in place, keeping every other byte, and the runtime sends the plain value to the backend', async () => {
    assert.equal(mi(['keystore', 'create', '--home', home]).status, 0);
    const before = readFileSync(toml, 'utf8');
    const r = mi(['cipher-tool', '--home', home]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /encrypted 2 secrets .*: backend_pw, api_key/);
    assert.doesNotMatch(r.stdout + r.stderr, /Orders-Backend-P4ss|k3y-with/);
    const after = readFileSync(toml, 'utf8');
    assert.doesNotMatch(after, /Orders-Backend-P4ss|k3y-with/);
    const masked = (t: string): string => t.replace(/^(backend_pw|api_key) = .*$/gm, '$1 = X');
    assert.equal(masked(after), masked(before), 'only the two values changed');
    assert.match(after, /^backend_pw = "[A-Za-z0-9+/]{400,}={0,2}"$/m, 'Base64 of an RSA 3072 block');

    const p = await startMi(home);
    try {
      const res = await fetch(`${p.url}/orders`);
      assert.equal(res.status, 200, await res.text());
      const got = backend.requests.at(-1)!.headers;
      assert.equal(got['x-backend-password'], 'Orders-Backend-P4ss');
      assert.equal(got['x-api-key'], 'k3y-with-#-and-"quotes"');
    } finally {
      assert.equal(await p.stop(), 0);
    }
  });

  it('is idempotent: a second run changes nothing', () => {
    const before = readFileSync(toml);
    const r = mi(['cipher-tool', '--home', home]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /nothing to encrypt/);
    assert.deepEqual(readFileSync(toml), before);
  });

  it('--encrypt prints the cipher text of standard input, which openssl decrypts with RSA-OAEP SHA-1 (Micro Integrator compatible)', () => {
    const r = mi(['cipher-tool', '--home', home, '--encrypt'], 'one-value\n');
    assert.equal(r.status, 0, r.stderr);
    const dir = path.join(home, 'deployment', 'security');
    const key = openssl(['pkcs12', '-in', path.join(dir, 'primary.p12'), '-passin', `file:${path.join(dir, 'primary.p12.password')}`, '-nocerts', '-nodes']);
    const keyFile = path.join(dir, 'test-key.pem');
    const cipherFile = path.join(dir, 'test-cipher.bin');
    writeFileSync(keyFile, key, { mode: 0o600 });
    writeFileSync(cipherFile, Buffer.from(r.stdout.trim(), 'base64'));
    try {
      const plain = openssl(['pkeyutl', '-decrypt', '-inkey', keyFile, '-in', cipherFile, '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha1', '-pkeyopt', 'rsa_mgf1_md:sha1']);
      assert.equal(plain, 'one-value');
    } finally {
      rmSync(keyFile);
      rmSync(cipherFile);
    }
    const empty = mi(['cipher-tool', '--home', home, '--encrypt'], '');
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /MI_SEC_004/);
  });

  it('has no --decrypt', () => {
    const r = mi(['cipher-tool', '--home', home, '--decrypt']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown option '--decrypt'/);
  });
});
