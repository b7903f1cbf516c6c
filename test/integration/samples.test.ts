/**
 * The samples of this repository (synapse-configs/, extensions/) as the README's quick start calls them,
 * copied into a temporary home. EchoEndpoint names http://localhost:8290; the copy points it at the port
 * this test serves on, so nothing depends on 8290 being free.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { ROOT } from '../helpers/process.js';
import { get, post } from '../helpers/server.js';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

const json = { 'content-type': 'application/json' };

function shell(command: string): Promise<string> {
  return new Promise((resolve, reject) => execFile('/bin/sh', ['-c', command], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
}

function commandExists(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile('/bin/sh', ['-c', `command -v ${name}`], (err) => resolve(!err)));
}

describe('the repository samples', function () {
  this.timeout(60_000);
  let home: string;
  let s: Server;
  let url: string;

  before(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-samples-'));
    cpSync(path.join(ROOT, 'synapse-configs'), path.join(home, 'synapse-configs'), { recursive: true });
    cpSync(path.join(ROOT, 'extensions'), path.join(home, 'extensions'), { recursive: true });
    mkdirSync(path.join(home, 'deployment'));
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), '[server]\nhot_deployment = false\n');
    const port = await freePort();
    const ep = path.join(home, 'synapse-configs', 'default', 'endpoints', 'EchoEndpoint.xml');
    writeFileSync(ep, readFileSync(ep, 'utf8').replace('http://localhost:8290/', `http://127.0.0.1:${port}/`));
    s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: port, httpsPort: 0, managementPort: 0, internalPort: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('HelloAPI greets, with the path it was called on', async () => {
    const r = await get(`${url}/hello/World`);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { greeting: 'Hello World', path: '/hello/World' });
  });

  it('OrderAPI accepts an order through the echo backend, and refuses a bad quantity with 400', async () => {
    const ok = await post(`${url}/orders/1.0`, '{"symbol":"IBM","quantity":10}', json);
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.text), { accepted: true, symbol: 'IBM', quantity: 10 });
    const zero = await post(`${url}/orders/1.0`, '{"symbol":"IBM","quantity":0}', json);
    assert.equal(zero.status, 400);
    assert.deepEqual(JSON.parse(zero.text), { accepted: false, reason: 'quantity must be positive' });
  });

  it("OrderAPI's fault sequence keeps a client error 4xx: malformed JSON is 400, not 502", async () => {
    const r = await post(`${url}/orders/1.0`, '{"symbol": "IBM", "quantity": ', json);
    assert.equal(r.status, 400);
    const body = JSON.parse(r.text) as { accepted: boolean; error: string };
    assert.equal(body.accepted, false);
    assert.match(body.error, /JSON|not valid|parse/i);
  });

  it('StockQuoteProxy passes a SOAP request through to the echo backend', async () => {
    const r = await post(`${url}/services/StockQuoteProxy`, '<getQuote><symbol>IBM</symbol></getQuote>', { 'content-type': 'text/xml' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '<getQuote><symbol>IBM</symbol></getQuote>');
  });

  it('EchoProxy parses its body: a DOCTYPE or malformed XML is refused with 400; through the pass-through proxy too', async () => {
    const doctype = await post(`${url}/services/EchoProxy`, '<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', { 'content-type': 'application/xml' });
    assert.equal(doctype.status, 400);
    assert.equal((JSON.parse(doctype.text) as { code: string }).code, 'MI_REQ_002');
    const broken = await post(`${url}/services/EchoProxy`, '<x><y></x>', { 'content-type': 'application/xml' });
    assert.equal(broken.status, 400);
    const through = await post(`${url}/services/StockQuoteProxy`, '<!DOCTYPE x><x/>', { 'content-type': 'application/xml' });
    assert.equal(through.status, 400, 'the backend behind the pass-through refuses it, and that answer comes back');
  });

  it("runs the README quick start's curl lines as written (on this port) and gets the answers the README shows", async function () {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('\n## ', readme.indexOf('## Quick start') + 3));
    const block = /```sh\n((?:curl[^\n]*\n(?:#[^\n]*\n)?)+)```/.exec(section);
    assert.ok(block, 'the quick start has a block of curl lines');
    const lines = block[1]!.trimEnd().split('\n');
    const pairs = lines.flatMap((l, i) => (l.startsWith('curl ') ? [{ command: l, expected: lines[i + 1]?.startsWith('# ') ? lines[i + 1]!.slice(2) : undefined }] : []));
    assert.equal(pairs.length, 4);
    if (!(await commandExists('curl'))) {
      console.log('      (skipped: curl is not installed)');
      this.skip();
    }
    for (const { command, expected } of pairs) {
      assert.ok(expected, `the README shows what ${command} answers`);
      const out = await shell(command.replaceAll('http://localhost:8290/', `${url}/`));
      // "..." ends an answer the README shortens
      if (expected.endsWith(' ...')) assert.ok(out.startsWith(expected.slice(0, -4)), `${command}\n${out}`);
      else assert.equal(out, expected, command);
    }
  });

  it('EchoProxy serves its WSDL', async () => {
    const r = await get(`${url}/services/EchoProxy?wsdl`);
    assert.equal(r.status, 200);
    assert.match(r.text, /<wsdl:definitions[^>]*name="EchoService"/);
  });
});

describe("the OrderAPI sample's fault sequence when the backend is down", function () {
  this.timeout(60_000);
  let home: string;
  let s: Server;

  before(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-samples-'));
    const dir = path.join(home, 'synapse-configs', 'default');
    mkdirSync(path.join(dir, 'api'), { recursive: true });
    mkdirSync(path.join(dir, 'endpoints'));
    mkdirSync(path.join(dir, 'sequences'));
    mkdirSync(path.join(home, 'deployment'));
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), '[server]\nhot_deployment = false\n');
    for (const rel of ['api/OrderAPI.xml', 'sequences/TagOrder.xml']) cpSync(path.join(ROOT, 'synapse-configs', 'default', rel), path.join(dir, rel));
    // nothing listens on the closed port: connection refused, Synapse's 101503
    const closed = await freePort();
    const ep = readFileSync(path.join(ROOT, 'synapse-configs', 'default', 'endpoints', 'EchoEndpoint.xml'), 'utf8');
    writeFileSync(path.join(dir, 'endpoints', 'EchoEndpoint.xml'), ep.replace('http://localhost:8290/', `http://127.0.0.1:${closed}/`));
    s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, managementPort: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await s?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers 502 with the error in the API shape', async () => {
    const r = await post(`http://127.0.0.1:${s.httpPort}/orders/1.0`, '{"symbol":"IBM","quantity":10}', json);
    assert.equal(r.status, 502);
    const body = JSON.parse(r.text) as { accepted: boolean; error: string };
    assert.equal(body.accepted, false);
    assert.ok(body.error.length > 0);
  });
});
