import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestServer, post, soap11, SYN, type TestServer } from '../helpers/server.js';

const REQ = soap11('<m:getQuote xmlns:m="http://services.samples"><m:symbol>IBM</m:symbol></m:getQuote>');

describe('endpoint failures and fault sequences', () => {
  let s: TestServer;
  let hanging: http.Server;
  let hangingUrl: string;
  before(async () => {
    hanging = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', () => r()));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    s = await startTestServer({
      'proxy-services/Refused.xml': `<proxy ${SYN} name="Refused"><target><endpoint><address uri="http://127.0.0.1:1/nothing"/></endpoint></target></proxy>`,
      'proxy-services/WithFault.xml': `<proxy ${SYN} name="WithFault"><target>
          <inSequence><send><endpoint><address uri="http://127.0.0.1:1/nothing"/></endpoint></send></inSequence>
          <faultSequence>
            <payloadFactory media-type="xml"><format><error><code>$1</code><message>$2</message></error></format>
              <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory>
            <property name="HTTP_SC" value="503" scope="axis2"/>
            <respond/>
          </faultSequence></target></proxy>`,
      'proxy-services/Timeout.xml': `<proxy ${SYN} name="Timeout"><target><endpoint><address uri="${hangingUrl}/slow"><timeout><duration>400</duration><responseAction>fault</responseAction></timeout></address></endpoint></target></proxy>`,
      'proxy-services/OnError.xml': `<proxy ${SYN} name="OnError"><target><inSequence><sequence key="Guarded"/></inSequence></target></proxy>`,
      'sequences/Guarded.xml': `<sequence ${SYN} name="Guarded" onError="Handler"><call><endpoint><address uri="http://127.0.0.1:1/x"/></endpoint></call><respond/></sequence>`,
      'sequences/Handler.xml': `<sequence ${SYN} name="Handler"><payloadFactory media-type="json"><format>{"handledBy":"Handler","code":"$1"}</format><args><arg expression="$ctx:ERROR_CODE"/></args></payloadFactory><respond/></sequence>`,
      'api/Json.xml': `<api ${SYN} name="JsonApi" context="/json"><resource methods="POST"><inSequence><call><endpoint><address uri="http://127.0.0.1:1/x"/></endpoint></call><respond/></inSequence></resource></api>`,
      'proxy-services/Throws.xml': `<proxy ${SYN} name="Throws"><target><inSequence><property name="n" expression="//m:symbol" type="INTEGER" xmlns:m="http://services.samples"/><respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    hanging.closeAllConnections();
    await new Promise<void>((r) => hanging.close(() => r()));
  });

  it('answers a SOAP fault (not a hang) when the backend refuses the connection', async () => {
    const r = await post(`${s.url}/services/Refused`, REQ);
    assert.equal(r.status, 502);
    assert.match(r.headers.get('content-type')!, /text\/xml/);
    assert.match(r.text, /<faultcode>soapenv:Server<\/faultcode>/);
    assert.match(r.text, /<code>101503<\/code>/);
    assert.ok(r.headers.get('x-correlation-id'));
  });

  it('sets ERROR_CODE and ERROR_MESSAGE for the proxy faultSequence', async () => {
    const r = await post(`${s.url}/services/WithFault`, REQ);
    assert.equal(r.status, 503);
    assert.match(r.text, /<code>101503<\/code>/);
    assert.match(r.text, /<message>Error connecting to the back end<\/message>/);
  });

  it('gives up after the endpoint timeout with error code 101504', async () => {
    const t0 = Date.now();
    const r = await post(`${s.url}/services/Timeout`, REQ);
    assert.ok(Date.now() - t0 < 5000, 'the timeout must cut the wait short');
    assert.equal(r.status, 504);
    assert.match(r.text, /101504/);
  });

  it('runs the onError sequence of the sequence that failed', async () => {
    const r = await post(`${s.url}/services/OnError`, REQ);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { handledBy: 'Handler', code: '101503' });
  });

  it('answers a JSON error to a JSON client', async () => {
    const r = await post(`${s.url}/json`, '{"a":1}', { 'content-type': 'application/json' });
    assert.equal(r.status, 502);
    const body = JSON.parse(r.text);
    assert.equal(body.code, '101503');
    assert.match(body.message, /127\.0\.0\.1:1/);
    assert.equal(typeof body.correlationId, 'string');
  });

  it('turns a mediator failure into a fault with a code, without a stack trace', async () => {
    const r = await post(`${s.url}/services/Throws`, REQ);
    assert.equal(r.status, 500);
    assert.match(r.text, /MI_MED_003/);
    assert.doesNotMatch(r.text, /at .*\.js:\d+/);
  });

  it('logs the default fault sequence line with the error code', async () => {
    await post(`${s.url}/services/Refused`, REQ);
    const line = s.logLines.find((l) => l.level === 'ERROR' && l.message.includes("Executing default 'fault' sequence"));
    assert.ok(line, 'default fault sequence logs at ERROR');
    assert.match(line!.message, /ERROR_CODE = 101503/);
  });
});
