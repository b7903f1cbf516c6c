/**
 * A request's Authorization header is masked in that request's own logged content and nowhere else: a
 * client that sends `Authorization: Basic 10.1.1.1` must not blank 10.1.1.1 in the log lines of other
 * requests in flight at the same time. Secrets revealed by a vault lookup stay masked in every line. A real
 * `mi` process writes real log files; request A is held at a backend while request B is logged.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeHome, startMi, type MiProcess } from '../helpers/process.js';
import { startBackend, startTestServer, type Backend } from '../helpers/server.js';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const CHOSEN = '10.1.1.1';
const PASSWORD = 'S3cr3t-pa55';
const BASIC = 'Basic ' + Buffer.from(`alice:${PASSWORD}`).toString('base64');
const VAULT_ENV = 'MI_REQUEST_SECRETS_TEST_ENV';
const VAULT_VALUE = 'Vault-Revealed-Value-7';

function logText(home: string, file: string): string {
  const p = path.join(home, 'logs', file);
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

const linesOf = (text: string, corr: string): string[] => text.split('\n').filter((l) => l.includes(`[${corr}]`));

describe('request credentials in logs', function () {
  this.timeout(60_000);
  let home: string;
  let mi: MiProcess;
  let held: Backend;
  const waiting: (() => void)[] = [];
  let mainLog: string;
  let all: string;

  before(async () => {
    held = await startBackend((_req, _body, res) => {
      waiting.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"done":true}');
      });
    });
    home = makeHome({
      'api/Held.xml': `<api ${SYN} name="Held" context="/held"><resource methods="POST"><inSequence>
        <log level="custom"><property name="auth" expression="$trp:Authorization"/></log>
        <log level="full"/>
        <property name="saved" expression="fn:concat($trp:Authorization, ' / ', $trp:X-Note)"/>
        <call><endpoint><address uri="${held.url}/wait"/></endpoint></call>
        <log level="custom"><property name="after" expression="$ctx:saved"/></log>
        <respond/></inSequence></resource></api>`,
      'api/Other.xml': `<api ${SYN} name="Other" context="/other"><resource methods="POST"><inSequence>
        <log level="custom"><property name="note" expression="$trp:X-Note"/><property name="ip" expression="json-eval($.ip)"/></log>
        <log level="full"/>
        <respond/></inSequence></resource></api>`,
      'api/Vault.xml': `<api ${SYN} name="Vault" context="/vault"><resource methods="GET"><inSequence>
        <property name="s" expression="wso2:vault-lookup('${VAULT_ENV}', 'ENV', 'false')"/>
        <log level="custom"><property name="looked-up" expression="fn:string-length($ctx:s)"/></log>
        <respond/></inSequence></resource></api>`,
    }, { 'deployment.toml': '[server]\nhot_deployment = false\n' });
    process.env[VAULT_ENV] = VAULT_VALUE;
    try {
      mi = await startMi(home);
    } finally {
      delete process.env[VAULT_ENV];
    }
    const post = (p: string, headers: Record<string, string>, body: unknown): Promise<Response> =>
      fetch(`${mi.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    // A (attacker's choice of header) and A2 (real Basic credentials) are held at the backend...
    const a = post('/held', { authorization: `Basic ${CHOSEN}`, activityid: 'corr-A', 'x-note': `mine ${CHOSEN}` }, { ip: CHOSEN });
    const a2 = post('/held', { authorization: BASIC, activityid: 'corr-A2' }, { who: `alice:${PASSWORD}` });
    const end = Date.now() + 10_000;
    while (waiting.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    assert.equal(waiting.length, 2, 'both held requests reached the backend');
    // ...while B logs the same text, and the vault secret is revealed and then logged by another request
    assert.equal((await post('/other', { activityid: 'corr-B', 'x-note': `client ${CHOSEN} said ${PASSWORD}` }, { ip: CHOSEN })).status, 200);
    assert.equal((await fetch(`${mi.url}/vault`, { headers: { activityid: 'corr-V' } })).status, 200);
    assert.equal((await post('/other', { activityid: 'corr-V2', 'x-note': `echo ${VAULT_VALUE}` }, { ip: VAULT_VALUE })).status, 200);
    for (const w of waiting) w();
    assert.equal((await a).status, 200);
    assert.equal((await a2).status, 200);
    assert.equal(await mi.stop(), 0);
    mainLog = logText(home, 'mi.log');
    all = readdirSync(path.join(home, 'logs')).map((f) => logText(home, f)).join('\n') + mi.output();
  });
  after(async () => {
    await held.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("leaves another request's line alone while a request with that text as its Authorization is in flight", () => {
    const b = linesOf(mainLog, 'corr-B');
    assert.ok(b.length >= 2, mainLog);
    assert.ok(b.some((l) => l.includes(`note = client ${CHOSEN} said ${PASSWORD}, ip = ${CHOSEN}`)), b.join('\n'));
    assert.ok(b.some((l) => l.includes(`Payload: {"ip":"${CHOSEN}"}`)), b.join('\n'));
    assert.ok(!b.some((l) => l.includes('*****')), b.join('\n'));
  });

  it("masks a request's own Authorization value where it logs it, before and after a call", () => {
    const a = linesOf(mainLog, 'corr-A');
    assert.ok(a.some((l) => l.includes('auth = *****')), a.join('\n'));
    assert.ok(a.some((l) => l.includes('after = ***** / mine *****')), a.join('\n'));
    assert.ok(a.some((l) => l.includes('Payload: {"ip":"*****"}')), a.join('\n'));
    const a2 = linesOf(mainLog, 'corr-A2');
    assert.ok(a2.some((l) => l.includes('auth = *****')), a2.join('\n'));
    assert.ok(a2.some((l) => l.includes('Payload: {"who":"*****"}')), 'the decoded user:password in its own payload');
    for (const secret of [BASIC, BASIC.slice(6), PASSWORD]) assert.ok(!a2.some((l) => l.includes(secret)), `${secret.slice(0, 8)}... in A2's lines`);
  });

  it('keeps the request line fields the runtime writes (To:) unmasked', () => {
    assert.ok(linesOf(mainLog, 'corr-A').some((l) => / - \{api:Held\} To: \/held, /.test(l)));
  });

  it('still masks a vault-revealed secret in every line and every file', () => {
    assert.ok(linesOf(mainLog, 'corr-V2').some((l) => l.includes('note = echo *****, ip = *****')), linesOf(mainLog, 'corr-V2').join('\n'));
    assert.ok(!all.includes(VAULT_VALUE), 'the vault value appears in a log');
  });
});

describe('request credentials in an extension failure', function () {
  this.timeout(30_000);

  it("masks the request's own Authorization value quoted in a handler's error", async () => {
    const s = await startTestServer(
      {
        'api/Quoting.xml': `<api ${SYN} name="Quoting" context="/quoting"><resource methods="GET"><inSequence><respond/></inSequence></resource>
          <handlers><handler class="extensions/quoter.ts"/></handlers></api>`,
      },
      undefined,
      {
        'quoter.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export default class Quoter implements Handler {
  handleRequest(mc: MessageContext): boolean {
    throw new Error('refusing token ' + String(mc.getProperty('Authorization', 'transport')));
  }
}
`,
      },
    );
    try {
      const r = await fetch(`${s.url}/quoting`, { headers: { authorization: BASIC } });
      assert.equal(r.status, 500);
      const failure = s.logLines.find((l) => l.message.includes('refusing token'));
      assert.ok(failure, s.logLines.map((l) => l.message).join('\n'));
      assert.match(failure.message, /refusing token \*\*\*\*\*/);
      assert.ok(!failure.message.includes(BASIC.slice(6)));
    } finally {
      await s.close();
    }
  });
});
