import assert from 'node:assert/strict';
import { get, post } from '../helpers/server.js';
import { startWithExtensions, SYN, type ExtServer } from './helpers.js';

const EXT = {
  'enrich-order.ts': `import type { ClassMediator, HandlerProperties, MessageContext } from 'mediation-runtime';
export default class EnrichOrder implements ClassMediator {
  readonly contentAware = true;
  currency = 'USD';
  rate?: Element;
  constructor(private readonly props: HandlerProperties) {}
  mediate(mc: MessageContext): boolean {
    const order = mc.payload.json() as { amount: number };
    const factor = Number(this.rate?.getAttribute('factor') ?? '1');
    mc.payload.setJson({ ...order, amount: order.amount * factor, currency: this.currency, source: String(this.props['source']) });
    mc.setProperty('enriched', 'yes');
    return true;
  }
}
`,
  'lookup.ts': `import type { ClassMediator, MessageContext } from 'mediation-runtime';
export class Lookup implements ClassMediator {
  async mediate(mc: MessageContext): Promise<boolean> {
    await new Promise((r) => setTimeout(r, 20));
    mc.setProperty('looked-up', 'value-for-' + String(mc.getProperty('uri.var.id')));
    return true;
  }
}
export class Stop implements ClassMediator {
  mediate(mc: MessageContext): boolean {
    return mc.respond(409, 'stopped here');
  }
}
export class Fails implements ClassMediator {
  mediate(): boolean {
    throw new Error('no stock for this order');
  }
}
export class Hangs implements ClassMediator {
  mediate(): Promise<boolean> {
    return new Promise(() => {});
  }
}
`,
};

describe('class mediators', function () {
  this.timeout(30000);
  let s: ExtServer;

  before(async () => {
    s = await startWithExtensions(
      {
        'api/Orders.xml': `<api ${SYN} name="Orders" context="/orders">
          <resource methods="POST" uri-template="/enrich">
            <inSequence>
              <class name="extensions/enrich-order.ts">
                <property name="currency" value="EUR"/>
                <property name="source" value="web"/>
                <property name="rate"><rate factor="2"/></property>
              </class>
              <property name="X-Enriched" expression="$ctx:enriched" scope="transport"/>
              <respond/>
            </inSequence>
          </resource>
          <resource methods="GET" uri-template="/lookup/{id}">
            <inSequence>
              <class name="extensions/lookup.ts#Lookup"/>
              <payloadFactory media-type="text"><format>$1</format><args><arg expression="$ctx:looked-up"/></args></payloadFactory>
              <respond/>
            </inSequence>
          </resource>
          <resource methods="GET" uri-template="/stop">
            <inSequence>
              <class name="extensions/lookup.ts#Stop"/>
              <payloadFactory media-type="text"><format>not reached</format><args/></payloadFactory>
              <respond/>
            </inSequence>
          </resource>
          <resource methods="GET" uri-template="/fail">
            <inSequence><class name="extensions/lookup.ts#Fails"/><respond/></inSequence>
            <faultSequence>
              <payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format>
                <args><arg expression="$ctx:ERROR_CODE"/><arg expression="$ctx:ERROR_MESSAGE"/></args></payloadFactory>
              <property name="HTTP_SC" value="500" scope="axis2"/>
              <respond/>
            </faultSequence>
          </resource>
          <resource methods="GET POST" uri-template="/fail-unhandled">
            <inSequence><class name="extensions/lookup.ts#Fails"/><respond/></inSequence>
          </resource>
          <resource methods="GET" uri-template="/hang">
            <inSequence><class name="extensions/lookup.ts#Hangs"/><respond/></inSequence>
          </resource>
        </api>`,
        'sequences/Java.xml': `<sequence ${SYN} name="Java"><class name="org.example.MyMediator"/></sequence>`,
        'sequences/NotMediator.xml': `<sequence ${SYN} name="NotMediator"><class name="extensions/lookup.ts#Nope"/></sequence>`,
      },
      EXT,
      '[server]\nhot_deployment = false\n[extensions]\ntimeout = 250\n',
    );
  });
  after(() => s?.close());

  it('runs a TypeScript class mediator with its properties (strings, fields, XML)', async () => {
    const r = await post(`${s.url}/orders/enrich`, '{"amount":21}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { amount: 42, currency: 'EUR', source: 'web' });
    assert.equal(r.headers.get('x-enriched'), 'yes');
  });

  it('waits for an async mediate()', async () => {
    const r = await get(`${s.url}/orders/lookup/7`);
    assert.equal(r.status, 200);
    assert.equal(r.text, 'value-for-7');
  });

  it('stops the sequence when mediate() returns false', async () => {
    const r = await get(`${s.url}/orders/stop`);
    assert.equal(r.status, 409);
    assert.equal(r.text, 'stopped here');
  });

  it('turns a throw into a fault the faultSequence handles, with MI_HDL_005 and the message, and logs the stack', async () => {
    const r = await get(`${s.url}/orders/fail`, { activityid: 'corr-class-1' });
    assert.equal(r.status, 500);
    const body = JSON.parse(r.text) as { code: string; message: string };
    assert.equal(body.code, 'MI_HDL_005');
    assert.match(body.message, /class mediator 'extensions\/lookup\.ts#Fails' failed: no stock for this order/);
    const logged = s.logLines.filter((l) => l.message.includes('corr-class-1'));
    assert.equal(logged.length, 1);
    assert.match(logged[0]!.message, /extensions\/lookup\.ts:16:\d+/);
  });

  it('answers a throw no fault sequence handles with 500 and the correlation id, never the exception text', async () => {
    const [json, soap, innocent] = await Promise.all([
      get(`${s.url}/orders/fail-unhandled`, { activityid: 'corr-class-2' }),
      post(`${s.url}/orders/fail-unhandled`, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>', { 'content-type': 'text/xml', SOAPAction: 'urn:a' }),
      get(`${s.url}/orders/lookup/8`),
    ]);
    assert.equal(json.status, 500);
    const body = JSON.parse(json.text) as { code: string; message: string; correlationId: string };
    assert.deepEqual(body, { code: 'MI_HDL_005', message: "class mediator 'extensions/lookup.ts#Fails' failed", correlationId: 'corr-class-2' });
    assert.equal(soap.status, 500);
    assert.match(soap.text, /<faultstring>class mediator &apos;extensions\/lookup\.ts#Fails&apos; failed<\/faultstring>/);
    assert.doesNotMatch(soap.text, /no stock/);
    // the text is in the log, under the correlation id
    assert.ok(s.logLines.some((l) => l.message.includes('corr-class-2') && l.message.includes('no stock for this order')));
    assert.equal(innocent.status, 200);
    assert.equal(innocent.text, 'value-for-8');
  });

  it('fails a mediate() that does not settle in time with MI_HDL_006', async () => {
    const r = await get(`${s.url}/orders/hang`);
    assert.equal(r.status, 500);
    assert.equal((JSON.parse(r.text) as { code: string }).code, 'MI_HDL_006');
  });

  it('reports Java class names and missing exports as deploy errors', () => {
    const java = s.logLines.find((l) => l.message.includes('Java.xml'));
    assert.match(java?.message ?? '', /MI_HDL_001.*'org\.example\.MyMediator' is not a built-in class mediator/);
    const nope = s.logLines.find((l) => l.message.includes('NotMediator.xml'));
    assert.match(nope?.message ?? '', /MI_HDL_003.*has no export 'Nope'/);
  });
});
