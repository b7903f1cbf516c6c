import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeHome, startMi, MI, type MiProcess } from '../helpers/process.js';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const CARD = '4111111111111111';
const BASIC_PASSWORD = 'S3cr3t-pa55';
const BASIC = 'Basic ' + Buffer.from(`alice:${BASIC_PASSWORD}`).toString('base64');
const BEARER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXZhbHVl';

const ARTIFACTS = {
  'api/Orders.xml': `<api ${SYN} name="OrderAPI" context="/orders">
    <resource methods="POST"><inSequence>
      <log level="full"/>
      <log level="headers"/>
      <log level="custom"><property name="card" expression="json-eval($.card)"/><property name="auth" expression="$trp:Authorization"/></log>
      <log level="custom" category="DEBUG"><property name="debug" value="only when enabled"/></log>
      <respond/>
    </inSequence></resource></api>`,
  'proxy-services/Echo.xml': `<proxy ${SYN} name="EchoProxy"><target><inSequence><log level="full"/><log level="headers"/><respond/></inSequence></target></proxy>`,
};

const TOML = `[server]\nhot_deployment = false\n\n[masking_pattern.properties]\n"CARD" = "4[0-9]{12,15}"\n\n[http_access_log]\nenable = true\n`;

function logs(home: string): Record<string, string> {
  const dir = path.join(home, 'logs');
  const out: Record<string, string> = {};
  for (const f of existsSync(dir) ? readdirSync(dir) : []) out[f] = readFileSync(path.join(dir, f), 'utf8');
  return out;
}

async function traffic(mi: MiProcess): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await fetch(`${mi.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: BASIC, activityid: `corr-${i}` }, body: JSON.stringify({ card: CARD, qty: i }) });
    await fetch(`${mi.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${BEARER}` }, body: '{"card":"none"}' });
    await fetch(`${mi.url}/services/EchoProxy`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', authorization: BASIC },
      body: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><auth xmlns="urn:a">${BASIC}</auth></soapenv:Header><soapenv:Body><pay><card>${CARD}</card></pay></soapenv:Body></soapenv:Envelope>`,
    });
  }
}

