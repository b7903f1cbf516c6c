/**
 * `mi remote ...`: the real `mi` binary against a running server's HTTPS management API (key store made by
 * `mi keystore create`), with its session kept under a temporary XDG_CONFIG_HOME.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { MI, makeHome, startMi } from '../helpers/process.js';
import { SYN } from '../helpers/server.js';
import { ADMIN, USERS_TOML } from '../management/client.js';

const FILES = {
  'api/OrdersApi.xml': `<api ${SYN} name="OrdersApi" context="/orders"><resource methods="GET" uri-template="/{id}"><inSequence><respond/></inSequence></resource></api>`,
  'proxy-services/QuoteProxy.xml': `<proxy ${SYN} name="QuoteProxy"><target><inSequence><respond/></inSequence></target></proxy>`,
  'endpoints/QuoteEP.xml': `<endpoint ${SYN} name="QuoteEP"><address uri="http://127.0.0.1:9/q"/></endpoint>`,
};

/** Real log4j2 logging (so log levels can change), into a file rather than the test output. */
const LOG4J2 = `appenders = FILE
appender.FILE.type = File
appender.FILE.name = FILE
appender.FILE.fileName = \${sys:logfiles.home}/carbon.log
appender.FILE.layout.type = PatternLayout
appender.FILE.layout.pattern = %p %c %m%n
rootLogger.level = INFO
rootLogger.appenderRef.FILE.ref = FILE
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('mi remote', function () {
  this.timeout(90_000);
  let home: string;
  let config: string;
  let caFile: string;
  let s: Server;
  let base: string;

  /** The real CLI, asynchronously: the server under test runs in this process and must keep answering. */
  const mi = (args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(process.execPath, [MI, 'remote', ...args], { env: { ...process.env, XDG_CONFIG_HOME: config }, timeout: 30_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input ?? '');
    });
  const login = (...extra: string[]): Promise<Run> => mi(['login', '--url', base, '-u', ADMIN.name, '--password-stdin', ...extra], `${ADMIN.password}\n`);
  const sessionFile = (): string => path.join(config, 'mi', 'remote.json');

  before(async () => {
    home = makeHome(FILES, { 'deployment.toml': '[server]\nhot_deployment = false\n' + USERS_TOML, 'log4j2.properties': LOG4J2 });
    const made = spawnSync(process.execPath, [MI, 'keystore', 'create', '--home', home], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    config = mkdtempSync(path.join(os.tmpdir(), 'mi-xdg-'));
    s = await startServer({ home, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    caFile = path.join(config, 'server.pem');
    writeFileSync(caFile, s.config.security.keystore.get().certificates[0]!);
    base = s.managementUrl!.replace(/\/management$/, '');
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(config, { recursive: true, force: true });
  });

  it('refuses a certificate it cannot verify, and says how to trust it', async () => {
    const r = await login();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^mi: MI_MGT_015 {2}cannot reach https:\/\/127\.0\.0\.1:\d+\/management: .*--ca/);
    assert.ok(!existsSync(sessionFile()));
  });

  it('a wrong password is refused with the server error', async () => {
    const r = await mi(['login', '--url', base, '-u', ADMIN.name, '--password-stdin', '--ca', caFile], 'wrong\n');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^mi: MI_MGT_001 {2}wrong user name or password/);
  });

  it('login with --ca keeps the token in $XDG_CONFIG_HOME/mi/remote.json, mode 600', async () => {
    const r = await login('--ca', caFile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /logged in to https:\/\/127\.0\.0\.1:\d+\/management as admin/);
    assert.equal(statSync(sessionFile()).mode & 0o777, 0o600);
    assert.equal(statSync(path.dirname(sessionFile())).mode & 0o777, 0o700);
    const saved = JSON.parse(readFileSync(sessionFile(), 'utf8')) as { token: string; user: string };
    assert.equal(saved.user, 'admin');
    assert.equal(saved.token.split('.').length, 3);
    assert.ok(!readFileSync(sessionFile(), 'utf8').includes(ADMIN.password), 'the password is not kept');
  });

  it('lists artifacts as tables and shows one in detail', async () => {
    const apis = await mi(['apis']);
    assert.equal(apis.code, 0, apis.stderr);
    assert.match(apis.stdout, /^NAME\s+URL\nOrdersApi\s+http:\/\/localhost:\d+\/orders\n$/);
    const detail = await mi(['apis', 'OrdersApi']);
    assert.match(detail.stdout, /^name: +OrdersApi$/m);
    assert.match(detail.stdout, /^resources: +\{"methods":\["GET"\],"url":"\/\{id\}"\}$/m);
    assert.match(detail.stdout, /^configuration: +<api /m);
    assert.match((await mi(['proxies'])).stdout, /QuoteProxy\s+http:\/\/localhost:\d+\/services\/QuoteProxy\?wsdl/);
    const missing = await mi(['endpoints', 'Nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mi: MI_MGT_005 {2}no endpoint named 'Nope'/);
  });

  it('manages roles and users', async () => {
    assert.equal((await mi(['roles', 'add', 'ops'])).stdout, 'Adding new role [ ops ] status: Added\n');
    const add = await mi(['users', 'add', 'bob', '--password-stdin', '--role', 'ops'], 'Bob-passw0rd\n');
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout, 'Adding new user [ bob ] status: Added\n');
    assert.match((await mi(['users', 'bob', '--json'])).stdout, /"roles": \[\s*"ops"\s*\]/);
    assert.equal((await mi(['users', 'delete', 'bob'])).stdout, 'Deleting user [ bob ] status: Deleted\n');
    assert.equal((await mi(['roles', 'delete', 'ops'])).stdout, 'Deleting role [ ops ] status: Deleted\n');
  });

  it('shows the server and reads and sets a log level', async () => {
    assert.match((await mi(['server'])).stdout, /^productName: +mediation-runtime$/m);
    const set = await mi(['log-level', 'org.apache.synapse.mediators.builtin.LogMediator', 'debug']);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Successfully updated logger\.org\.apache\.synapse\.mediators\.builtin\.LogMediator\.level to DEBUG/);
    assert.match((await mi(['log-level', 'org.apache.synapse.mediators.builtin.LogMediator'])).stdout, /^level: +DEBUG$/m);
  });

  it('a session revoked on the server is refused with a hint to log in again', async () => {
    const { token } = JSON.parse(readFileSync(sessionFile(), 'utf8')) as { token: string };
    const { Agent, fetch } = await import('undici');
    const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
    assert.equal((await fetch(`${s.managementUrl}/logout`, { headers: { authorization: `Bearer ${token}` }, dispatcher })).status, 200);
    await dispatcher.close();
    const r = await mi(['apis']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^mi: MI_MGT_014 {2}the server refused the saved session of 'admin'.*mi remote login --url https:\/\/127\.0\.0\.1:\d+ -u admin/);
  });

  it('-k logs in without verifying; logout revokes and forgets the session', async () => {
    const r = await login('-k');
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await mi(['apis'])).code, 0);
    const out = await mi(['logout']);
    assert.match(out.stdout, /logged out of https:\/\/127\.0\.0\.1:\d+\/management/);
    assert.ok(!existsSync(sessionFile()));
    const after = await mi(['apis']);
    assert.equal(after.code, 1);
    assert.match(after.stderr, /^mi: MI_MGT_014 {2}not logged in/);
  });
});

describe('mi start with mi remote', function () {
  this.timeout(60_000);

  it('prints the management URL on the ready line; on a fresh home it is HTTPS with the development key store, and mi remote works with it', async () => {
    const home = makeHome(FILES, { 'deployment.toml': '[server]\nhot_deployment = false\n' + USERS_TOML });
    const config = mkdtempSync(path.join(os.tmpdir(), 'mi-xdg-'));
    const mi = await startMi(home);
    try {
      const ready = mi.output().split('\n').find((l) => l.includes('ready on'))!;
      const m = /management API on (https:\/\/localhost:(\d+)\/management)/.exec(ready);
      assert.ok(m, ready);
      assert.equal(Number(m[2]), 9154 + (mi.port - 8280), 'base 9154 + the offset');
      const env = { ...process.env, XDG_CONFIG_HOME: config };
      const login = spawnSync(process.execPath, [MI, 'remote', 'login', '--url', m[1]!, '-u', ADMIN.name, '--password-stdin', '-k'], { input: ADMIN.password, encoding: 'utf8', env });
      assert.equal(login.status, 0, login.stderr);
      const apis = spawnSync(process.execPath, [MI, 'remote', 'apis', '--json'], { encoding: 'utf8', env });
      assert.equal(JSON.parse(apis.stdout).count, 1);
    } finally {
      await mi.stop();
      rmSync(home, { recursive: true, force: true });
      rmSync(config, { recursive: true, force: true });
    }
  });
});
