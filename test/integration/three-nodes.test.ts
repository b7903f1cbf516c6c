/**
 * Three `mi start` processes on loopback sharing the real PostgreSQL (users, management tokens, an orders
 * table) and Redis (WS-Security nonces), as nodes behind a load balancer: a management token issued by
 * one is accepted by the others and revoked everywhere; a replayed nonce is refused on another node; user
 * and role changes made on one are seen by the others within [authentication] cache_ttl; and killing one
 * node (SIGKILL) in the middle of traffic loses no acknowledged request while the others keep serving.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SYN } from '../helpers/server.js';
import { needService } from '../helpers/databases.js';
import { needRedis } from '../helpers/redis.js';
import { startCluster, type Cluster, type Node } from '../helpers/cluster.js';
import { basic } from '../management/client.js';
import { ECHO_WSDL, echoProxy, usernameTokenEnvelope, UT_PLAIN } from '../security/ws-security/fixtures.js';

const CHIEF = { name: 'chief', password: 'Chief-Pass-1' };
const CACHE_TTL_S = 2;
/** How long a change may take to reach every node: the cache TTL, plus room for a loaded 2-core machine. */
const PROPAGATION_DEADLINE_MS = CACHE_TTL_S * 1000 + 20_000;

const UT_OPS = UT_PLAIN.replace('key="UTPlain"', 'key="UTOps"').replace(
  '</wsp:Policy></localEntry>',
  `<sec:CarbonSecConfig xmlns:sec="http://www.wso2.org/products/carbon/security"><sec:Authorization>
     <sec:property name="org.wso2.carbon.security.allowedroles">ops</sec:property></sec:Authorization></sec:CarbonSecConfig></wsp:Policy></localEntry>`,
);

const FILES: Record<string, string> = {
  'local-entries/UTPlain.xml': UT_PLAIN,
  'local-entries/UTOps.xml': UT_OPS,
  'local-entries/echo_wsdl.xml': ECHO_WSDL,
  'proxy-services/Plain.xml': echoProxy('Plain', 'UTPlain'),
  'proxy-services/OpsOnly.xml': echoProxy('OpsOnly', 'UTOps'),
  // an order is acknowledged (200 with its id) only after its row is committed
  'api/Orders.xml': `<api ${SYN} name="Orders" context="/orders"><resource methods="POST"><inSequence>
      <dbreport><connection><pool><dsName>OrdersDB</dsName></pool></connection>
        <statement><sql><![CDATA[insert into cluster_orders (id, node) values (?, ?)]]></sql>
          <parameter expression="//id" type="VARCHAR"/><parameter expression="$trp:x-node" type="VARCHAR"/></statement>
      </dbreport>
      <payloadFactory media-type="xml"><format><stored xmlns="">$1</stored></format><args><arg expression="//id"/></args></payloadFactory>
      <respond/></inSequence></resource></api>`,
};

const TOML = `[super_admin]
username = "${CHIEF.name}"
password = "${CHIEF.password}"

[authentication]
cache_ttl = ${CACHE_TTL_S}
negative_cache_ttl = 1
`;

const nonce = (): string => randomBytes(16).toString('base64');

