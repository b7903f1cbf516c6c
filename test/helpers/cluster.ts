/**
 * Several `mi start` processes sharing one PostgreSQL schema (user store, management tokens, a table for
 * the test's own rows) and one Redis prefix (WS-Security nonces), each on its own home with a copy of one
 * key store, as an operator would set up nodes behind a load balancer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { loadConfig } from '../../src/config/config.js';
import { MI, makeHome, startMi, type MiProcess } from './process.js';
import { freshPostgresSchema, type FreshDatabase } from './databases.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './redis.js';

export interface Node {
  readonly proc: MiProcess;
  readonly home: string;
  /** http://127.0.0.1:<port> of the mediation listener. */
  readonly url: string;
  /** https://.../management from the ready line. */
  readonly management: string;
}

export interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Cluster {
  readonly nodes: Node[];
  readonly db: FreshDatabase;
  readonly redisPrefix: string;
  /** A management API call over HTTPS trusting the shared key store's certificate. */
  mgmt(node: Node, p: string, opts?: { method?: string; auth?: string; token?: string; body?: unknown }): Promise<Answer>;
  stop(): Promise<void>;
}

/** deployment.toml shared by every node; `extra` is appended. */
function nodeToml(db: FreshDatabase, redisPrefix: string, extra: string): string {
  return `[server]
hot_deployment = false

[user_store]
type = "database"
data_source = "UserDB"

${db.toml('UserDB')}
${db.toml('OrdersDB')}
[ws_security.nonce_store]
type = "redis"
redis_url = "${REDIS_URL}"
key_prefix = "${redisPrefix}"

${extra}
`;
}

/** Starts `count` nodes one after the other (the first one migrates the schema). */
export async function startCluster(count: number, files: Record<string, string>, extraToml: string): Promise<Cluster> {
  const db = freshPostgresSchema();
  const redisPrefix = freshPrefix();
  const homes = Array.from({ length: count }, () => makeHome(files, { 'deployment.toml': nodeToml(db, redisPrefix, extraToml) }));
  const made = spawnSync(process.execPath, [MI, 'keystore', 'create', '--home', homes[0]!], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  // the key store and the [keystore.primary] it recorded go to every node
  for (const h of homes.slice(1)) cpSync(path.join(homes[0]!, 'deployment'), path.join(h, 'deployment'), { recursive: true });
  const nodes: Node[] = [];
  const cleanup = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.proc.stop()));
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    await db.drop();
    await dropPrefix(redisPrefix);
  };
  let agent: Agent;
  try {
    for (const home of homes) {
      const proc = await startMi(home);
      const management = /management API on (https:\/\/[^\s;]+)/.exec(proc.output())?.[1];
      assert.ok(management?.startsWith('https://'), `node at ${home} has no HTTPS management API:\n${proc.output()}`);
      nodes.push({ proc, home, url: proc.url, management: management!.replace('localhost', '127.0.0.1') });
    }
    const ca = loadConfig(homes[0]!).security.keystore.get().certificates[0]!;
    // the certificate names localhost; the nodes are called on 127.0.0.1
    agent = new Agent({ connect: { ca, servername: 'localhost' } });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    nodes,
    db,
    redisPrefix,
    async mgmt(node, p, opts = {}) {
      const headers: Record<string, string> = {};
      if (opts.auth) headers['authorization'] = opts.auth;
      if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const r = await undiciFetch(`${node.management}${p}`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), dispatcher: agent });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      await agent.close();
      await cleanup();
    },
  };
}
