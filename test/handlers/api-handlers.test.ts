import assert from 'node:assert/strict';
import { startBackend, get, post, soap11, type Backend } from '../helpers/server.js';
import { apiWithHandlers, startWithExtensions, SYN, type ExtServer } from './helpers.js';

const EXT = {
  'deny-unless.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export default class DenyUnless implements Handler {
  handleRequest(mc: MessageContext): boolean {
    return mc.getProperty('X-Pass', 'transport') === 'yes';
  }
}
`,
  'respond-401.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export class Teapot implements Handler {
  handleRequest(mc: MessageContext): boolean {
    mc.setProperty('reached', 'yes');
    return mc.respond(401, { error: 'who are you' }, { 'WWW-Authenticate': 'Bearer' });
  }
}
export class NeverRuns implements Handler {
  handleRequest(): boolean {
    throw new Error('must not run after a handler answered');
  }
}
`,
  'props.ts': `import type { Handler, HandlerProperties, MessageContext } from 'mediation-runtime';
let made = 0;
export default class Props implements Handler {
  greeting = 'default';
  config?: Element;
  readonly seenInConstructor: string;
  readonly instance = ++made;
  private viaSetter = '';
  constructor(props: HandlerProperties) {
    this.seenInConstructor = String(props['greeting']) + '/' + String(props['mode']);
  }
  setMode(v: string): void {
    this.viaSetter = 'set:' + v;
  }
  handleRequest(mc: MessageContext): boolean {
    return mc.respond(200, {
      constructor: this.seenInConstructor,
      field: this.greeting,
      setter: this.viaSetter,
      xml: this.config?.localName + ':' + this.config?.getAttribute('level'),
      instance: this.instance,
    });
  }
}
`,
  'order.ts': `import type { Handler, HandlerProperties, MessageContext } from 'mediation-runtime';
export default class Order implements Handler {
  constructor(private readonly p: HandlerProperties) {}
  handleRequest(mc: MessageContext): boolean {
    const seen = mc.getProperty('X-Order', 'transport');
    mc.setProperty('X-Order', (seen ? seen + ',' : '') + 'req-' + String(this.p['id']), 'transport');
    return true;
  }
  handleResponse(mc: MessageContext): boolean {
    const seen = mc.getProperty('X-Response-Order', 'transport');
    mc.setProperty('X-Response-Order', (seen ? seen + ',' : '') + 'resp-' + String(this.p['id']), 'transport');
    return true;
  }
}
`,
  'stamp.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export default class Stamp implements Handler {
  handleResponse(mc: MessageContext): boolean {
    mc.setProperty('X-Handled', 'by-stamp', 'transport');
    mc.setProperty('X-Api', mc.api?.name + ' ' + mc.resource?.uriTemplate, 'transport');
    return true;
  }
}
`,
  'slow-allow.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export default class SlowAllow implements Handler {
  async handleRequest(mc: MessageContext): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 30));
    return mc.getProperty('X-Pass', 'transport') === 'yes';
  }
}
`,
  'thrower.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
import { explode } from './lib/explode.js';
export default class Thrower implements Handler {
  handleRequest(mc: MessageContext): boolean {
    return explode(mc.inbound.path);
  }
}
`,
  'lib/explode.ts': `export function explode(path: string): boolean {
  // the line number of this throw is checked in the log
  throw new Error('kaboom at ' + path);
}
`,
  'rejecter.ts': `export default {
  async handleRequest() {
    await new Promise((r) => setTimeout(r, 5));
    throw new TypeError('async kaboom');
  },
};
`,
  'forgetful.js': `export default class Forgetful {
  handleRequest() {}
}
`,
  'common.js': `// a CommonJS module: module.exports is its default export
module.exports = class Common {
  handleRequest(mc) {
    return mc.respond(200, 'from commonjs ' + mc.inbound.method);
  }
};
`,
  'hang.ts': `import type { Handler } from 'mediation-runtime';
export default class Hang implements Handler {
  handleRequest(): Promise<boolean> {
    return new Promise(() => {});
  }
}
`,
  'broken.ts': `import type { Handler } from 'mediation-runtime';
export default class Broken implements Handler {
  handleRequest(): boolean {
    return true
  }}}
}
`,
  'not-a-handler.ts': `export default class Nothing { hello() { return 1; } }