async function soap(node: Node, proxy: string, body: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${node.url}/services/${proxy}`, { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
  return { status: r.status, text: await r.text() };
}

/** Polls `check` until it is true; fails with `what` after the deadline. Returns the milliseconds it took. */
async function eventually(what: string, check: () => Promise<boolean>, deadlineMs = PROPAGATION_DEADLINE_MS): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > deadlineMs) assert.fail(`${what}: not seen within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('three nodes sharing PostgreSQL and Redis', function () {
  this.timeout(300_000);
  let c: Cluster;

  before(async function () {
    await needService(this, 'postgres');
    await needRedis(this);
    c = await startCluster(3, FILES, TOML);
    await c.db.query('create table cluster_orders (id varchar(64) primary key, node varchar(8) not null)');
  });
  after(async () => c?.stop());

  const login = async (node: Node, user = CHIEF.name, password = CHIEF.password): Promise<string> => {
    const r = await c.mgmt(node, '/login', { auth: basic(user, password) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.AccessToken as string;
  };

  it('a management token issued by one node is accepted by the others, and a logout on another revokes it everywhere', async () => {
    const [n1, n2, n3] = c.nodes as [Node, Node, Node];
    const token = await login(n1);
    for (const n of [n1, n2, n3]) assert.equal((await c.mgmt(n, '/server', { token })).status, 200);
    assert.equal((await c.mgmt(n3, '/logout', { token })).status, 200);
    for (const n of [n1, n2, n3]) {
      const r = await c.mgmt(n, '/server', { token });
      assert.equal(r.status, 401);
      assert.equal(r.body.code, 'MI_MGT_001');
    }
  });

  it('a UsernameToken accepted by one node is a replay on the other two', async () => {
    const [n1, n2, n3] = c.nodes as [Node, Node, Node];
    const body = usernameTokenEnvelope(CHIEF.name, CHIEF.password, nonce());
    const first = await soap(n2, 'Plain', body);
    assert.equal(first.status, 200, first.text);
    for (const n of [n1, n3]) {
      const again = await soap(n, 'Plain', body);
      assert.equal(again.status, 500, again.text);
      assert.match(again.text, /Nonce was already used/);
    }
  });

  it('users and roles changed on one node are seen by the others within cache_ttl', async () => {
    const [n1, n2, n3] = c.nodes as [Node, Node, Node];
    const admin = await login(n1);
    assert.equal((await c.mgmt(n1, '/roles', { token: admin, method: 'POST', body: { role: 'ops' } })).status, 200);
    assert.equal((await c.mgmt(n1, '/users', { token: admin, method: 'POST', body: { userId: 'erin', password: 'Erin-pass-1', isAdmin: false } })).status, 200);
    // a new user logs in on another node at once (nothing was cached about her)
    const erin = await login(n2, 'erin', 'Erin-pass-1');
    assert.equal((await c.mgmt(n3, '/apis', { token: erin })).status, 200);

    // without the ops role the secured proxy refuses her on node 3 (and caches her roles there)
    const ops = (n: Node, password = 'Erin-pass-1') => soap(n, 'OpsOnly', usernameTokenEnvelope('erin', password, nonce()));
    assert.match((await ops(n3)).text, /wsse:FailedAuthentication/);
    assert.equal((await c.mgmt(n2, '/roles', { token: admin, method: 'PUT', body: { userId: 'erin', addedRoles: ['ops'], removedRoles: [] } })).status, 200);
    await eventually('the ops role given on node 2, on node 3', async () => (await ops(n3)).status === 200);

    // admin resources look the role up on every call: given on one node, it counts on another at once
    assert.equal((await c.mgmt(n3, '/users', { token: erin })).status, 403);
    assert.equal((await c.mgmt(n1, '/users/erin', { token: admin, method: 'DELETE' })).status, 200);
    assert.equal((await c.mgmt(n3, '/apis', { token: erin })).status, 401, "a deleted user's tokens die everywhere at once");

    // a password changed on one node: the new one works everywhere at once, the old one stops within cache_ttl
    assert.equal((await c.mgmt(n1, '/users', { token: admin, method: 'POST', body: { userId: 'erin', password: 'Erin-pass-1', isAdmin: false, roles: ['ops'] } })).status, 200);
    await eventually('the recreated user, on node 2', async () => (await ops(n2)).status === 200);
    const patched = await c.mgmt(n3, '/users/erin', { token: admin, method: 'PATCH', body: { newPassword: 'Erin-pass-2', confirmPassword: 'Erin-pass-2' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal((await ops(n2, 'Erin-pass-2')).status, 200);
    await eventually('the old password refused on node 2', async () => (await ops(n2)).status === 500);
  });

  it('killing one node in the middle of traffic loses no acknowledged request; the others keep serving', async () => {
    const nodes = c.nodes;
    const dead = new Set<number>();
    const acknowledged: string[] = [];
    const refusedBySurvivors: string[] = [];
    let connectionErrors = 0;
    let next = 0;
    let victimKilled = false;
    const TARGET_BEFORE = 90;
    const TARGET_AFTER = 150;
    let ackAfterKill = 0;

    // a load balancer in miniature: round robin over the nodes it still believes alive; a connection
    // error marks the node dead and the order is sent again, with a new id, to the next one
    const send = async (): Promise<void> => {
      for (;;) {
        const i = next++ % nodes.length;
        if (dead.has(i)) continue;
        const id = `o-${randomBytes(6).toString('hex')}`;
        let status: number;
        let text: string;
        try {
          const r = await fetch(`${nodes[i]!.url}/orders`, { method: 'POST', body: `<order><id>${id}</id></order>`, headers: { 'content-type': 'application/xml', 'x-node': String(i) }, signal: AbortSignal.timeout(30_000) });
          status = r.status;
          text = await r.text();
        } catch {
          connectionErrors++;
          dead.add(i);
          continue;
        }
        if (status === 200 && text.includes(`<stored>${id}</stored>`)) {
          acknowledged.push(id);
          if (victimKilled) ackAfterKill++;
          return;
        }
        refusedBySurvivors.push(`node ${i + 1}: ${status} ${text.slice(0, 200)}`);
        return;
      }
    };
    const worker = async (): Promise<void> => {
      while (ackAfterKill < TARGET_AFTER && refusedBySurvivors.length === 0) {
        if (!victimKilled && acknowledged.length >= TARGET_BEFORE) {
          victimKilled = true;
          nodes[1]!.proc.child.kill('SIGKILL');
        }
        await send();
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));

    assert.deepEqual(refusedBySurvivors, [], 'every answer was an acknowledgement');
    assert.ok(victimKilled);
    await nodes[1]!.proc.stop(); // already dead: resolves at its exit
    assert.equal(nodes[1]!.proc.child.signalCode, 'SIGKILL');
    assert.ok(dead.has(1), 'the balancer saw node 2 go');
    assert.ok(connectionErrors >= 1);
    assert.ok(!dead.has(0) && !dead.has(2), 'the other two never failed a connection');
    const rows = await c.db.query<{ id: string; node: string }>('select id, node from cluster_orders');
    const stored = new Set(rows.map((r) => r.id));
    const lost = acknowledged.filter((id) => !stored.has(id));
    assert.deepEqual(lost, [], 'every acknowledged order is in the database');
    // rows beyond the acknowledged ones can only be orders node 2 committed without answering before it died
    assert.ok(rows.length - acknowledged.length <= 6, `${rows.length} rows for ${acknowledged.length} acknowledged`);
    const byNode = (n: string) => rows.filter((r) => r.node === n).length;
    assert.ok(byNode('0') > TARGET_AFTER / 3 && byNode('2') > TARGET_AFTER / 3, `rows per node: ${byNode('0')}, ${byNode('1')}, ${byNode('2')}`);

    // the survivors still share their state: a token from node 1 works on node 3, a nonce from node 3 is a replay on node 1
    const token = await login(nodes[0]!);
    assert.equal((await c.mgmt(nodes[2]!, '/server', { token })).status, 200);
    const body = usernameTokenEnvelope(CHIEF.name, CHIEF.password, nonce());
    assert.equal((await soap(nodes[2]!, 'Plain', body)).status, 200);
    assert.match((await soap(nodes[0]!, 'Plain', body)).text, /Nonce was already used/);
  });
});
