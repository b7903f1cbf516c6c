import assert from 'node:assert/strict';
import { startBackend, get, post, type Backend } from '../helpers/server.js';
import { apiWithHandlers, eventually, startWithExtensions, SYN, type ExtServer } from './helpers.js';

const trace = (mark = '') => `import type { GlobalHandler, MessageContext } from 'mediation-runtime';
function append(mc: MessageContext, header: string, v: string): void {
  const seen = mc.getProperty(header, 'transport');
  mc.setProperty(header, (seen ? seen + ',' : '') + v, 'transport');
}
export class Trace implements GlobalHandler {
  id = '';
  handleRequestInFlow(mc: MessageContext): boolean {
    if (mc.getProperty('X-Block', 'transport') === this.id) return false;
    append(mc, 'X-Trace', 'in${mark}:' + this.id);
    return true;
  }
  handleRequestOutFlow(mc: MessageContext): boolean {
    append(mc, 'X-Trace', 'out:' + this.id);
    return true;
  }
  handleResponseInFlow(mc: MessageContext): boolean {
    append(mc, 'X-Trace-Resp', 'rin:' + this.id);
    return true;
  }
  handleResponseOutFlow(mc: MessageContext): boolean | Promise<boolean> {
    append(mc, 'X-Trace-Resp', 'rout:' + this.id);
    // the second one answers asynchronously: the chain waits and keeps the order
    return this.id === 'g2' ? new Promise((r) => setTimeout(() => r(true), 5)) : true;
  }
}
`;

const TOML = `[server]
hot_deployment = true

[[synapse_handlers]]
name = "First"
class = "extensions/trace.ts#Trace"
properties = { id = "g1" }

[[synapse_handlers]]
name = "Second"
class = "extensions/trace.ts#Trace"

[synapse_handlers.properties]
id = "g2"
`;

