import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const ORDER = soap11('<order><symbol>IBM</symbol></order>');

describe('send over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((req, body, res) => {
      if (req.url === '/status') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"error":"no such order"}');
        return;
      }
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain', 'x-backend': 'echo' });
      res.end(body);
    });
    s = await startTestServer({
      'endpoints/Backend.xml': `<endpoint ${SYN} name="Backend"><address uri="${backend.url}/send"/></endpoint>`,
      'proxy-services/SendOut.xml': `<proxy ${SYN} name="SendOut"><target>
          <inSequence><property name="X-In" value="in" scope="transport"/><send><endpoint key="Backend"/></send></inSequence>
          <outSequence><property name="X-Out" value="out" scope="transport"/><send/></outSequence>
        </target></proxy>`,
      'proxy-services/SendNoOut.xml': `<proxy ${SYN} name="SendNoOut"><target><inSequence><send><endpoint key="Backend"/></send></inSequence></target></proxy>`,
      'sequences/Receive.xml': `<sequence ${SYN} name="Receive"><property name="X-Receive" value="receive-seq" scope="transport"/><send/></sequence>`,
      'proxy-services/SendReceive.xml': `<proxy ${SYN} name="SendReceive"><target>
          <inSequence><send receive="Receive"><endpoint key="Backend"/></send></inSequence>
          <outSequence><property name="X-Out" value="out" scope="transport"/><send/></outSequence>
        </target></proxy>`,
      'proxy-services/SendBack.xml': `<proxy ${SYN} name="SendBack"><target><inSequence>
          <payloadFactory media-type="xml"><format><ack xmlns="">$1</ack></format><args><arg expression="//symbol"/></args></payloadFactory>
          <header name="To" action="remove"/>
          <property name="RESPONSE" value="true"/>
          <send/>
        </inSequence><endpoint key="Backend"/></target></proxy>`,
      'proxy-services/SendFails.xml': `<proxy ${SYN} name="SendFails"><target>
          <inSequence><send><endpoint><address uri="http://127.0.0.1:1/refused"/></endpoint></send></inSequence>
          <faultSequence>
            <payloadFactory media-type="json"><format>{"code":"$1"}</format><args><arg expression="get-property('ERROR_CODE')"/></args></payloadFactory>
            <property name="HTTP_SC" value="503" scope="axis2"/><respond/></faultSequence>
        </target></proxy>`,
      'proxy-services/SendStatus.xml': `<proxy ${SYN} name="SendStatus"><target>
          <inSequence><send><endpoint><address uri="${backend.url}/status"/></endpoint></send></inSequence>
          <outSequence><send/></outSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('sends to the endpoint and returns the response through the outSequence', async () => {
    const r = await post(`${s.url}/services/SendOut`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(r.text, ORDER);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/send');
    assert.equal(seen.headers['x-in'], 'in');
    assert.equal(r.headers.get('x-out'), 'out');
    assert.equal(r.headers.get('x-backend'), 'echo', 'the backend response headers come back');
  });

  it('without an outSequence, the response goes straight back to the client', async () => {
    const r = await post(`${s.url}/services/SendNoOut`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(r.text, ORDER);
  });

  it('receive= names the sequence that handles the response instead of the outSequence', async () => {
    const r = await post(`${s.url}/services/SendReceive`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-receive'), 'receive-seq');
    assert.equal(r.headers.get('x-out'), null);
  });

  it('a bare send with RESPONSE=true answers the client with the current message', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/services/SendBack`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.text.replace(/ xmlns=""/g, ''), /<soapenv:Body><ack>IBM<\/ack><\/soapenv:Body>/);
    assert.equal(backend.requests.length, before, 'nothing goes to the proxy endpoint');
  });

  it('passes the backend status and body through the outSequence', async () => {
    const r = await post(`${s.url}/services/SendStatus`, ORDER);
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(JSON.parse(r.text), { error: 'no such order' });
  });

  it('a send that cannot connect runs the faultSequence with error code 101503', async () => {
    const r = await post(`${s.url}/services/SendFails`, ORDER);
    assert.equal(r.status, 503);
    assert.deepEqual(JSON.parse(r.text), { code: '101503' });
  });
});
