/** The primary key store: `mi keystore create`, PKCS12 and PEM loading, default passwords, the development key store. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFrom } from '../../src/config/config.js';
import { loadKeyStore } from '../../src/security/keys/keystore.js';
import type { KeyStoreConfig } from '../../src/security/keys/keystore-config.js';
import { encryptSecret, decryptSecret } from '../../src/security/keys/cipher.js';
import { makeHome, MI, startMi } from '../helpers/process.js';
import { openssl } from './fixtures.js';

const mi = (args: string[], input?: string) => spawnSync(process.execPath, [MI, ...args], { encoding: 'utf8', input });
const sha = (f: string): string => createHash('sha256').update(readFileSync(f)).digest('hex');

function pkcs12Config(file: string, password: string, extra: Partial<KeyStoreConfig> = {}): KeyStoreConfig {
  return { where: '[keystore.primary]', file, type: 'PKCS12', keyFile: undefined, password, alias: undefined, keyPassword: undefined, allowDefault: false, ...extra };
}

describe('key store', function () {
  this.timeout(60000);
  let dir: string;
  const f = (n: string): string => path.join(dir, n);

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mi-keystore-'));
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-keyout', f('key.pem'), '-out', f('cert.pem'), '-days', '2', '-subj', '/CN=pem-test', '-passout', 'pass:Pem-Pass-123']);
    openssl(['pkcs12', '-export', '-in', f('cert.pem'), '-inkey', f('key.pem'), '-passin', 'pass:Pem-Pass-123', '-out', f('store.p12'), '-passout', 'pass:Store-Pass-456', '-name', 'mykey']);
    openssl(['pkcs12', '-export', '-in', f('cert.pem'), '-inkey', f('key.pem'), '-passin', 'pass:Pem-Pass-123', '-out', f('default.p12'), '-passout', 'pass:wso2carbon', '-name', 'wso2carbon']);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('mi keystore create: RSA 3072 + self-signed certificate that openssl reads, a 0600 password file, the section replaced in place', () => {
    const before = '# my settings\n[server]\noffset = 7 # keep\n\n[keystore.primary]\nfile_name = "wso2carbon.jks"\npassword = "wso2carbon"\n\n# trust\n[truststore]\nfile_name = "client.pem"\n';
    const home = makeHome({}, { 'deployment.toml': before });
    try {
      const r = mi(['keystore', 'create', '--home', home, '--cn', 'mi.example.com']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /created .*primary\.p12 \(RSA 3072/);
      const store = path.join(home, 'deployment', 'security', 'primary.p12');
      const pwFile = `${store}.password`;
      assert.equal(statSync(pwFile).mode & 0o777, 0o600);
      assert.equal(statSync(store).mode & 0o777, 0o600);
      const pem = openssl(['pkcs12', '-in', store, '-passin', `file:${pwFile}`, '-nokeys']);
      const text = openssl(['x509', '-noout', '-text'], pem);
      assert.match(text, /Public-Key: \(3072 bit\)/);
      assert.match(text, /Subject: CN ?= ?mi\.example\.com/);
      assert.match(text, /Issuer: CN ?= ?mi\.example\.com/, 'self-signed');
      const after = readFileSync(path.join(home, 'deployment', 'deployment.toml'), 'utf8');
      const [head, tail] = before.split(/\[keystore\.primary\][^]*?password = "wso2carbon"\n/);
      assert.ok(after.startsWith(head!) && after.endsWith(tail!), `everything outside the section is kept:\n${after}`);
      assert.match(after, /\[keystore\.primary\]\n#.*\nfile_name = "primary\.p12"\ntype = "PKCS12"\nalias = "primary"\npassword_file = "primary\.p12\.password"\n\n# trust/);
      // the runtime opens it
      const cfg = configFrom(home, { keystore: { primary: { file_name: 'primary.p12', password_file: 'primary.p12.password', alias: 'primary' } } });
      const ks = cfg.security.keystore.get();
      assert.equal(decryptSecret(ks.privateKey, encryptSecret(ks.publicKey, 'round-trip'), 'x'), 'round-trip');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('mi keystore create refuses to replace the key that encrypted [secrets] unless --force', () => {
    const home = makeHome({}, { 'deployment.toml': '[server]\noffset = 1\n' });
    try {
      assert.equal(mi(['keystore', 'create', '--home', home]).status, 0);
      const toml = path.join(home, 'deployment', 'deployment.toml');
      writeFileSync(toml, readFileSync(toml, 'utf8') + '\n[secrets]\nfirst = "[value-one]"\n');
      assert.equal(mi(['cipher-tool', '--home', home]).status, 0);
      const store = path.join(home, 'deployment', 'security', 'primary.p12');
      const [storeHash, tomlHash] = [sha(store), sha(toml)];
      const r = mi(['keystore', 'create', '--home', home]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^mi: MI_SEC_001 .*\[secrets\] first.*--force/);
      assert.equal(sha(store), storeHash, 'the key store is untouched');
      assert.equal(sha(toml), tomlHash, 'deployment.toml is untouched');
      const forced = mi(['keystore', 'create', '--home', home, '--force']);
      assert.equal(forced.status, 0, forced.stderr);
      assert.notEqual(sha(store), storeHash);
      assert.match(forced.stdout, /first .*encrypted with the previous key/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('opens a PKCS12 key store made by openssl, choosing the key by alias', () => {
    const ks = loadKeyStore(pkcs12Config(f('store.p12'), 'Store-Pass-456', { alias: 'mykey' }));
    assert.equal(ks.alias, 'mykey');
    assert.equal(ks.privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.match(ks.certificates[0]!, /BEGIN CERTIFICATE/);
    assert.throws(() => loadKeyStore(pkcs12Config(f('store.p12'), 'Store-Pass-456', { alias: 'other' })), /MI_SEC_001|no key with alias 'other'; it has: mykey/);
  });

  it('a wrong password fails with MI_SEC_001 and never shows the password', () => {
    assert.throws(
      () => loadKeyStore(pkcs12Config(f('store.p12'), 'Not-The-Password')),
      (e: Error & { code?: string }) => e.code === 'MI_SEC_001' && /wrong password/.test(e.message) && !e.message.includes('Not-The-Password'),
    );
  });

  it('opens a PEM key store: certificate and an encrypted private key (key_file, key_password)', () => {
    const ks = loadKeyStore({ where: '[keystore.primary]', file: f('cert.pem'), type: 'PEM', keyFile: f('key.pem'), password: '', alias: undefined, keyPassword: 'Pem-Pass-123', allowDefault: false });
    assert.equal(decryptSecret(ks.privateKey, encryptSecret(ks.publicKey, 'pem-secret'), 'x'), 'pem-secret');
    assert.throws(
      () => loadKeyStore({ where: '[keystore.primary]', file: f('cert.pem'), type: 'PEM', keyFile: f('key.pem'), password: '', alias: undefined, keyPassword: 'wrong', allowDefault: false }),
      /MI_SEC_001|cannot be read/,
    );
  });

  it('refuses well-known default passwords unless allow_default = true', () => {
    for (const password of ['wso2carbon', 'changeit', 'password', '']) {
      assert.throws(
        () => configFrom(dir, { keystore: { primary: { file_name: f('store.p12'), password } } }),
        (e: Error & { code?: string }) => e.code === 'MI_SEC_002',
        `password '${password}'`,
      );
    }
    assert.doesNotThrow(() => configFrom(dir, { keystore: { primary: { file_name: f('store.p12'), password: 'wso2carbon', allow_default: true } } }));
    assert.throws(() => configFrom(dir, { keystore: { primary: { file_name: 'x.jks', type: 'JKS', password: 'a-good-one' } } }), /keytool -importkeystore/);
    assert.throws(
      () => configFrom(dir, { keystore: { primary: { file_name: 'x.p12', password: '$secret{ks}' } }, secrets: { ks: 'QUJD' } }),
      (e: Error & { code?: string }) => e.code === 'MI_CFG_004' && /password_file/.test(e.message),
    );
  });

  it('mi start refuses a key store with a default password and says why; allow_default = true starts', async () => {
    const toml = `[keystore.primary]\nfile_name = "${f('default.p12')}"\npassword = "wso2carbon"\nalias = "wso2carbon"\n`;
    const home = makeHome({}, { 'deployment.toml': toml });
    try {
      const r = mi(['start', '--home', home, '--offset', '1999']);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /^mi: MI_SEC_002 .*well-known default password.*mi keystore create.*allow_default = true/);
      assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
      writeFileSync(path.join(home, 'deployment', 'deployment.toml'), toml + 'allow_default = true\n');
      const p = await startMi(home);
      assert.equal(await p.stop(), 0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('the first start without a key store makes a development one, says so, and serves HTTPS at once, leaving deployment.toml as it was', async () => {
    const toml = '# samples\n[server]\nhot_deployment = false\n';
    const home = makeHome({}, { 'deployment.toml': toml });
    try {
      const p = await startMi(home);
      const store = path.join(home, 'deployment', 'security', 'primary.p12');
      for (let i = 0; i < 100 && !/development key store/.test(p.output()); i++) await new Promise((r) => setTimeout(r, 100));
      assert.match(p.output(), /mi: created a development key store deployment\/security\/primary\.p12/);
      assert.match(p.output(), /mi: ready on http:\/\/\S+, https:\/\/\S+ .*management API on https:/);
      assert.ok(p.output().indexOf('development key store') < p.output().indexOf('ready on'), 'made before the listeners start');
      assert.equal(await p.stop(), 0);
      assert.ok(existsSync(store) && existsSync(`${store}.password`));
      assert.equal(readFileSync(path.join(home, 'deployment', 'deployment.toml'), 'utf8'), toml);
      const again = await startMi(home);
      await new Promise((r) => setTimeout(r, 300));
      assert.doesNotMatch(again.output(), /development key store/);
      assert.equal(await again.stop(), 0);
      // the cipher tool uses it by convention
      const enc = mi(['cipher-tool', '--home', home, '--encrypt'], 'dev-value\n');
      assert.equal(enc.status, 0, enc.stderr);
      const cfg = configFrom(home, { secrets: { a: enc.stdout.trim() } });
      assert.equal(cfg.security.vault.decrypt('a'), 'dev-value');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
