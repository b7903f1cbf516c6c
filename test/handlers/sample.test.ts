import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/process.js';
import { get } from '../helpers/server.js';
import { startWithExtensions, type ExtServer } from './helpers.js';

const SAMPLE_API = path.join(ROOT, 'synapse-configs', 'default', 'api', 'KeyedHelloAPI.xml');
const SAMPLE_HANDLER = path.join(ROOT, 'extensions', 'api-key-handler.ts');

describe('the sample handler of the README', function () {
  this.timeout(60000);
  let s: ExtServer;

  before(async () => {
    s = await startWithExtensions({ 'api/KeyedHelloAPI.xml': readFileSync(SAMPLE_API, 'utf8') }, { 'api-key-handler.ts': readFileSync(SAMPLE_HANDLER, 'utf8') });
  });
  after(() => s?.close());

  it('refuses a request without the key', async () => {
    const r = await get(`${s.url}/keyed-hello/World`);
    assert.equal(r.status, 401);
    assert.deepEqual(JSON.parse(r.text), { error: 'missing or wrong X-API-Key' });
  });

  it('serves one with the key, stamped by handleResponse', async () => {
    const r = await get(`${s.url}/keyed-hello/World`, { 'x-api-key': 'let-me-in' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { greeting: 'Hello World' });
    assert.equal(r.headers.get('x-served-by'), 'KeyedHelloAPI');
  });

  it('type-checks against the package SDK (import type ... from the package name)', () => {
    const program = ts.createProgram([SAMPLE_HANDLER], {
      strict: true,
      noEmit: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      skipLibCheck: true,
      baseUrl: ROOT,
      // what an installed package resolves to, without needing a build first
      paths: { 'mediation-runtime': ['src/index.ts'] },
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    assert.deepEqual(problems, []);
  });
});