describe('logging (mi start, real files)', function () {
  this.timeout(30000);
  let home: string;
  let mi: MiProcess;
  let files: Record<string, string>;
  let consoleOut: string;
  before(async () => {
    home = makeHome(ARTIFACTS, { 'deployment.toml': TOML });
    mi = await startMi(home);
    await traffic(mi);
    const code = await mi.stop();
    assert.equal(code, 0);
    files = logs(home);
    consoleOut = mi.output();
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('writes the console, mi.log, mi-error.log, the per-artifact logs and the access log', () => {
    for (const f of ['mi.log', 'mi-error.log', 'mi-api.log', 'mi-service.log', 'http_access.log']) assert.ok(f in files, `${f} exists`);
    assert.match(consoleOut, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]  INFO \{LogMediator\} - \{api:OrderAPI\} To: \/orders, /m);
    assert.match(files['mi.log']!, /INFO \{org\.apache\.synapse\.mediators\.builtin\.LogMediator\} \[corr-1\] - \{api:OrderAPI\}/);
    assert.match(files['mi-api.log']!, /\{API_LOGGER\.OrderAPI\} - To: \/orders/);
    assert.match(files['mi-service.log']!, /\{SERVICE_LOGGER\.EchoProxy\} - To: \/services\/EchoProxy/);
    assert.doesNotMatch(files['mi-error.log']!, / INFO /, 'the error log keeps WARN and above');
    assert.match(files['http_access.log']!, /^127\.0\.0\.1 - - \[[^\]]+\] "POST \/orders HTTP\/1\.1" 200 \d+ "-" "[^"]*" [\d.]+ms$/m);
  });

  it('masks [masking_pattern.properties] matches with %mm', () => {
    assert.doesNotMatch(consoleOut, new RegExp(CARD));
    assert.match(consoleOut, /card = \*\*\*\*\*/);
  });

  it('never writes an Authorization value, its token or its password to any log, at any level', () => {
    const everything = Object.values(files).join('\n') + consoleOut;
    assert.ok(everything.includes('auth = *****'), 'the custom log line was written, masked');
    for (const secret of [BASIC, BASIC.slice(6), BASIC_PASSWORD, BEARER]) {
      assert.ok(!everything.includes(secret), `secret ${secret.slice(0, 6)}... leaked`);
    }
  });

  it('logs DEBUG-category log mediators only when the logger allows DEBUG', () => {
    assert.doesNotMatch(consoleOut, /only when enabled/);
  });

  it('returns the correlation id in the activityid response header', async () => {
    const h = makeHome(ARTIFACTS, { 'deployment.toml': '[server]\nhot_deployment = false\n' });
    const p = await startMi(h);
    try {
      const r = await fetch(`${p.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', activityid: 'given-id' }, body: '{}' });
      assert.equal(r.headers.get('activityid'), 'given-id');
      const r2 = await fetch(`${p.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.match(r2.headers.get('activityid')!, /^[0-9a-f-]{36}$/);
    } finally {
      await p.stop();
      rmSync(h, { recursive: true, force: true });
    }
  });
});

describe('logging configuration changes and errors', function () {
  this.timeout(30000);

  it('applies a level changed in log4j2.properties while running', async () => {
    const base = readFileSync(path.join(MI, '../../deployment/log4j2.properties'), 'utf8');
    const h = makeHome(ARTIFACTS, { 'deployment.toml': '[server]\nhot_deployment = false\n', 'log4j2.properties': base });
    const p = await startMi(h);
    try {
      const send = () => fetch(`${p.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await send();
      assert.doesNotMatch(p.output(), /only when enabled/);
      writeFileSync(path.join(h, 'deployment', 'log4j2.properties'), base.replace('logger.LogMediator.level = INFO', 'logger.LogMediator.level = DEBUG'));
      const end = Date.now() + 5000;
      while (!/Reconfigured logging/.test(p.output()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      await send();
      await new Promise((r) => setTimeout(r, 100));
      assert.match(p.output(), /DEBUG \{LogMediator\} - \{api:OrderAPI\} debug = only when enabled/);
    } finally {
      await p.stop();
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('rolls the log file by size', async () => {
    const props = `appenders = F\nappender.F.type = RollingFile\nappender.F.name = F\nappender.F.fileName = \${sys:logfiles.home}/roll.log\nappender.F.layout.type = PatternLayout\nappender.F.layout.pattern = %m%n\nappender.F.policies.size.size = 2KB\nappender.F.strategy.max = 3\nrootLogger.level = INFO\nrootLogger.appenderRef.F.ref = F\n`;
    const h = makeHome(ARTIFACTS, { 'deployment.toml': '[server]\nhot_deployment = false\n', 'log4j2.properties': props });
    const p = await startMi(h);
    try {
      for (let i = 0; i < 20; i++) await fetch(`${p.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(300) }) });
    } finally {
      await p.stop();
    }
    const names = readdirSync(path.join(h, 'logs')).filter((f) => f.startsWith('roll'));
    assert.ok(names.length >= 2 && names.length <= 4, `rolled files: ${names.join(', ')}`);
    for (const n of names) assert.ok(readFileSync(path.join(h, 'logs', n)).length <= 2048 + 4096, `${n} stays near the size limit`);
    rmSync(h, { recursive: true, force: true });
  });

  const failing = (what: string, deployment: Record<string, string>, expect: RegExp, prepare?: (home: string) => void) =>
    it(`refuses to start with one clear line: ${what}`, () => {
      const h = makeHome({}, deployment);
      prepare?.(h);
      const r = spawnSync(process.execPath, [MI, 'start', '--home', h], { encoding: 'utf8', timeout: 15000 });
      rmSync(h, { recursive: true, force: true });
      assert.notEqual(r.status, 0);
      const lines = (r.stderr + r.stdout).trim().split('\n');
      assert.equal(lines.length, 1, r.stderr + r.stdout);
      assert.match(lines[0]!, expect);
      assert.doesNotMatch(lines[0]!, /\s+at .+:\d+:\d+/);
    });
  failing('a malformed log4j2.properties', { 'log4j2.properties': 'appenders = A\nappender.A.name = A\n' }, /MI_LOG_001 .*appender 'A' is listed in 'appenders' but appender\.A\.type is missing/);
  failing('an unknown pattern converter', { 'log4j2.properties': 'appenders = A\nappender.A.type = Console\nappender.A.layout.pattern = %q %m\nrootLogger.appenderRef.A.ref = A\n' }, /MI_LOG_001 .*unknown conversion '%q'/);
  failing('an invalid masking regex', { 'deployment.toml': '[masking_pattern.properties]\n"BAD" = "([0-9"\n' }, /MI_LOG_001 .*"BAD": invalid regular expression/);
  failing('an unwritable log folder', {}, /MI_LOG_001 .*cannot write .*mi\.log/, (h) => writeFileSync(path.join(h, 'logs'), 'a file where the folder should be'));
});
