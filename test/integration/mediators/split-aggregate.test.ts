/**
 * iterate / aggregate / clone over real HTTP with a loopback backend: MI's results for XML and JSON, and the
 * failure paths (a lost reply and the aggregate timeout, a backend down for one part, no parts, too many).
 */
import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const M0 = 'xmlns:m0="http://services.samples"';
const QUOTES = soap11(`<m0:getQuote ${M0}><m0:request><m0:symbol>IBM</m0:symbol></m0:request><m0:request><m0:symbol>WSO2</m0:symbol></m0:request><m0:request><m0:symbol>MSFT</m0:symbol></m0:request></m0:getQuote>`);

function quoteResponse(symbol: string): string {
  return soap11(`<ns:getQuoteResponse xmlns:ns="http://services.samples"><ns:return><ns:symbol>${symbol}</ns:symbol></ns:return></ns:getQuoteResponse>`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('iterate and aggregate over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  let inFlight = 0;
  let maxInFlight = 0;
  before(async () => {
    backend = await startBackend((req, body, res) => {
      if (req.url?.startsWith('/quote')) {
        const symbol = /<(?:\w+:)?symbol>([^<]*)</.exec(body)?.[1] ?? '?';
        // IBM answers last, so the aggregated order is the order replies arrived in
        const delay = symbol === 'IBM' ? 80 : symbol === 'HANG' ? 5000 : 0;
        if (symbol === 'DOWN') {
          res.socket?.destroy();
          return;
        }
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'text/xml' });
          res.end(quoteResponse(symbol));
        }, delay);
        return;
      }
      if (req.url?.startsWith('/order')) {
        const o = JSON.parse(body) as { id: number };
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (o.id === 404) {
          inFlight--;
          res.socket?.destroy();
          return;
        }
        setTimeout(() => {
          inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: o.id, status: 'accepted' }));
        }, o.id === 999 ? 1800 : o.id < 10 ? 60 * (4 - (o.id % 4)) : 5);
        return;
      }
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain', soapaction: String(req.headers.soapaction ?? '') });
      res.end(body);
    });
    const quoteEp = `<endpoint><address uri="${backend.url}/quote"/></endpoint>`;
    s = await startTestServer({
      'endpoints/OrderEp.xml': `<endpoint ${SYN} name="OrderEp"><address uri="${backend.url}/order"><timeout><duration>10000</duration></timeout></address></endpoint>`,
      // MI's classic split/aggregate: iterate in the in-sequence (preserving the payload), aggregate in the out-sequence
      'proxy-services/SplitAggregate.xml': `<proxy ${SYN} name="SplitAggregate"><target>
          <inSequence>
            <iterate ${M0} expression="//m0:getQuote/m0:request" preservePayload="true" attachPath="//m0:getQuote">
              <target><sequence><send>${quoteEp}</send></sequence></target>
            </iterate>
          </inSequence>
          <outSequence>
            <aggregate><onComplete ${M0} xmlns:ns="http://services.samples" expression="//ns:getQuoteResponse"><send/></onComplete></aggregate>
          </outSequence>
        </target></proxy>`,
      // without preservePayload, each part is the matched element alone; the target is an endpoint
      'proxy-services/SplitParts.xml': `<proxy ${SYN} name="SplitParts"><target>
          <inSequence>
            <iterate ${M0} id="it1" expression="//m0:request"><target>${quoteEp}</target></iterate>
          </inSequence>
          <outSequence>
            <aggregate id="it1"><onComplete xmlns:ns="http://services.samples" expression="//ns:return">
              <property name="enclosing" scope="default"><quotes xmlns=""/></property>
            </onComplete></aggregate>
          </outSequence>
        </target></proxy>`,
      'proxy-services/SplitEnclosed.xml': `<proxy ${SYN} name="SplitEnclosed"><target>
          <inSequence>
            <property name="wrapper" scope="default"><quotes xmlns=""/></property>
            <iterate ${M0} expression="//m0:request"><target>${quoteEp}</target></iterate>
          </inSequence>
          <outSequence>
            <aggregate><onComplete xmlns:ns="http://services.samples" expression="//ns:return" enclosingElementProperty="wrapper"><respond/></onComplete></aggregate>
          </outSequence>
        </target></proxy>`,
      // MI 4's pattern: call inside the target, aggregate after the iterate in the same in-sequence
      'api/Orders.xml': `<api ${SYN} name="Orders" context="/orders">
          <resource methods="POST" uri-template="/all">
            <inSequence>
              <iterate expression="json-eval($.orders)"><target><sequence><call><endpoint key="OrderEp"/></call></sequence></target></iterate>
              <aggregate>
                <completeCondition timeout="1"><messageCount min="-1" max="-1"/></completeCondition>
                <onComplete expression="json-eval($)"><respond/></onComplete>
              </aggregate>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/bulk">
            <inSequence>
              <iterate expression="json-eval($.orders)"><target><sequence><call><endpoint key="OrderEp"/></call></sequence></target></iterate>
              <aggregate><onComplete expression="json-eval($)"><respond/></onComplete></aggregate>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/max/{n}">
            <inSequence>
              <iterate expression="json-eval($.orders)" sequential="true"><target><sequence><call><endpoint key="OrderEp"/></call></sequence></target></iterate>
              <aggregate>
                <completeCondition><messageCount min="-1" max="{get-property('uri.var.n')}"/></completeCondition>
                <onComplete expression="json-eval($.id)"><respond/></onComplete>
              </aggregate>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/preserve">
            <inSequence>
              <iterate expression="json-eval($.orders)" preservePayload="true" attachPath="json-eval($.order)">
                <target><sequence>
                  <payloadFactory media-type="json"><format>{"part":$1,"customer":"$2"}</format>
                    <args><arg evaluator="json" expression="$.order"/><arg evaluator="json" expression="$.customer"/></args></payloadFactory>
                  <call><endpoint><address uri="${backend.url}/echo"/></endpoint></call>
                </sequence></target>
              </iterate>
              <aggregate>
                <onComplete expression="json-eval($)" aggregateElementType="root"><respond/></onComplete>
              </aggregate>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/faulty">
            <inSequence>
              <iterate expression="json-eval($.orders)"><target><sequence><call><endpoint key="OrderEp"/></call></sequence></target></iterate>
              <aggregate><onComplete expression="json-eval($.id)"><respond/></onComplete></aggregate>
            </inSequence>
            <faultSequence><log level="custom"><property name="partFailed" expression="get-property('ERROR_CODE')"/></log></faultSequence>
          </resource>
        </api>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('splits a SOAP request, sends each part, and aggregates the replies in the order they arrived', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/services/SplitAggregate`, QUOTES);
    assert.equal(r.status, 200);
    const sent = backend.requests.slice(before).map((q) => q.body);
    assert.equal(sent.length, 3);
    // preservePayload: each part keeps the envelope and getQuote, with one request attached
    for (const sym of ['IBM', 'WSO2', 'MSFT']) {
      assert.ok(sent.includes(soap11(`<m0:getQuote ${M0}><m0:request><m0:symbol>${sym}</m0:symbol></m0:request></m0:getQuote>`)), `part for ${sym}: ${sent.join('\n')}`);
    }
    const resp = (sym: string): string => `<ns:getQuoteResponse xmlns:ns="http://services.samples"><ns:return><ns:symbol>${sym}</ns:symbol></ns:return></ns:getQuoteResponse>`;
    const order = ['WSO2', 'MSFT'].includes(/symbol>(\w+)</.exec(r.text)?.[1] ?? '') ? r.text : '';
    assert.ok(order, r.text);
    assert.match(r.text, /^<soapenv:Envelope xmlns:soapenv="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><soapenv:Body>/);
    assert.ok(r.text.endsWith(`${resp('IBM')}</soapenv:Body></soapenv:Envelope>`), r.text);
    assert.equal((r.text.match(/getQuoteResponse xmlns/g) ?? []).length, 3);
  });

  it('without preservePayload each part carries only the matched element; an endpoint target sends it', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/services/SplitParts`, QUOTES);
    const sent = backend.requests.slice(before).map((q) => q.body).sort();
    assert.deepEqual(sent, ['IBM', 'MSFT', 'WSO2'].map((sym) => soap11(`<m0:request ${M0}><m0:symbol>${sym}</m0:symbol></m0:request>`)));
    // onComplete neither sends nor responds, so it returns true: the out-sequence goes on with the aggregated
    // message, whose first reply's selected element was lifted into the body beside the others
    assert.equal(r.status, 200);
    const body = /<soapenv:Body>(.*)<\/soapenv:Body>/.exec(r.text)?.[1] ?? '';
    const ret = (sym: string): string => `<ns:return xmlns:ns="http://services.samples"><ns:symbol>${sym}</ns:symbol></ns:return>`;
    assert.ok(body.endsWith(ret('IBM')), r.text);
    assert.equal(body.length, ret('IBM').length + ret('WSO2').length + ret('MSFT').length, r.text);
  });

  it('lifts the selected elements of the first reply into the body and wraps them in the enclosing element', async () => {
    const r = await post(`${s.url}/services/SplitEnclosed`, QUOTES);
    assert.equal(r.status, 200);
    const ret = (sym: string): string => `<ns:return xmlns:ns="http://services.samples"><ns:symbol>${sym}</ns:symbol></ns:return>`;
    const m = /<soapenv:Body><quotes>(.*)<\/quotes><\/soapenv:Body>/.exec(r.text);
    assert.ok(m, r.text);
    assert.ok(m[1]!.endsWith(ret('IBM')), 'IBM answered last');
    for (const sym of ['WSO2', 'MSFT']) assert.ok(m[1]!.includes(ret(sym)), r.text);
    assert.equal(m[1]!.length, ret('IBM').length + ret('WSO2').length + ret('MSFT').length);
  });

  it('splits a JSON array with json-eval, calls for each, and aggregates the JSON replies into an array', async () => {
    const r = await post(`${s.url}/orders/all`, JSON.stringify({ orders: [{ id: 1 }, { id: 2 }, { id: 3 }] }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    // the backend answers id 3 first, then 2, then 1
    assert.equal(r.text, '[{"id":3,"status":"accepted"},{"id":2,"status":"accepted"},{"id":1,"status":"accepted"}]');
  });

  it('messageCount max (an expression) completes the aggregation with that many replies', async () => {
    const body = JSON.stringify({ orders: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }] });
    const r = await post(`${s.url}/orders/max/2`, body, { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    // sequential: the parts go one after another, so the first two replies are those of orders 1 and 2
    assert.equal(r.text, '[1,2]');
    const all = await post(`${s.url}/orders/max/-1`, body, { 'content-type': 'application/json' });
    assert.equal(all.text, '[1,2,3,4]');
  });

  it('preservePayload with a JSON attachPath: each part is the whole message with one element at attachPath', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/orders/preserve`, JSON.stringify({ customer: 'acme', order: null, orders: [{ sku: 'a' }, { sku: 'b' }] }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    const sent = backend.requests.slice(before).map((q) => q.body).sort();
    assert.deepEqual(sent, ['{"part":{"sku":"a"},"customer":"acme"}', '{"part":{"sku":"b"},"customer":"acme"}']);
    assert.deepEqual((JSON.parse(r.text) as unknown[]).length, 2);
  });

  it('a lost reply: the aggregate completes at its timeout with the replies that arrived', async () => {
    const t0 = Date.now();
    const r = await post(`${s.url}/orders/all`, JSON.stringify({ orders: [{ id: 1 }, { id: 999 }, { id: 2 }] }), { 'content-type': 'application/json' });
    const took = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.equal(r.text, '[{"id":2,"status":"accepted"},{"id":1,"status":"accepted"}]');
    assert.ok(took >= 900 && took < 1800, `answered at the 1 s timeout, not when the lost reply came (${took} ms)`);
    assert.ok(s.logLines.some((l) => l.level === 'WARN' && l.message.includes('Aggregate mediator timeout occurred.')));
    // the late reply reaches an aggregation that is gone with its exchange: it is dropped, quietly
    const errorsBefore = s.logLines.filter((l) => l.level === 'ERROR').length;
    await sleep(Math.max(0, 2100 - (Date.now() - t0)));
    assert.equal(s.logLines.filter((l) => l.level === 'ERROR').length, errorsBefore);
    const again = await post(`${s.url}/orders/all`, JSON.stringify({ orders: [{ id: 1 }] }), { 'content-type': 'application/json' });
    assert.equal(again.text, '[{"id":1,"status":"accepted"}]', 'the runtime carries on');
  });

  it('a backend down for one part: its fault sequence runs, the others are aggregated without waiting', async () => {
    const t0 = Date.now();
    const r = await post(`${s.url}/orders/faulty`, JSON.stringify({ orders: [{ id: 1 }, { id: 404 }, { id: 2 }] }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '[2,1]');
    assert.ok(Date.now() - t0 < 3000);
    // the backend closes the connection before answering: Synapse's 101505 + 3 (connection state: request sent)
    assert.ok(s.logLines.some((l) => l.message.includes('partFailed = 101508')), 'the failed part ran the fault sequence: ' + JSON.stringify(s.logLines.filter((l) => l.message.includes('partFailed'))));
  });

  it('no parts: nothing is sent and the client gets 202 Accepted, not a hang', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/orders/all`, JSON.stringify({ orders: [] }), { 'content-type': 'application/json' });
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    assert.equal(backend.requests.length, before);
  });

  it('a huge split is refused before any part starts (MI_MED_040); a large one runs at most 64 calls at once', async () => {
    const before = backend.requests.length;
    const huge = { orders: Array.from({ length: 1001 }, (_, i) => ({ id: i })) };
    const r = await post(`${s.url}/orders/bulk`, JSON.stringify(huge), { 'content-type': 'application/json' });
    assert.equal(r.status, 413);
    assert.match(r.text, /MI_MED_040|iterate would make 1001 parts; one message may make at most 1000/);
    await sleep(50);
    assert.equal(backend.requests.length, before, 'no part was sent');
    maxInFlight = 0;
    const large = { orders: Array.from({ length: 200 }, (_, i) => ({ id: 1000 + i })) };
    const ok = await post(`${s.url}/orders/bulk`, JSON.stringify(large), { 'content-type': 'application/json' });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.text) as unknown[]).length, 200);
    assert.ok(maxInFlight > 1 && maxInFlight <= 64, `in flight at once: ${maxInFlight}`);
  });
});
