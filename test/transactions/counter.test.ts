/**
 * The transaction counter end to end, on each database: requests into proxies and APIs are counted (WSDL
 * fetches and unmatched requests are not), reported by the management API, written per hour, kept across
 * a restart, and read back by the real `mi transactions` command without a server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { describeEachDatabase } from '../helpers/databases.js';
import { MI } from '../helpers/process.js';
import { SYN, post } from '../helpers/server.js';
import { USERS_TOML, login, mgmt } from '../management/client.js';

const PROXY = `<proxy ${SYN} name="CountedProxy"><target><inSequence><respond/></inSequence></target>
  <publishWSDL><definitions xmlns="http://schemas.xmlsoap.org/wsdl/" name="x"/></publishWSDL></proxy>`;
const API = `<api ${SYN} name="CountedApi" context="/counted"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>`;

function writeHome(home: string, toml: string): void {
  mkdirSync(path.join(home, 'deployment'), { recursive: true });
  mkdirSync(path.join(home, 'synapse-configs', 'default', 'proxy-services'), { recursive: true });
  mkdirSync(path.join(home, 'synapse-configs', 'default', 'api'), { recursive: true });
  writeFileSync(path.join(home, 'deployment', 'deployment.toml'), toml);
  writeFileSync(path.join(home, 'synapse-configs', 'default', 'proxy-services', 'CountedProxy.xml'), PROXY);
  writeFileSync(path.join(home, 'synapse-configs', 'default', 'api', 'CountedApi.xml'), API);
}

function miTransactions(home: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [MI, 'transactions', '--home', home, ...args], { encoding: 'utf8' });
}

async function count(s: Server): Promise<number> {
  const r = await mgmt(s, '/transactions/count', { token: await login(s) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const now = new Date();
  assert.equal(r.body.Year, now.getUTCFullYear());
  assert.equal(r.body.Month, now.getUTCMonth() + 1);
  return r.body.TransactionCount as number;
}

describeEachDatabase('transaction counter', (db) => {
  let server: Server | undefined;
  const start = async (): Promise<Server> => (server = await startServer({ home: db().home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' }));
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('counts two proxy requests and one API request as 3, and keeps them across a restart', async function () {
    this.timeout(60_000);
    const t = db();
    const dataSource = t.fresh ? 'data_source = "UserDB"\n' : '';
    writeHome(t.home, `[server]\nhot_deployment = false\n${USERS_TOML}\n[transaction_counter]\nenable = true\n${dataSource}\n${t.toml}`);
    let s = await start();
    const base = `http://127.0.0.1:${s.httpPort}`;
    assert.equal((await post(`${base}/services/CountedProxy`, '<a/>')).status, 200);
    assert.equal((await post(`${base}/services/CountedProxy`, '<b/>')).status, 200);
    assert.equal((await fetch(`${base}/counted`)).status, 200);
    assert.equal((await fetch(`${base}/services/CountedProxy?wsdl`)).status, 200, 'a WSDL fetch is not a transaction');
    assert.equal((await fetch(`${base}/nothing/here`)).status, 404, 'nor is a request nothing serves');
    assert.equal(await count(s), 3);

    await s.stop(); // flushes what is still in memory
    if (t.fresh) {
      const rows = await t.fresh.query<{ hour: string; count: unknown }>('select hour, count from mi_transaction_counts');
      assert.equal(rows.reduce((a, r) => a + Number(r.count), 0), 3);
      assert.match(rows[0]!.hour, /^\d{4}-\d{2}-\d{2}T\d{2}$/);
    }
    s = await start();
    assert.equal(await count(s), 3, 'the counts survived the restart');
    assert.equal((await fetch(`http://127.0.0.1:${s.httpPort}/counted`)).status, 200);
    assert.equal(await count(s), 4);
    await s.stop();
    server = undefined;

    const r = miTransactions(t.home, '--json');
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { total: number; months: { month: string; count: number }[] };
    assert.equal(out.total, 4);
    assert.deepEqual(out.months, [{ month: new Date().toISOString().slice(0, 7), count: 4 }]);
  });
});

describe('transaction counter on the embedded database', function () {
  this.timeout(60_000);
  let home: string;
  let s: Server | undefined;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-tx-'));
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('writes the counts every update_interval, and `mi transactions` prints them per month and per hour while the server runs', async () => {
    // 0.02 minutes: the database sees the counts about a second later
    writeHome(home, `[server]\nhot_deployment = false\n${USERS_TOML}\n[transaction_counter]\nenable = true\nupdate_interval = 0.02\n`);
    s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    for (let i = 0; i < 5; i++) await fetch(`http://127.0.0.1:${s.httpPort}/counted`);
    // the first write is due after 1.2 s; a loaded machine may take longer, so look until it shows
    let byMonth = miTransactions(home);
    for (const until = Date.now() + 10_000; !/total 5 requests/.test(byMonth.stdout) && Date.now() < until; byMonth = miTransactions(home)) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const month = new Date().toISOString().slice(0, 7);
    assert.equal(byMonth.status, 0, byMonth.stderr);
    assert.match(byMonth.stdout, new RegExp(`^MONTH\\s+REQUESTS\\n${month}\\s+5\\n`, 'm'));
    assert.match(byMonth.stdout, /total 5 requests from \d{4}-\d{2}-01 to \d{4}-\d{2}-\d{2} \(UTC\)/);
    const hourly = miTransactions(home, '--hourly', '--from', `${month}-01`, '--to', new Date().toISOString().slice(0, 10));
    assert.equal(hourly.status, 0, hourly.stderr);
    assert.match(hourly.stdout, new RegExp(`${new Date().toISOString().slice(0, 10)} \\d{2}:00\\s+5`));
    const older = miTransactions(home, '--from', '2001-01-01', '--to', '2001-12-31');
    assert.match(older.stdout, /total 0 requests/);
  });

  it('/transactions/report totals months; bad parameters are 400', async () => {
    const token = await login(s!);
    const month = new Date().toISOString().slice(0, 7);
    const r = await mgmt(s!, `/transactions/report?start=2001-01&end=${month}`, { token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.TransactionCount, 5);
    assert.deepEqual(r.body.list, [{ Month: month, TransactionCount: 5 }]);
    assert.equal((await mgmt(s!, '/transactions/count?year=2001&month=1', { token })).body.TransactionCount, 0);
    const bad = await mgmt(s!, '/transactions/count?year=2001&month=13', { token });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'MI_MGT_006');
    assert.equal((await mgmt(s!, '/transactions/report?start=2024-05&end=2024-01', { token })).status, 400);
  });

  it('`mi transactions` refuses a bad date with MI_MGT_016', () => {
    const r = miTransactions(home, '--from', '2024-02-30');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mi: MI_MGT_016 {2}--from '2024-02-30' is not a date/);
  });
});

describe('transaction counter off (the default)', () => {
  it('counts nothing and /transactions answers 409 with MI_MGT_011', async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'mi-tx-off-'));
    writeHome(home, `[server]\nhot_deployment = false\n${USERS_TOML}`);
    const s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    try {
      assert.equal(s.runtime.transactions, undefined);
      const r = await mgmt(s, '/transactions/count', { token: await login(s) });
      assert.equal(r.status, 409);
      assert.equal(r.body.code, 'MI_MGT_011');
    } finally {
      await s.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
