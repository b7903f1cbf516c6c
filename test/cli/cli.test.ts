import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MI = path.join(ROOT, 'bin', 'mi.js');
const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

function home(files: Record<string, string>, toml = ''): string {
  const h = mkdtempSync(path.join(os.tmpdir(), 'mi-cli-'));
  mkdirSync(path.join(h, 'deployment'), { recursive: true });
  if (toml) writeFileSync(path.join(h, 'deployment', 'deployment.toml'), toml);
  for (const [rel, text] of Object.entries(files)) {
    const p = path.join(h, 'synapse-configs', 'default', rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  mkdirSync(path.join(h, 'synapse-configs', 'default'), { recursive: true });
  return h;
}

function waitForLine(child: ChildProcess, re: RegExp, ms = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms; output:\n${out}`)), ms);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = out.split('\n').find((l) => re.test(l));
      if (m) {
        clearTimeout(t);
        resolve(m);
      }
    });
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  });
}

describe('mi command line', function () {
  this.timeout(30000);

  it('prints help', () => {
    const r = spawnSync(process.execPath, [MI, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /start/);
    assert.match(r.stdout, /validate/);
  });

  it('start serves on base port + offset, prints one ready line, drains an in-flight request on SIGTERM and exits 0', async () => {
    const slow = http.createServer((_req, res) => setTimeout(() => res.end('late'), 700));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const slowPort = (slow.address() as { port: number }).port;
    const h = home(
      { 'api/Slow.xml': `<api ${SYN} name="Slow" context="/slow"><resource methods="GET"><inSequence><call><endpoint><address uri="http://127.0.0.1:${slowPort}/"/></endpoint></call><respond/></inSequence></resource></api>` },
      '[server]\noffset = 1117\nhot_deployment = false\n',
    );
    const child = spawn(process.execPath, [MI, 'start', '--home', h], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await waitForLine(child, /ready/);
      assert.match(line, /:9397\b/, 'HTTP port = 8280 + offset 1117');
      const pending = fetch('http://127.0.0.1:9397/slow').then(async (r) => ({ status: r.status, text: await r.text() }));
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(res.text, 'late');
      assert.equal(code, 0);
    } finally {
      child.kill('SIGKILL');
      slow.close();
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('start with default config listens on 8290 (offset 10)', async () => {
    const h = home({});
    const child = spawn(process.execPath, [MI, 'start', '--home', h], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await waitForLine(child, /ready/);
      assert.match(line, /:8290\b/);
      const r = await fetch('http://127.0.0.1:8290/nothing');
      assert.equal(r.status, 404);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.on('exit', r));
      rmSync(h, { recursive: true, force: true });
    }
  });

  it('start fails with a clear error for a broken deployment.toml', () => {
    const h = home({}, '[server\noffset = 1\n');
    const r = spawnSync(process.execPath, [MI, 'start', '--home', h], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /deployment\.toml:1:\d+\s+MI_CFG_001/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
    rmSync(h, { recursive: true, force: true });
  });

  it('validate lists file:line:col  CODE  message for each problem and exits non-zero', () => {
    const h = home({
      'api/Good.xml': `<api ${SYN} name="Good" context="/good"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>`,
      'api/Bad.xml': `<api ${SYN} name="Bad" context="/bad">\n<resource methods="GET">\n<inSequence>\n<filter xpath="//a[">\n<then/></filter>\n<property name="x" valeu="1"/>\n<sequence key="Missing"/>\n</inSequence></resource></api>`,
      'proxy-services/NoName.xml': `<proxy ${SYN}><target/></proxy>`,
      'sequences/Unknown.xml': `<sequence ${SYN} name="Unknown"><frobnicate/></sequence>`,
      'endpoints/Broken.xml': `<endpoint ${SYN} name="Broken"><address uri="http://x"`,
    });
    const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    const has = (re: RegExp) => assert.ok(lines.some((l) => re.test(l)), `expected a line matching ${re} in:\n${r.stdout}`);
    has(/api\/Bad\.xml:4:\d+\s+MI_ART_008\s+.*XPath/);
    has(/api\/Bad\.xml:6:\d+\s+MI_ART_005\s+.*valeu/);
    has(/proxy-services\/NoName\.xml:1:\d+\s+MI_ART_006\s+.*name/);
    has(/sequences\/Unknown\.xml:1:\d+\s+MI_ART_010\s+.*frobnicate/);
    has(/endpoints\/Broken\.xml:\d+:\d+\s+MI_ART_001/);
    rmSync(h, { recursive: true, force: true });
  });

  it('validate reports a key that points nowhere', () => {
    const h = home({ 'api/Dangling.xml': `<api ${SYN} name="D" context="/d">\n<resource methods="GET"><inSequence>\n<sequence key="Nowhere"/></inSequence></resource></api>` });
    const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /api\/Dangling\.xml:3:\d+\s+MI_ART_009\s+sequence 'Nowhere' is not deployed/);
    rmSync(h, { recursive: true, force: true });
  });

  it('validate checks the user store and datasources without connecting', () => {
    const h = home({}, '[user_store]\ntype = "read_only_ldap"\n\n[[datasource]]\nid = "Legacy"\nurl = "jdbc:h2:./repository/database/WSO2CARBON_DB"\n');
    const r = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
    assert.equal(r.status, 1);
    assert.match(r.stdout, /deployment\.toml:0:0\s+MI_USR_001\s+\[user_store\] type = "read_only_ldap" is not supported/);
    assert.match(r.stdout, /MI_DB_001\s+\[\[datasource\]\] Legacy: jdbc:h2 is not supported/);
    assert.ok(!existsSync(path.join(h, 'data')), 'no database was made');
    rmSync(h, { recursive: true, force: true });
  });

  it('validate loads [[synapse_handlers]] as mi start does: a module that does not compile is reported', () => {
    const h = home({}, '[[synapse_handlers]]\nname = "Audit"\nclass = "extensions/audit.ts#Audit"\n');
    mkdirSync(path.join(h, 'extensions'));
    writeFileSync(path.join(h, 'extensions', 'audit.ts'), 'export class Audit { handleRequestInFlow() { return true; }\n');
    const broken = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
    assert.equal(broken.status, 1);
    assert.match(broken.stdout, /deployment\.toml:0:0\s+MI_HDL_007\s+\[\[synapse_handlers\]\] 'Audit': MI_HDL_002 .*audit\.ts:2:\d+/);
    writeFileSync(path.join(h, 'extensions', 'audit.ts'), 'export class Audit { handleRequestInFlow() { return true; } }\n');
    const fixed = spawnSync(process.execPath, [MI, 'validate', '--home', h], { encoding: 'utf8', cwd: h });
    assert.equal(fixed.status, 0, fixed.stdout);
    rmSync(h, { recursive: true, force: true });
  });

  it('validate exits 0 on the repository samples', () => {
    const r = spawnSync(process.execPath, [MI, 'validate', '--home', ROOT], { encoding: 'utf8', cwd: ROOT });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /0 errors, 0 warnings/);
  });
});
