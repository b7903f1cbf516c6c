/**
 * hashicorp:vault-lookup through the real runtime on loopback, against VaultStandIn (vault-stand-in.ts), a
 * small HTTP server that stands in for HashiCorp Vault, which cannot be installed here.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend, startTestServer, get, type Backend, type TestServer } from '../helpers/server.js';
import { openssl, SYN } from './fixtures.js';
import { VaultStandIn } from './vault-stand-in.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function api(name: string, body: string, backend: Backend): string {
  return `<api ${SYN} name="${name}" context="/${name}"><resource methods="GET"><inSequence>${body}
    <call><endpoint><address uri="${backend.url}/echo"/></endpoint></call><respond/>
  </inSequence></resource></api>`;
}

const header = (expr: string): string => `<property name="X-Secret" scope="transport" expression="${expr}"/>`;

function vaultToml(address: string, extra: string): string {
  return `[server]\nhot_deployment = false\n\n[[external_vault]]\nname = "hashicorp"\naddress = "${address}"\n${extra}\n`;
}

describe('hashicorp:vault-lookup', function () {
  this.timeout(30000);
  let vault: VaultStandIn;
  let backend: Backend;
  const servers: TestServer[] = [];

  async function serve(files: Record<string, string>, toml: string): Promise<TestServer> {
    const s = await startTestServer(files, toml);
    servers.push(s);
    return s;
  }

  async function secret(s: TestServer, name: string, headers: Record<string, string> = {}): Promise<unknown> {
    const r = await get(`${s.url}/${name}`, headers);
    assert.equal(r.status, 200, `${name}: ${r.text}`);
    return backend.requests.at(-1)!.headers['x-secret'];
  }

  before(async () => {
    vault = new VaultStandIn();
    await vault.start();
    vault.rootToken('root-token-123');
    vault.put('', 'secret/app', { password: 'kv2-password', user: 'app' });
    vault.put('', 'kv/legacy', { password: 'kv1-password' });
    vault.put('team-a', 'secret/app', { password: 'team-a-password' });
    vault.put('team-b', 'secret/app', { password: 'team-b-password' });
    backend = await startBackend();
  });

  after(async () => {
    for (const s of servers) await s.close();
    await backend.close();
    await vault.stop();
  });

  it('reads a KV version 2 secret with the root token and sends it to the backend', async () => {
    const s = await serve(
      { 'api/v2.xml': api('v2', header("hashicorp:vault-lookup('secret/app', 'password')"), backend) },
      vaultToml(vault.url, 'rootToken = "root-token-123"\nengineVersion = "2"'),
    );
    assert.equal(await secret(s, 'v2'), 'kv2-password');
    const read = vault.calls.filter((c) => c.url === '/v1/secret/data/app').at(-1)!;
    assert.equal(read.token, 'root-token-123');
    assert.equal(read.namespace, undefined);
  });

  it('reads a KV version 1 secret (engineVersion 1: the path as written)', async () => {
    const s = await serve(
      { 'api/v1.xml': api('v1', header("hashicorp:vault-lookup('kv/legacy', 'password')"), backend) },
      vaultToml(vault.url, 'rootToken = "root-token-123"\nengineVersion = 1'),
    );
    assert.equal(await secret(s, 'v1'), 'kv1-password');
    assert.ok(vault.calls.some((c) => c.url === '/v1/kv/legacy'));
  });

  it('sends the configured namespace, and the three-argument form overrides it', async () => {
    const s = await serve(
      {
        'api/ns.xml': api('ns', header("hashicorp:vault-lookup('secret/app', 'password')"), backend),
        'api/ns3.xml': api('ns3', header("hashicorp:vault-lookup('team-b', 'secret/app', 'password')"), backend),
      },
      vaultToml(vault.url, 'rootToken = "root-token-123"\nnamespace = "team-a"'),
    );
    assert.equal(await secret(s, 'ns'), 'team-a-password');
    assert.equal(await secret(s, 'ns3'), 'team-b-password');
    assert.ok(vault.calls.some((c) => c.namespace === 'team-b'));
  });

  it('takes $env:NAME arguments and arguments computed from the message', async () => {
    process.env['MI_TEST_VAULT_PATH'] = 'secret/app';
    try {
      const s = await serve(
        {
          'api/envarg.xml': api('envarg', header("hashicorp:vault-lookup('$env:MI_TEST_VAULT_PATH', 'user')"), backend),
          'api/dynarg.xml': api('dynarg', `<property name="field" expression="$trp:x-field"/>${header("hashicorp:vault-lookup('secret/app', $ctx:field)")}`, backend),
          'api/infilter.xml': `<api ${SYN} name="infilter" context="/infilter"><resource methods="GET"><inSequence>
            <filter xpath="hashicorp:vault-lookup('secret/app', 'user') = 'app'"><then><respond/></then><else><drop/></else></filter>
          </inSequence></resource></api>`,
        },
        vaultToml(vault.url, 'rootToken = "root-token-123"'),
      );
      assert.equal(await secret(s, 'envarg'), 'app');
      assert.equal(await secret(s, 'dynarg', { 'x-field': 'password' }), 'kv2-password');
      assert.equal(await secret(s, 'dynarg', { 'x-field': 'user' }), 'app');
      assert.equal((await get(`${s.url}/infilter`)).status, 200, "a filter's own condition is fetched for too");
    } finally {
      delete process.env['MI_TEST_VAULT_PATH'];
    }
  });

  it('logs in with AppRole, logs in again when the token expires or is revoked', async () => {
    vault.roles.set('role-1', 'secret-id-1');
    vault.leaseSeconds = 4;
    const before = vault.logins;
    const s = await serve(
      { 'api/approle.xml': api('approle', header("hashicorp:vault-lookup('secret/app', 'password')"), backend) },
      // no caching: every request reads Vault, so the token is used every time
      vaultToml(vault.url, 'roleId = "role-1"\nsecretId = "secret-id-1"\ncacheableDuration = "0"'),
    );
    await sleep(100); // the start-up check logs in once
    assert.equal(await secret(s, 'approle'), 'kv2-password');
    assert.equal(await secret(s, 'approle'), 'kv2-password');
    assert.equal(vault.logins - before, 1, 'one login while the token is valid');
    const login = vault.calls.find((c) => c.url === '/v1/auth/approle/login');
    assert.ok(login);
    await sleep(2100); // 4 s lease less the 2 s margin
    assert.equal(await secret(s, 'approle'), 'kv2-password');
    assert.equal(vault.logins - before, 2, 'logged in again after expiry');
    vault.tokens.clear();
    vault.rootToken('root-token-123');
    assert.equal(await secret(s, 'approle'), 'kv2-password');
    assert.equal(vault.logins - before, 3, 'logged in again after a 403');
    vault.leaseSeconds = 3600;
  });

  it('a token Vault refuses faults with MI_SEC_008 (403 permission denied), and the start-up check warns', async () => {
    const s = await serve(
      { 'api/bad.xml': api('bad', header("hashicorp:vault-lookup('secret/app', 'password')"), backend) },
      vaultToml(vault.url, 'rootToken = "not-a-valid-token"'),
    );
    const r = await get(`${s.url}/bad`);
    assert.equal(r.status, 500);
    const body = JSON.parse(r.text) as { code: string; message: string };
    assert.equal(body.code, 'MI_SEC_008');
    assert.match(body.message, /permission denied/);
    assert.doesNotMatch(r.text, /not-a-valid-token/);
    assert.ok(vault.calls.some((c) => c.url === '/v1/auth/token/lookup-self' && c.token === 'not-a-valid-token'));
    const warn = s.logLines.find((l) => l.level === 'WARN' && /rejected the configured rootToken/.test(l.message));
    assert.ok(warn, JSON.stringify(s.logLines));
    assert.doesNotMatch(warn.message, /not-a-valid-token/);
  });

  it('a missing path or field faults with MI_SEC_009', async () => {
    const s = await serve(
      {
        'api/nofield.xml': api('nofield', header("hashicorp:vault-lookup('secret/app', 'nope')"), backend),
        'api/nopath.xml': api('nopath', header("hashicorp:vault-lookup('secret/none', 'password')"), backend),
      },
      vaultToml(vault.url, 'rootToken = "root-token-123"'),
    );
    for (const name of ['nofield', 'nopath']) {
      const r = await get(`${s.url}/${name}`);
      assert.equal(r.status, 500);
      assert.equal((JSON.parse(r.text) as { code: string }).code, 'MI_SEC_009', r.text);
    }
  });

  it('caches per path and field; in an outage serves the cached value until it expires, then faults clearly', async () => {
    vault.put('', 'secret/cached', { password: 'value-1', other: 'other-1' });
    const s = await serve(
      {
        'api/c.xml': api('c', header("hashicorp:vault-lookup('secret/cached', 'password')"), backend),
        'api/o.xml': api('o', header("hashicorp:vault-lookup('secret/cached', 'other')"), backend),
      },
      vaultToml(vault.url, 'rootToken = "root-token-123"\ncachableDuration = "2000"'),
    );
    assert.ok(s.config.warnings.some((w) => /MI_CFG_003.*cachableDuration/.test(w)), 'the misspelling is accepted with a warning');
    const reads = (): number => vault.calls.filter((c) => c.url === '/v1/secret/data/cached').length;
    assert.equal(await secret(s, 'c'), 'value-1');
    vault.put('', 'secret/cached', { password: 'value-2', other: 'other-2' });
    assert.equal(await secret(s, 'c'), 'value-1', 'cached');
    assert.equal(reads(), 1);
    assert.equal(await secret(s, 'o'), 'other-2', 'another field of the same path is its own cache entry');
    const port = vault.port;
    await vault.stop();
    try {
      assert.equal(await secret(s, 'c'), 'value-1', 'Vault is down: the cached value is still served');
      await sleep(2100);
      const r = await get(`${s.url}/c`);
      assert.equal(r.status, 500);
      const body = JSON.parse(r.text) as { code: string; message: string };
      assert.equal(body.code, 'MI_SEC_008');
      assert.match(body.message, /cannot be reached \(ECONNREFUSED\).*Path: secret\/cached, Field: password.*expired/);
      assert.doesNotMatch(r.text, /value-1|root-token-123/);
    } finally {
      await vault.start(port);
    }
    assert.equal(await secret(s, 'c'), 'value-2', 'Vault is back: the new value is read');
  });

  it('reads over https, trusting the CA in trustStoreFile (certificates made by openssl)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-vault-tls-'));
    const f = (n: string): string => path.join(dir, n);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=Test Vault CA']);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('vault.key'), '-out', f('vault.csr'), '-subj', '/CN=127.0.0.1']);
    // the server certificate names the address the runtime connects to
    writeFileSync(f('ext.cnf'), 'subjectAltName = IP:127.0.0.1\n');
    openssl(['x509', '-req', '-in', f('vault.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('vault.pem'), '-days', '2', '-extfile', f('ext.cnf')]);
    const tlsVault = new VaultStandIn({ key: readFileSync(f('vault.key'), 'utf8'), cert: readFileSync(f('vault.pem'), 'utf8') });
    await tlsVault.start();
    tlsVault.rootToken('tls-token');
    tlsVault.put('', 'secret/app', { password: 'over-tls' });
    try {
      const s = await serve(
        { 'api/tls.xml': api('tls', header("hashicorp:vault-lookup('secret/app', 'password')"), backend) },
        vaultToml(tlsVault.url, `rootToken = "tls-token"\ntrustStoreFile = "${f('ca.pem')}"`),
      );
      assert.equal(await secret(s, 'tls'), 'over-tls');
      const untrusting = await serve(
        { 'api/tls2.xml': api('tls2', header("hashicorp:vault-lookup('secret/app', 'password')"), backend) },
        vaultToml(tlsVault.url, 'rootToken = "tls-token"'),
      );
      const r = await get(`${untrusting.url}/tls2`);
      assert.equal(r.status, 500, 'without the CA the certificate is not trusted');
      assert.match(r.text, /MI_SEC_008/);
    } finally {
      await tlsVault.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hashicorp:vault-lookup without an [[external_vault]] is a deploy-time error', async () => {
    const s = await serve({ 'api/none.xml': api('none', header("hashicorp:vault-lookup('secret/app', 'password')"), backend) }, '[server]\nhot_deployment = false\n');
    const d = s.deployer.last!.diagnostics.find((x) => x.code === 'MI_SEC_007');
    assert.ok(d, JSON.stringify(s.deployer.last!.diagnostics));
    assert.equal((await get(`${s.url}/none`)).status, 404);
  });

  it('a named endpoint fetches the lookups in its own address before each send', async () => {
    const endpoint = `<endpoint ${SYN} name="SecretEp"><address uri="${backend.url}/echo?user={hashicorp:vault-lookup('secret/app', 'user')}"/></endpoint>`;
    const s = await serve(
      {
        'endpoints/SecretEp.xml': endpoint,
        'api/named.xml': `<api ${SYN} name="named" context="/named"><resource methods="GET"><inSequence><call><endpoint key="SecretEp"/></call><respond/></inSequence></resource></api>`,
      },
      vaultToml(vault.url, 'rootToken = "root-token-123"\nengineVersion = "2"'),
    );
    const r = await get(`${s.url}/named`);
    assert.equal(r.status, 200, r.text);
    assert.equal(backend.requests.at(-1)!.url, '/echo?user=app');
    // without an [[external_vault]] the same endpoint is a deploy error, as a mediator's lookup is
    const none = await serve({ 'endpoints/SecretEp.xml': endpoint }, '[server]\nhot_deployment = false\n');
    assert.ok(none.deployer.last!.diagnostics.some((x) => x.code === 'MI_SEC_007' && x.file.endsWith('SecretEp.xml')), JSON.stringify(none.deployer.last!.diagnostics));
  });

  it('rejects a bad [[external_vault]] at start with MI_SEC_007', async () => {
    for (const [extra, re] of [
      ['', /rootToken, or roleId and secretId/],
      ['roleId = "r"', /both roleId and secretId/],
      ['rootToken = "t"\nengineVersion = "3"', /engineVersion must be 1 or 2/],
      ['ldapUsername = "u"\nldapPassword = "p"', /LDAP/],
    ] as const) {
      await assert.rejects(startTestServer({}, vaultToml(vault.url, extra)), (err: Error & { code?: string }) => err.code === 'MI_SEC_007' && re.test(err.message));
    }
  });
});
