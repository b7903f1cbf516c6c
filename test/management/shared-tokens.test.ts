/**
 * Two servers sharing one PostgreSQL user store and one key store, over real HTTPS: a token issued by one
 * is accepted by the other, a logout or a deleted user counts on both at once, tokens survive a restart,
 * and a token store that cannot be reached answers 503 (fail closed). Without a key store the tokens stay
 * per process, which the start says.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { MI, makeHome } from '../helpers/process.js';
import { freshPostgresSchema, needService, type FreshDatabase } from '../helpers/databases.js';
import { ADMIN, USERS_TOML, basic } from './client.js';

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('management API tokens shared by two servers on one PostgreSQL database', function () {
  this.timeout(120_000);
  let db: FreshDatabase;
  let homes: string[] = [];
  let servers: Server[] = [];
  let agent: Agent;
  const logs = [memoryLoggerFactory(), memoryLoggerFactory()];

  const toml = (): string => `[server]\nhot_deployment = false\n${USERS_TOML}\n[user_store]\ntype = "database"\ndata_source = "UserDB"\n\n${db.toml('UserDB')}`;
  const start = (i: number): Promise<Server> => startServer({ home: homes[i]!, logs: logs[i], httpPort: 0, managementPort: 0, host: '127.0.0.1' });

  async function call(s: Server, p: string, opts: { method?: string; auth?: string; token?: string; body?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.auth) headers['authorization'] = opts.auth;
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const r = await undiciFetch(`${s.managementUrl}${p}`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), dispatcher: agent });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }

  async function login(s: Server, user = ADMIN.name, password = ADMIN.password): Promise<string> {
    const r = await call(s, '/login', { auth: basic(user, password) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.AccessToken as string;
  }

  before(async function () {
    await needService(this, 'postgres');
    db = freshPostgresSchema();
    homes = [makeHome({}, { 'deployment.toml': '' }), makeHome({}, { 'deployment.toml': '' })];
    // one key store for both, as an operator copies it to every node
    const made = spawnSync(process.execPath, [MI, 'keystore', 'create', '--home', homes[0]!], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
    cpSync(path.join(homes[0]!, 'deployment', 'security'), path.join(homes[1]!, 'deployment', 'security'), { recursive: true });
    for (const h of homes) writeFileSync(path.join(h, 'deployment', 'deployment.toml'), toml());
    servers = [await start(0), await start(1)];
    agent = new Agent({ connect: { ca: servers[0]!.config.security.keystore.get().certificates[0]! } });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await agent?.close();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    await db?.drop();
  });

  it('a token from one server works on the other; a logout on the other ends it on both', async () => {
    const [a, b] = servers as [Server, Server];
    const token = await login(a);
    assert.equal((await call(b, '/server', { token })).status, 200);
    assert.equal((await call(a, '/server', { token })).status, 200);
    assert.equal((await call(b, '/logout', { token })).status, 200);
    assert.equal((await call(a, '/server', { token })).status, 401);
    assert.equal((await call(b, '/server', { token })).status, 401);
  });

  it("a user deleted on one server loses every token at once, on both", async () => {
    const [a, b] = servers as [Server, Server];
    const admin = await login(a);
    assert.equal((await call(a, '/users', { token: admin, method: 'POST', body: { userId: 'ops-erin', password: 'Erin-pass-1', isAdmin: false } })).status, 200);
    const erin = await login(b, 'ops-erin', 'Erin-pass-1');
    assert.equal((await call(a, '/apis', { token: erin })).status, 200);
    assert.equal((await call(b, '/users/ops-erin', { token: admin, method: 'DELETE' })).status, 200);
    assert.equal((await call(a, '/apis', { token: erin })).status, 401);
    assert.equal((await call(b, '/apis', { token: erin })).status, 401);
  });

  it('tokens survive a restart of the server that issued them', async () => {
    const token = await login(servers[0]!);
    await servers[0]!.stop();
    servers[0] = await start(0);
    assert.equal((await call(servers[0]!, '/server', { token })).status, 200);
  });

  it('while the token store cannot be used, token calls answer 503 MI_OPS_020 (not 401), logged once; then work again', async () => {
    const [a, b] = servers as [Server, Server];
    const token = await login(a);
    logs[1]!.lines.length = 0;
    await db.query('alter table mi_management_tokens rename to mi_management_tokens_away');
    try {
      for (let i = 0; i < 2; i++) {
        const r = await call(b, '/server', { token });
        assert.equal(r.status, 503);
        assert.equal(r.body.code, 'MI_OPS_020');
      }
      const login503 = await call(b, '/login', { auth: basic(ADMIN.name, ADMIN.password) });
      assert.equal(login503.status, 503);
      assert.equal(login503.body.code, 'MI_OPS_020');
      assert.equal(logs[1]!.lines.filter((l) => l.message.startsWith('MI_OPS_020')).length, 1);
    } finally {
      await db.query('alter table mi_management_tokens_away rename to mi_management_tokens');
    }
    assert.equal((await call(b, '/server', { token })).status, 200);
    assert.ok(logs[1]!.lines.some((l) => /token store .* is reachable again/.test(l.message)));
  });
});

describe('management API tokens without a key store on a shared database', function () {
  this.timeout(60_000);
  let db: FreshDatabase;
  let home: string;
  let s: Server | undefined;
  const logs = memoryLoggerFactory();

  before(async function () {
    await needService(this, 'postgres');
    db = freshPostgresSchema();
    home = makeHome({}, { 'deployment.toml': `[server]\nhot_deployment = false\n${USERS_TOML}\n[user_store]\ntype = "database"\ndata_source = "UserDB"\n\n${db.toml('UserDB')}` });
    s = await startServer({ home, logs, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
    await db?.drop();
  });

  it('says at start that tokens are per process (MI_OPS_021), and keeps them out of the database', async () => {
    const line = logs.lines.find((l) => l.message.startsWith('MI_OPS_021'));
    assert.ok(line, 'the warning');
    assert.equal(line.level, 'WARN');
    assert.match(line.message, /only this node accepts them/);
    const r = await fetch(`${s!.managementUrl}/login`, { headers: { authorization: basic(ADMIN.name, ADMIN.password) } });
    assert.equal(r.status, 200);
    const rows = await db.query<{ n: string }>('select count(*) as n from mi_management_tokens');
    assert.equal(Number(rows[0]!.n), 0);
  });
});