export const value = 42;
`,
  'json-reader.ts': `import type { Handler, MessageContext } from 'mediation-runtime';
export default class JsonReader implements Handler {
  readonly contentAware = true;
  handleRequest(mc: MessageContext): boolean {
    const body = mc.payload.json() as { amount?: number };
    return (body.amount ?? 0) <= 100 || mc.respond(422, { error: 'amount over 100' });
  }
}
`,
};

const api = (name: string, ctx: string, handlers: string, text?: string) => apiWithHandlers(name, ctx, handlers, text);

describe('API handlers', function () {
  this.timeout(30000);
  let s: ExtServer;
  let backend: Backend;

  before(async () => {
    backend = await startBackend((req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-backend': 'yes' });
      res.end(JSON.stringify({ echoed: body, order: req.headers['x-order'] ?? null }));
    });
    s = await startWithExtensions(
      {
        'api/Deny.xml': api('Deny', '/deny', '<handler class="extensions/deny-unless.ts"/>'),
        'api/Answer.xml': api('Answer', '/answer', '<handler class="extensions/respond-401.ts#Teapot"/><handler class="extensions/respond-401.ts#NeverRuns"/>'),
        'api/Props.xml': api(
          'Props',
          '/props',
          `<handler class="extensions/props.ts">
             <property name="greeting" value="hi"/>
             <property name="mode" value="strict"/>
             <property name="config"><settings level="3"/></property>
           </handler>`,
        ),
        'api/Ordered.xml': `<api ${SYN} name="Ordered" context="/ordered">
          <resource methods="POST" uri-template="/send">
            <inSequence><send><endpoint><address uri="${backend.url}/echo"/></endpoint></send></inSequence>
            <outSequence>
              <property name="X-Out-Saw" expression="$trp:X-Response-Order" scope="transport"/>
              <send/>
            </outSequence>
          </resource>
          <handlers>
            <handler class="extensions/order.ts"><property name="id" value="1"/></handler>
            <handler class="extensions/order.ts"><property name="id" value="2"/></handler>
          </handlers>
        </api>`,
        'api/Stamped.xml': `<api ${SYN} name="Stamped" context="/stamped">
          <resource methods="POST" uri-template="/call">
            <inSequence><call><endpoint><address uri="${backend.url}/echo"/></endpoint></call><respond/></inSequence>
          </resource>
          <handlers><handler class="extensions/stamp.ts"/></handlers>
        </api>`,
        'api/Slow.xml': api('Slow', '/slow', '<handler class="extensions/slow-allow.ts"/>'),
        'api/Throw.xml': api('Throw', '/throw', '<handler class="extensions/thrower.ts"/>'),
        'api/Reject.xml': api('Reject', '/reject', '<handler class="extensions/rejecter.ts"/>'),
        'api/Forget.xml': api('Forget', '/forget', '<handler class="extensions/forgetful.js"/>'),
        'api/Hang.xml': api('Hang', '/hang', '<handler class="extensions/hang.ts"/>'),
        'api/Broken.xml': api('Broken', '/broken', '<handler class="extensions/broken.ts"/>'),
        'api/Missing.xml': api('Missing', '/missing', '<handler class="extensions/nope.ts"/>'),
        'api/Java.xml': api('Java', '/java', '<handler class="com.example.security.MyHandler"/>'),
        'api/Escape.xml': api('Escape', '/escape', '<handler class="extensions/../deployment/x.ts"/>'),
        'api/NoExport.xml': api('NoExport', '/noexport', '<handler class="extensions/not-a-handler.ts#Other"/>'),
        'api/NotHandler.xml': api('NotHandler', '/nothandler', '<handler class="extensions/not-a-handler.ts"/>'),
        'api/Json.xml': api('Json', '/json', '<handler class="extensions/json-reader.ts"/>', 'accepted'),
        'api/Plain.xml': api('Plain', '/plain', '', 'plain'),
        'api/Common.xml': api('Common', '/common', '<handler class="extensions/common.js"/>'),
        'api/Guarded.xml': `<api ${SYN} name="Guarded" context="/guarded">
          <resource methods="GET" uri-template="/only"><inSequence><respond/></inSequence></resource>
          <handlers><handler class="extensions/deny-unless.ts"/></handlers>
        </api>`,
      },
      EXT,
      '[server]\nhot_deployment = false\n[extensions]\ntimeout = 300\n',
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
  });

  const deployErrors = (file: string) => s.logLines.filter((l) => l.level === 'ERROR' && l.message.includes(file));

  it('lets a request through when the handler returns true', async () => {
    const r = await get(`${s.url}/deny/x`, { 'x-pass': 'yes' });
    assert.equal(r.status, 200);
    assert.equal(r.text, 'hello');
  });

  it('answers 403 with a JSON fault naming the handler when it returns false without answering', async () => {
    const r = await get(`${s.url}/deny/x`);
    assert.equal(r.status, 403);
    const body = JSON.parse(r.text) as { code: string; message: string; correlationId: string };
    assert.equal(body.code, 'MI_HDL_004');
    assert.match(body.message, /extensions\/deny-unless\.ts/);
    assert.equal(body.correlationId, r.headers.get('activityid'));
  });

  it('runs before resource dispatch, so a path no resource matches is refused before it gets a 404 or 405', async () => {
    assert.equal((await get(`${s.url}/guarded/other`)).status, 403);
    assert.equal((await get(`${s.url}/guarded/other`, { 'x-pass': 'yes' })).status, 404);
    assert.equal((await post(`${s.url}/guarded/only`, '', { 'x-pass': 'yes' })).status, 405);
    assert.equal((await get(`${s.url}/guarded/only`, { 'x-pass': 'yes' })).status, 200);
  });

  it('answers a SOAP request that a handler refused with a SOAP fault', async () => {
    const r = await post(`${s.url}/deny/x`, soap11('<ping/>'), { 'content-type': 'text/xml', soapaction: 'urn:ping' });
    assert.equal(r.status, 403);
    assert.match(r.headers.get('content-type') ?? '', /text\/xml/);
    assert.match(r.text, /Fault/);
    assert.match(r.text, /MI_HDL_004/);
    assert.match(r.text, /deny-unless\.ts/);
  });

  it('sends what a handler answered with mc.respond(), and runs nothing after it', async () => {
    const r = await get(`${s.url}/answer/x`);
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(JSON.parse(r.text), { error: 'who are you' });
  });

  it('passes properties to the constructor as a record and sets them as fields (or through setters), XML ones as elements', async () => {
    const r = await get(`${s.url}/props/x`);
    assert.equal(r.status, 200);
    const body = JSON.parse(r.text) as Record<string, unknown>;
    assert.equal(body['constructor'], 'hi/strict');
    assert.equal(body['field'], 'hi');
    assert.equal(body['setter'], 'set:strict');
    assert.equal(body['xml'], 'settings:3');
  });

  it('instantiates a handler once per API deployment, not per request', async () => {
    const a = JSON.parse((await get(`${s.url}/props/x`)).text) as { instance: number };
    const b = JSON.parse((await get(`${s.url}/props/y`)).text) as { instance: number };
    assert.equal(a.instance, b.instance);
  });

  it('runs handlers in document order on the request and on the response, and handleResponse before the outSequence', async () => {
    const r = await post(`${s.url}/ordered/send`, '{"a":1}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.text) as { order: string }).order, 'req-1,req-2');
    assert.equal(r.headers.get('x-response-order'), 'resp-1,resp-2');
    // the outSequence copied the header the handlers had set: they ran before it
    assert.equal(r.headers.get('x-out-saw'), 'resp-1,resp-2');
    assert.equal(r.headers.get('x-backend'), 'yes');
  });

  it('runs handleResponse on a reply made by respond in the inSequence (call + respond), adding a header', async () => {
    const r = await post(`${s.url}/stamped/call`, '{"b":2}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-handled'), 'by-stamp');
    assert.equal(r.headers.get('x-api'), 'Stamped /call');
    assert.equal(r.headers.get('x-backend'), 'yes');
    assert.deepEqual(JSON.parse(r.text), { echoed: '{"b":2}', order: null });
  });

  it('loads JavaScript too, CommonJS included', async () => {
    assert.equal((await get(`${s.url}/common/x`)).text, 'from commonjs GET');
  });

  it('waits for an async handler', async () => {
    assert.equal((await get(`${s.url}/slow/x`, { 'x-pass': 'yes' })).status, 200);
    assert.equal((await get(`${s.url}/slow/x`)).status, 403);
  });

  it('lets a content-aware handler read the body synchronously', async () => {
    const ok = await post(`${s.url}/json/x`, '{"amount":50}', { 'content-type': 'application/json' });
    assert.equal(ok.status, 200);
    assert.equal(ok.text, 'accepted');
    const no = await post(`${s.url}/json/x`, '{"amount":500}', { 'content-type': 'application/json' });
    assert.equal(no.status, 422);
  });

  it('answers a throwing handler with a 500 fault and a correlation id, logs the stack once at the TypeScript line, and keeps serving', async () => {
    const r = await get(`${s.url}/throw/boom`, { activityid: 'corr-throw-1' });
    assert.equal(r.status, 500);
    const body = JSON.parse(r.text) as { code: string; message: string; correlationId: string };
    assert.equal(body.code, 'MI_HDL_005');
    assert.equal(body.correlationId, 'corr-throw-1');
    assert.doesNotMatch(r.text, /kaboom/, 'the error text stays in the log');
    const logged = s.logLines.filter((l) => l.message.includes('corr-throw-1'));
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!.level, 'ERROR');
    assert.match(logged[0]!.message, /kaboom at \/throw\/boom/);
    // mapped back to the TypeScript source: lib/explode.ts line 3, called from thrower.ts line 5
    assert.match(logged[0]!.message, /extensions\/lib\/explode\.ts:3:\d+/);
    assert.match(logged[0]!.message, /extensions\/thrower\.ts:5:\d+/);
    assert.equal((await get(`${s.url}/plain/x`)).text, 'plain');
  });

  it('answers a rejecting handler with a 500 fault', async () => {
    const r = await get(`${s.url}/reject/x`, { activityid: 'corr-reject-1' });
    assert.equal(r.status, 500);
    assert.equal((JSON.parse(r.text) as { code: string }).code, 'MI_HDL_005');
    assert.ok(s.logLines.some((l) => l.message.includes('corr-reject-1') && l.message.includes('async kaboom')));
  });

  it('treats a handler that returns no boolean as failed, saying so in the log', async () => {
    const r = await get(`${s.url}/forget/x`, { activityid: 'corr-forget-1' });
    assert.equal(r.status, 500);
    assert.ok(s.logLines.some((l) => l.message.includes('corr-forget-1') && l.message.includes('returned undefined')));
  });

  it('treats a handler that does not settle within [extensions] timeout as failed, and keeps serving', async () => {
    const t0 = Date.now();
    const r = await get(`${s.url}/hang/x`, { activityid: 'corr-hang-1' });
    const took = Date.now() - t0;
    assert.equal(r.status, 500);
    assert.equal((JSON.parse(r.text) as { code: string }).code, 'MI_HDL_006');
    assert.ok(took >= 250 && took < 5000, `took ${took} ms`);
    assert.ok(s.logLines.some((l) => l.message.includes('corr-hang-1') && l.message.includes('300 ms')));
    assert.equal((await get(`${s.url}/plain/x`)).status, 200);
  });

  it('reports a handler that does not compile as a deploy error with file:line, and serves the other APIs', async () => {
    assert.equal((await get(`${s.url}/broken/x`)).status, 404);
    const lines = deployErrors('Broken.xml');
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.message, /MI_HDL_002/);
    assert.match(lines[0]!.message, /extensions\/broken\.ts:5:\d+/);
    assert.equal((await get(`${s.url}/plain/x`)).status, 200);
  });

  it('reports a class that is neither a built-in nor a module under extensions/', async () => {
    for (const [file, path, why] of [
      ['Missing.xml', '/missing/x', /MI_HDL_001.*nope\.ts does not exist/],
      ['Java.xml', '/java/x', /MI_HDL_001.*com\.example\.security\.MyHandler' is not a built-in handler/],
      ['Escape.xml', '/escape/x', /MI_HDL_001.*not under extensions\//],
      ['NoExport.xml', '/noexport/x', /MI_HDL_003.*has no export 'Other'; it exports default, #value/],
      ['NotHandler.xml', '/nothandler/x', /MI_HDL_003.*is not a handler: it needs one of handleRequest\(mc\), handleResponse\(mc\)/],
    ] as const) {
      assert.equal((await get(`${s.url}${path}`)).status, 404, file);
      const lines = deployErrors(file);
      assert.equal(lines.length, 1, file);
      assert.match(lines[0]!.message, why);
    }
  });
});
