/**
 * `mi validate` type-checks HOME/extensions/ with the TypeScript compiler API when `typescript` resolves from
 * the home. The temporary home gets a node_modules of links, as `npm install` in a home made by `mi init`
 * would give: typescript, @types/node and this package (built), so `import type ... from 'mediation-runtime'`
 * resolves to the package's .d.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MI, ROOT, makeHome } from '../helpers/process.js';
import { SYN } from '../helpers/server.js';

const API = `<api ${SYN} name="Lang" context="/lang"><resource methods="GET" uri-template="/*"><inSequence><respond/></inSequence></resource>
<handlers><handler class="extensions/lang.ts#Lang"/></handlers></api>`;

const GOOD = `import type { Handler, MessageContext } from 'mediation-runtime';

export class Lang implements Handler {
  handleRequest(mc: MessageContext): boolean {
    const lang = mc.inbound.query.get('lang') ?? 'en';
    return lang.length === 2 ? true : mc.respond(400, { error: 'lang is two letters' });
  }
}
`;

/** The query was a string before it was a map: a handler written for that is caught here, not at run time. */
const BAD = GOOD.replace("mc.inbound.query.get('lang') ?? 'en'", 'mc.inbound.query.toUpperCase()');

describe('mi validate type-checks extensions/', function () {
  this.timeout(90_000);
  let home: string;

  before(() => {
    home = makeHome({ 'api/Lang.xml': API });
    const modules = path.join(home, 'node_modules');
    mkdirSync(path.join(modules, '@types'), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules', 'typescript'), path.join(modules, 'typescript'), 'dir');
    symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(modules, '@types', 'node'), 'dir');
    symlinkSync(ROOT, path.join(modules, 'mediation-runtime'), 'dir');
    mkdirSync(path.join(home, 'extensions'));
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  const validate = (): { status: number | null; stdout: string } => spawnSync(process.execPath, [MI, 'validate', '--home', home], { encoding: 'utf8', cwd: home });

  it('a handler with a type error is reported as file:line:col  TS2339  message, and validate exits 1', () => {
    writeFileSync(path.join(home, 'extensions', 'lang.ts'), BAD);
    const r = validate();
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /^extensions\/lang\.ts:5:35 {2}TS2339 {2}Property 'toUpperCase' does not exist on type 'QueryParameters'\.$/m);
    assert.match(r.stdout, /^extensions type-checked: 1 file, 1 error$/m);
    // the runtime itself does not look at types: the artifacts are valid
    assert.match(r.stdout, /1 artifacts valid, 0 errors, 0 warnings/);
  });

  it('the same handler written against the typed query passes', () => {
    writeFileSync(path.join(home, 'extensions', 'lang.ts'), GOOD);
    const r = validate();
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /^extensions type-checked: 1 file, 0 errors$/m);
  });

  it('without typescript in the home, says extensions/ were not type-checked and does not fail for it', () => {
    const bare = makeHome({ 'api/Lang.xml': API });
    mkdirSync(path.join(bare, 'extensions'));
    writeFileSync(path.join(bare, 'extensions', 'lang.ts'), BAD);
    const r = spawnSync(process.execPath, [MI, 'validate', '--home', bare], { encoding: 'utf8', cwd: bare });
    rmSync(bare, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /^mi: extensions\/ not type-checked: typescript cannot be found from .*npm install --save-dev typescript @types\/node/m);
  });
});
