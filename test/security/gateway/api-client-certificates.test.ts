/**
 * Client certificates per API on each database (embedded SQLite, PostgreSQL, MariaDB): registered with
 * `mi api-cert add` (alias, tier), listed and deleted with the CLI while two nodes run on the same
 * database; over real HTTPS, a registered certificate admits and puts its tier and alias on the message,
 * a trusted but unregistered one is refused where the API has registrations (and admitted where it has
 * none: the trust store decides), and each node follows a change within certificate_reload_interval.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { startServer, type Server } from '../../../src/main.js';
import { describeEachDatabase } from '../../helpers/databases.js';
import { MI } from '../../helpers/process.js';
import { SYN } from '../../helpers/server.js';
import { callAs, makeCertificates, type Certificates, type Client } from './mtls-fixtures.js';

function mi(home: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MI, 'api-cert', ...args, '--home', home], { encoding: 'utf8', timeout: 60000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 20 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const SEQ = `<inSequence><payloadFactory media-type="json"><format>{"tier":"$1","alias":"$2"}</format><args>
  <arg expression="get-property('api.ut.clientCertificateTier')"/><arg expression="get-property('api.ut.clientCertificateAlias')"/></args></payloadFactory><respond/></inSequence>`;

/** Made once for the three databases, on first use (not in a root hook: other files need not pay for it). */
let certs: Certificates | undefined;

describeEachDatabase('client certificates per API with mi api-cert', (target) => {
  let nodes: Server[] = [];
  let home: string;

  before(async function () {
    this.timeout(120000);
    home = target().home;
    certs ??= makeCertificates();
    const dir = path.join(home, 'synapse-configs', 'default', 'api');
    mkdirSync(dir, { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(dir, 'Shop.xml'), `<api ${SYN} name="Shop" context="/shop"><security><mutualssl/></security><resource methods="GET" uri-template="/">${SEQ}</resource></api>`);
    writeFileSync(path.join(dir, 'Open.xml'), `<api ${SYN} name="Open" context="/open"><security><mutualssl/></security><resource methods="GET" uri-template="/">${SEQ}</resource></api>`);
    writeFileSync(
      path.join(home, 'deployment', 'deployment.toml'),
      `${target().toml}\n[server]\nhot_deployment = false\n\n[apim.mutual_ssl]\ncertificate_reload_interval = 1\n\n${certs!.toml}`,
    );
    for (const [alias, client, tier] of [['bob', 'bob', 'Gold'], ['alice', 'alice', 'Silver'], ['mallory', 'mallory', 'Gold']] as const) {
      const r = mi(home, 'add', '--api', 'Shop', '--alias', alias, '--tier', tier, certs!.pem(client));
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^mi: added certificate ${alias} \\(O=Test, CN=${client}\\) to API Shop, tier ${tier}\\n$`));
    }
    for (let i = 0; i < 2; i++) nodes.push(await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' }));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });

  const call = (api: string, client: Client | undefined, node = 0) => callAs(certs!, `https://localhost:${nodes[node]!.httpsPort}/${api}`, client);

  it('admits a registered certificate on every node and puts its tier and alias on the message', async () => {
    for (const n of [0, 1]) {
      const bob = await call('shop', 'bob', n);
      assert.equal(bob.status, 200, bob.body);
      assert.deepEqual(JSON.parse(bob.body), { tier: 'Gold', alias: 'bob' });
      const alice = await call('shop', 'alice', n);
      assert.equal(alice.status, 200, alice.body);
      assert.deepEqual(JSON.parse(alice.body), { tier: 'Silver', alias: 'alice' }, 'the leaf is matched, whatever chain came with it');
    }
  });

  it('refuses a trusted certificate not registered for the API (900901); an API without registrations leaves it to the trust store', async () => {
    const carol = await call('shop', 'carol');
    assert.equal(carol.status, 401);
    assert.equal(carol.fault, 900901);
    const open = await call('open', 'carol');
    assert.equal(open.status, 200, open.body);
    assert.deepEqual(JSON.parse(open.body), { tier: '', alias: '' });
    assert.equal((await call('open', 'bob')).status, 200, 'registrations are per API');
  });

  it('does not let a registration bypass the trust store: a certificate of another CA is never presented', async () => {
    const r = await call('shop', 'mallory');
    assert.equal(r.status, 401);
    assert.equal(r.fault, 900902);
  });

  it('follows mi api-cert add and delete on both running nodes within the reload interval', async () => {
    const added = mi(home, 'add', '--api', 'Shop', '--alias', 'carol', '--tier', 'Bronze', certs!.pem('carol'));
    assert.equal(added.status, 0, added.stderr);
    for (const n of [0, 1]) await eventually(`node ${n} admitting carol`, async () => (await call('shop', 'carol', n)).status === 200);
    assert.deepEqual(JSON.parse((await call('shop', 'carol', 1)).body), { tier: 'Bronze', alias: 'carol' });
    const deleted = mi(home, 'delete', '--api', 'Shop', '--alias', 'bob');
    assert.equal(deleted.status, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'mi: deleted certificate bob of API Shop\n');
    for (const n of [0, 1]) await eventually(`node ${n} refusing bob`, async () => (await call('shop', 'bob', n)).fault === 900901);
    // a deleted alias can be registered again, and deleted again
    assert.equal(mi(home, 'add', '--api', 'Shop', '--alias', 'bob', '--tier', 'Silver', certs!.pem('bob')).status, 0);
    for (const n of [0, 1]) await eventually(`node ${n} admitting bob again`, async () => (await call('shop', 'bob', n)).status === 200);
    assert.equal(mi(home, 'delete', '--api', 'Shop', '--alias', 'bob').status, 0);
    for (const n of [0, 1]) await eventually(`node ${n} refusing bob again`, async () => (await call('shop', 'bob', n)).fault === 900901);
  });

  it('lists the certificates in force: API, alias, tier, subject, expiry, added', () => {
    const r = mi(home, 'list', '--api', 'Shop');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(lines.map((l) => l.slice(0, 4)), [
      ['Shop', 'alice', 'Silver', 'O=Test, CN=alice'],
      ['Shop', 'carol', 'Bronze', 'O=Test, CN=carol'],
      ['Shop', 'mallory', 'Gold', 'O=Test, CN=mallory'],
    ]);
    assert.equal(mi(home, 'list', '--api', 'Open').stdout, '');
  });

  it('refuses bad arguments with their codes', () => {
    const unknownAlias = mi(home, 'delete', '--api', 'Shop', '--alias', 'nobody');
    assert.equal(unknownAlias.status, 1);
    assert.match(unknownAlias.stderr, /^mi: MI_API_040  API Shop has no certificate with alias 'nobody'/);
    const taken = mi(home, 'add', '--api', 'Shop', '--alias', 'alice', '--tier', 'Gold', certs!.pem('alice'));
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /MI_API_041  API Shop already has a certificate with alias 'alice'/);
    const noApi = mi(home, 'add', '--api', 'Nope', '--alias', 'x', certs!.pem('alice'));
    assert.equal(noApi.status, 1);
    assert.match(noApi.stderr, /MI_API_041  no API named 'Nope'/);
    const notPem = mi(home, 'add', '--api', 'Shop', '--alias', 'x', path.join(certs!.dir, 'alice.key'));
    assert.equal(notPem.status, 1);
    assert.match(notPem.stderr, /MI_API_041  .*alice\.key holds no PEM certificate/);
  });
});
