/**
 * `mi init DIR`: the new home's files, and that it serves as written: validated, started (in this process, on
 * free ports), both samples answering as their comments say. The slow test that installs the packed package
 * into such a home and runs `npx mi start` there is init-package.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { MI, ROOT } from '../helpers/process.js';
import { get, post } from '../helpers/server.js';

describe('mi init', function () {
  this.timeout(60_000);
  let tmp: string;
  let home: string;
  let s: Server | undefined;

  before(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'mi-init-'));
    home = path.join(tmp, 'my-integration');
  });
  after(async () => {
    await s?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('makes the folder layout, a commented deployment.toml, log4j2.properties, the samples, .gitignore and a package.json pinning this runtime', () => {
    const r = spawnSync(process.execPath, [MI, 'init', 'my-integration'], { encoding: 'utf8', cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^mi: a new home in .*my-integration, depending on mediation-runtime@file:.*\nNext:\n {2}cd my-integration\n {2}npm install/);
    for (const folder of ['api', 'proxy-services', 'sequences', 'endpoints', 'local-entries']) assert.ok(existsSync(path.join(home, 'synapse-configs', 'default', folder)), folder);
    assert.ok(existsSync(path.join(home, 'extensions', 'language-handler.ts')));
    assert.match(readFileSync(path.join(home, 'deployment', 'deployment.toml'), 'utf8'), /^# .*\n[\s\S]*\[server\]\n[\s\S]*offset = 10\n/);
    assert.equal(readFileSync(path.join(home, 'deployment', 'log4j2.properties'), 'utf8'), readFileSync(path.join(ROOT, 'deployment', 'log4j2.properties'), 'utf8'));
    const ignore = readFileSync(path.join(home, '.gitignore'), 'utf8').split('\n');
    for (const entry of ['deployment/security/', 'data/', 'node_modules/', 'logs/']) assert.ok(ignore.includes(entry), entry);
    const ours = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string };
    const pkg = JSON.parse(readFileSync(path.join(home, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    assert.equal(pkg.name, 'my-integration');
    // run from this checkout, the dependency is a link to it (npm can install that); an installed package
    // writes ^version (init-package.test.ts)
    assert.deepEqual(pkg.dependencies, { [ours.name]: `file:${ROOT}` });
    assert.equal(pkg.scripts['start'], 'mi start');
    assert.ok(pkg.devDependencies['typescript'] && pkg.devDependencies['@types/node']);
    const tsconfig = JSON.parse(readFileSync(path.join(home, 'tsconfig.json'), 'utf8')) as { include: string[] };
    assert.deepEqual(tsconfig.include, ['extensions/**/*.ts', 'extensions/**/*.mts']);
  });

  it('never overwrites: a second init into the same folder writes nothing and says why (MI_CLI_004)', () => {
    const handler = path.join(home, 'extensions', 'language-handler.ts');
    const original = readFileSync(handler, 'utf8');
    writeFileSync(handler, '// mine\n');
    const r = spawnSync(process.execPath, [MI, 'init', home], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mi: MI_CLI_004 {2}.* already has deployment\/deployment\.toml, .*; nothing was written/);
    assert.equal(readFileSync(handler, 'utf8'), '// mine\n');
    writeFileSync(handler, original);
  });

  it('mi validate passes on the new home', () => {
    const r = spawnSync(process.execPath, [MI, 'validate', '--home', home], { encoding: 'utf8', cwd: home });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 artifacts valid, 0 errors, 0 warnings/);
  });

  it('serves both samples: the API with its typed handler, and the proxy that parses its body', async () => {
    s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${s.httpPort}`;
    const fr = await get(`${url}/hello/World?lang=fr`);
    assert.equal(fr.status, 200);
    assert.deepEqual(JSON.parse(fr.text), { greeting: 'Bonjour World' });
    assert.equal(fr.headers.get('content-language'), 'fr');
    assert.deepEqual(JSON.parse((await get(`${url}/hello/World`)).text), { greeting: 'Hello World' });
    const unknown = await get(`${url}/hello/World?lang=xx`);
    assert.equal(unknown.status, 400);
    assert.deepEqual(JSON.parse(unknown.text), { error: "unknown language 'xx'", known: ['en', 'fr', 'de'] });

    const soap = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ping xmlns="urn:x">hi</ping></soapenv:Body></soapenv:Envelope>';
    const echoed = await post(`${url}/services/EchoProxy`, soap, { 'content-type': 'text/xml', soapaction: 'urn:ping' });
    assert.equal(echoed.status, 200);
    assert.match(echoed.text, /<ping xmlns="urn:x">hi<\/ping>/);
    const doctype = await post(`${url}/services/EchoProxy`, '<!DOCTYPE x [<!ENTITY e "boom">]><ping>&e;</ping>', { 'content-type': 'application/xml' });
    assert.equal(doctype.status, 400);
    assert.match(doctype.text, /MI_REQ_002|MI_XML_002|DOCTYPE/);
  });
});
