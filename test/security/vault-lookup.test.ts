/**
 * wso2:vault-lookup in every form, through the real runtime on loopback: the looked-up value is sent to a
 * real backend as a header, which is what a backend password is for.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend, startTestServer, get, type Backend, type TestServer } from '../helpers/server.js';
import { makeKeyStore, SYN, type TestKeyStore } from './fixtures.js';

function api(name: string, expression: string, backend: Backend): string {
  return `<api ${SYN} name="${name}" context="/${name}"><resource methods="GET"><inSequence>
    <property name="X-Secret" scope="transport" expression="${expression}"/>
    <call><endpoint><address uri="${backend.url}/echo"/></endpoint></call><respond/>
  </inSequence></resource></api>`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('wso2:vault-lookup', function () {
  this.timeout(30000);
  let ks: TestKeyStore;
  let backend: Backend;
  let dockerDir: string;
  let fileDir: string;
  let server: TestServer;
  const env = { MI_TEST_ENV_PW: 'env-secret-value-1', MI_TEST_ENV_ENC: '' };

  before(async () => {
    ks = await makeKeyStore();
    backend = await startBackend();
    dockerDir = mkdtempSync(path.join(os.tmpdir(), 'mi-docker-secrets-'));
    fileDir = mkdtempSync(path.join(os.tmpdir(), 'mi-file-secrets-'));
    writeFileSync(path.join(dockerDir, 'docker_pw'), 'docker-secret-value\n');
    writeFileSync(path.join(dockerDir, 'docker_enc'), ks.encrypt('docker-encrypted-value') + '\n');
    writeFileSync(path.join(fileDir, 'file_pw'), 'file-secret-\nvalue\n');
    writeFileSync(path.join(fileDir, 'file_enc'), ks.encrypt('file-encrypted-value'));
    env.MI_TEST_ENV_ENC = ks.encrypt('env-encrypted-value');
    Object.assign(process.env, env);
    process.env['MI_TEST_ENCRYPTED_IN_ENV'] = ks.encrypt('dynamic-secret-value');
    const toml = `${ks.toml}
[server]
hot_deployment = false

[secrets]
backend_pw = "${ks.encrypt('static-secret-value')}"
# a dynamic secret: the variable holds cipher text
dyn_pw = "$env{MI_TEST_ENCRYPTED_IN_ENV}"

[secure_vault]
docker_secrets_dir = "${dockerDir}"
file_secrets_dir = "${fileDir}"

[system.parameter]
greeting = "hello-from-sys"

[synapse_properties]
from_secret = "user:$secret{backend_pw}"
from_env = "$env{MI_TEST_ENV_PW}"
from_sys = "$sys{greeting}"
`;
    server = await startTestServer(
      {
        'api/plain.xml': api('plain', "wso2:vault-lookup('backend_pw')", backend),
        'api/two.xml': api('two', "wso2:vault-lookup('backend_pw', 'ignored')", backend),
        'api/dyn.xml': api('dyn', "wso2:vault-lookup('dyn_pw')", backend),
        'api/docker.xml': api('docker', "wso2:vault-lookup('docker_pw', 'DOCKER', 'false')", backend),
        'api/dockerenc.xml': api('dockerenc', "wso2:vault-lookup('docker_enc', 'DOCKER', 'true')", backend),
        'api/file.xml': api('file', "wso2:vault-lookup('file_pw', 'FILE', 'false')", backend),
        'api/fileenc.xml': api('fileenc', "wso2:vault-lookup('file_enc', 'FILE', 'TRUE')", backend),
        'api/env.xml': api('env', "wso2:vault-lookup('MI_TEST_ENV_PW', 'ENV', 'false')", backend),
        'api/envenc.xml': api('envenc', "wso2:vault-lookup('MI_TEST_ENV_ENC', 'ENV', 'true')", backend),
        'api/byheader.xml': api('byheader', 'wso2:vault-lookup($trp:x-alias)', backend),
        'api/dockermissing.xml': api('dockermissing', "wso2:vault-lookup('nope', 'DOCKER', 'false')", backend),
        'api/escape.xml': api('escape', "wso2:vault-lookup('../docker_pw', 'FILE', 'false')", backend),
        'api/props.xml': `<api ${SYN} name="props" context="/props"><resource methods="GET"><inSequence>
          <property name="X-Secret" scope="transport" expression="get-property('file', 'from_secret')"/>
          <property name="X-Env" scope="transport" expression="get-property('file', 'from_env')"/>
          <property name="X-Sys" scope="transport" expression="get-property('file', 'from_sys')"/>
          <call><endpoint><address uri="${backend.url}/echo"/></endpoint></call><respond/></inSequence></resource></api>`,
        'api/unknown.xml': api('unknown', "wso2:vault-lookup('no_such_alias')", backend),
      },
      toml,
    );
  });

  after(async () => {
    await server?.close();
    await backend?.close();
    for (const d of [dockerDir, fileDir, ks?.dir]) if (d) rmSync(d, { recursive: true, force: true });
    for (const k of [...Object.keys(env), 'MI_TEST_ENCRYPTED_IN_ENV']) delete process.env[k];
  });

  async function secretFor(name: string, headers: Record<string, string> = {}): Promise<string | undefined> {
    const r = await get(`${server.url}/${name}`, headers);
    assert.equal(r.status, 200, `${name}: ${r.text}`);
    return backend.requests.at(-1)!.headers['x-secret'] as string | undefined;
  }

  it('decrypts a [secrets] alias (one argument; a second argument is ignored, as in Micro Integrator)', async () => {
    assert.equal(await secretFor('plain'), 'static-secret-value');
    assert.equal(await secretFor('two'), 'static-secret-value');
  });

  it('decrypts a dynamic [secrets] alias whose cipher text comes from $env{}', async () => {
    assert.equal(await secretFor('dyn'), 'dynamic-secret-value');
  });

  it('reads DOCKER, FILE and ENV secrets, plain and encrypted', async () => {
    assert.equal(await secretFor('docker'), 'docker-secret-value');
    assert.equal(await secretFor('dockerenc'), 'docker-encrypted-value');
    assert.equal(await secretFor('file'), 'file-secret-value', 'lines are joined and trimmed');
    assert.equal(await secretFor('fileenc'), 'file-encrypted-value', "'TRUE' parses as Java's Boolean.parseBoolean does");
    assert.equal(await secretFor('env'), 'env-secret-value-1');
    assert.equal(await secretFor('envenc'), 'env-encrypted-value');
  });

  it('resolves $secret{}, $env{} and $sys{} in deployment.toml values', async () => {
    const r = await get(`${server.url}/props`);
    assert.equal(r.status, 200);
    const h = backend.requests.at(-1)!.headers;
    assert.equal(h['x-secret'], 'user:static-secret-value');
    assert.equal(h['x-env'], 'env-secret-value-1');
    assert.equal(h['x-sys'], 'hello-from-sys');
  });

  it('a literal alias missing from [secrets] is a deploy-time error; the rest deploys', async () => {
    const d = server.deployer.last!.diagnostics.find((x) => x.code === 'MI_SEC_005');
    assert.ok(d, JSON.stringify(server.deployer.last!.diagnostics));
    assert.match(d.message, /no_such_alias/);
    assert.match(d.file, /unknown\.xml$/);
    assert.equal((await get(`${server.url}/unknown`)).status, 404);
  });

  it('a dynamic alias missing from [secrets] faults at run time with MI_SEC_005, naming no secret value', async () => {
    assert.equal(await secretFor('byheader', { 'x-alias': 'backend_pw' }), 'static-secret-value');
    const r = await get(`${server.url}/byheader`, { 'x-alias': 'not_declared' });
    assert.equal(r.status, 500);
    const body = JSON.parse(r.text) as { code: string; message: string };
    assert.equal(body.code, 'MI_SEC_005');
    assert.match(body.message, /not_declared/);
    assert.doesNotMatch(r.text, /static-secret-value|dynamic-secret-value/);
  });

  it('a missing Docker secret faults with MI_SEC_006; an alias cannot leave its folder', async () => {
    let r = await get(`${server.url}/dockermissing`);
    assert.equal(r.status, 500);
    assert.equal((JSON.parse(r.text) as { code: string }).code, 'MI_SEC_006');
    r = await get(`${server.url}/escape`);
    assert.equal(r.status, 500);
    assert.equal((JSON.parse(r.text) as { code: string }).code, 'MI_SEC_006');
    assert.doesNotMatch(r.text, /docker-secret-value/);
  });
});

describe('wso2:vault-lookup cache', function () {
  this.timeout(30000);
  let backend: Backend;
  let dir: string;
  let server: TestServer;

  before(async () => {
    backend = await startBackend();
    dir = mkdtempSync(path.join(os.tmpdir(), 'mi-ttl-'));
    writeFileSync(path.join(dir, 'rotating'), 'first-value');
    server = await startTestServer(
      { 'api/rot.xml': api('rot', "wso2:vault-lookup('rotating', 'DOCKER', 'false')", backend) },
      `[server]\nhot_deployment = false\n[secure_vault]\ncache_duration = 700\ndocker_secrets_dir = "${dir}"\n`,
    );
  });

  after(async () => {
    await server?.close();
    await backend?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const current = async (): Promise<unknown> => {
    const r = await get(`${server.url}/rot`);
    assert.equal(r.status, 200, r.text);
    return backend.requests.at(-1)!.headers['x-secret'];
  };

  it('keeps a value for cache_duration, then reads the rotated one; an emptied source keeps the last value', async () => {
    assert.equal(await current(), 'first-value');
    writeFileSync(path.join(dir, 'rotating'), 'second-value');
    assert.equal(await current(), 'first-value', 'still cached');
    await sleep(800);
    assert.equal(await current(), 'second-value', 'read again after the time to live');
    writeFileSync(path.join(dir, 'rotating'), '');
    await sleep(800);
    assert.equal(await current(), 'second-value', 'an empty secret keeps the previous value');
  });
});