describe('global handlers ([[synapse_handlers]])', function () {
  this.timeout(30000);
  let s: ExtServer;
  let backend: Backend;

  before(async () => {
    backend = await startBackend((req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ backendSaw: req.headers['x-trace'] ?? null }));
    });
    s = await startWithExtensions(
      {
        'proxy-services/Traced.xml': `<proxy ${SYN} name="Traced"><target><endpoint><address uri="${backend.url}/svc"/></endpoint></target></proxy>`,
        'api/Local.xml': apiWithHandlers('Local', '/local', '<handler class="extensions/api-saw.ts"/>', 'local'),
        'api/Guarded.xml': apiWithHandlers('Guarded', '/guarded', '<handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler"/>', 'guarded'),
        'api/Called.xml': `<api ${SYN} name="Called" context="/called"><resource methods="POST"><inSequence>
  <call><endpoint><address uri="${backend.url}/svc"/></endpoint></call>
  <respond/>
</inSequence></resource></api>`,
      },
      {
        'trace.ts': trace(),
        'api-saw.ts': `export default class ApiSaw {
  handleRequest(mc: { getProperty(n: string, s: string): unknown; setProperty(n: string, v: unknown, s: string): void }): boolean {
    mc.setProperty('X-Api-Saw', mc.getProperty('X-Trace', 'transport'), 'transport');
    return true;
  }
}
`,
      },
      TOML,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
  });

  it('runs request-in and request-out before the endpoint, response-in and response-out after, in declared order', async () => {
    const r = await post(`${s.url}/services/Traced`, '{"x":1}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { backendSaw: 'in:g1,in:g2,out:g1,out:g2' });
    assert.equal(r.headers.get('x-trace-resp'), 'rin:g1,rin:g2,rout:g1,rout:g2');
  });

  it('runs request-out and response-in around a call mediator too', async () => {
    const r = await post(`${s.url}/called`, '{"x":1}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { backendSaw: 'in:g1,in:g2,out:g1,out:g2' });
    assert.equal(r.headers.get('x-trace-resp'), 'rin:g1,rin:g2,rout:g1,rout:g2');
  });

  it('runs request-in before the API handlers and response-out on an in-flow reply', async () => {
    const r = await get(`${s.url}/local/x`);
    assert.equal(r.text, 'local');
    assert.equal(r.headers.get('x-api-saw'), 'in:g1,in:g2');
    assert.equal(r.headers.get('x-trace-resp'), 'rout:g1,rout:g2');
  });

  it('stops with a 403 naming the handler when request-in returns false, and response-out still sees the reply', async () => {
    const r = await get(`${s.url}/local/x`, { 'x-block': 'g2' });
    assert.equal(r.status, 403);
    assert.match(r.text, /MI_HDL_004/);
    assert.match(r.text, /extensions\/trace\.ts#Trace/);
    assert.equal(r.headers.get('x-trace-resp'), 'rout:g1,rout:g2');
    assert.equal(backend.requests.filter((q) => q.headers['x-block']).length, 0);
  });

  it('sees a request refused by an access policy in response-out only (no request hook ran)', async () => {
    const r = await get(`${s.url}/guarded/x`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="WSO2 EI"');
    assert.equal(r.headers.get('x-trace'), null);
    assert.equal(r.headers.get('x-trace-resp'), 'rout:g1,rout:g2');
  });

  it('covers the main sequence too', async () => {
    const r = await get(`${s.url}/nothing/here`);
    assert.equal(r.status, 404);
    assert.equal(r.headers.get('x-trace-resp'), 'rout:g1,rout:g2');
  });

  it('reloads when their module changes', async () => {
    s.ext('trace.ts', trace('2'));
    await eventually(async () => (await get(`${s.url}/local/x`)).headers.get('x-api-saw') === 'in2:g1,in2:g2');
    assert.ok(s.logLines.some((l) => l.message.includes('Global handlers reloaded')));
  });

  it('keeps the previous version when an edit breaks the module', async () => {
    s.ext('trace.ts', 'export class Trace {\n  handleRequestInFlow( {\n');
    await eventually(() => s.logLines.some((l) => /Global handlers not reloaded.*MI_HDL_002.*trace\.ts:\d+/.test(l.message)));
    assert.equal((await get(`${s.url}/local/x`)).headers.get('x-api-saw'), 'in2:g1,in2:g2');
  });
});

describe('global handler configuration', () => {
  const start = (toml: string, ext: Record<string, string> = {}) => startWithExtensions({}, ext, `[server]\nhot_deployment = false\n${toml}`);

  it('stops the start when a handler cannot be loaded (MI_HDL_007 with the cause)', async () => {
    await assert.rejects(start('[[synapse_handlers]]\nname = "M"\nclass = "org.wso2.micro.integrator.observability.metric.handler.MetricHandler"\n'), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MI_HDL_007');
      assert.match(e.message, /'M': MI_HDL_001/);
      return true;
    });
    await assert.rejects(start('[[synapse_handlers]]\nname = "B"\nclass = "extensions/b.ts"\n', { 'b.ts': 'export default class {\n  x( {\n' }), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'MI_HDL_007');
      assert.match(e.message, /'B': MI_HDL_002 .*extensions\/b\.ts:3:\d+/);
      return true;
    });
  });

  it('refuses entries without a name or class, duplicate names and unknown keys', async () => {
    for (const toml of [
      '[[synapse_handlers]]\nclass = "extensions/a.ts"\n',
      '[[synapse_handlers]]\nname = "A"\n',
      '[[synapse_handlers]]\nname = "A"\nclass = "extensions/a.ts"\n[[synapse_handlers]]\nname = "A"\nclass = "extensions/a.ts"\n',
      '[[synapse_handlers]]\nname = "A"\nclass = "extensions/a.ts"\nenabled = true\n',
    ]) {
      await assert.rejects(start(toml, { 'a.ts': 'export default { handleRequestInFlow() { return true; } };\n' }), (e: Error & { code?: string }) => e.code === 'MI_HDL_007', toml);
    }
  });

  it('refuses a bad [extensions] timeout', async () => {
    await assert.rejects(start('[extensions]\ntimeout = "soon"\n'), (e: Error & { code?: string }) => e.code === 'MI_CFG_002');
  });
});
