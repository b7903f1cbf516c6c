import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const ORDER = soap11('<order><symbol>IBM</symbol></order>');
const ORDER12 = `<s:Envelope xmlns:s="${S12}"><s:Body><order><symbol>IBM</symbol></order></s:Body></s:Envelope>`;

describe('makefault over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    s = await startTestServer({
      'proxy-services/Fault11.xml': `<proxy ${SYN} name="Fault11"><target><inSequence>
          <makefault version="soap11">
            <code value="soap11Env:Client" xmlns:soap11Env="${S11}"/>
            <reason expression="fn:concat('Unknown symbol ', //symbol)"/>
            <role>urn:gateway</role>
            <detail>order &lt;rejected&gt;</detail>
          </makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Fault12.xml': `<proxy ${SYN} name="Fault12"><target><inSequence>
          <makefault version="soap12">
            <code value="soap12Env:Receiver" xmlns:soap12Env="${S12}"/>
            <reason value="Backend unavailable"/>
            <node>http://gateway/node</node>
            <role>urn:gateway</role>
            <detail><e:info xmlns:e="urn:err">retry later</e:info></detail>
          </makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultCustomCode.xml': `<proxy ${SYN} name="FaultCustomCode"><target><inSequence>
          <makefault version="soap11"><code value="app:Rejected" xmlns:app="urn:app"/><reason value="no"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultSend.xml': `<proxy ${SYN} name="FaultSend"><target><inSequence>
          <makefault version="soap11" response="true">
            <code value="soap11Env:Server" xmlns:soap11Env="${S11}"/><reason value="sent back"/>
          </makefault>
          <send/>
        </inSequence><endpoint><address uri="${backend.url}/never"/></endpoint></target></proxy>`,
      'proxy-services/FaultDefaultVersion.xml': `<proxy ${SYN} name="FaultDefaultVersion"><target><inSequence>
          <makefault><code value="tns:Receiver" xmlns:tns="${S12}"/><reason value="same version as the request"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultPox.xml': `<proxy ${SYN} name="FaultPox"><target><inSequence>
          <makefault version="pox"><reason value="plain error"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Fault200.xml': `<proxy ${SYN} name="Fault200"><target><inSequence>
          <makefault version="soap11"><code value="soap11Env:Server" xmlns:soap11Env="${S11}"/><reason value="as 200"/></makefault>
          <property name="FAULTS_AS_HTTP_200" value="true" scope="axis2"/>
          <respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('builds a SOAP 1.1 fault (code, reason from an expression, actor, escaped detail) answered with 500 text/xml', async () => {
    const r = await post(`${s.url}/services/Fault11`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.match(r.text, new RegExp(`^<soapenv:Envelope xmlns:soapenv="${S11}"><soapenv:Body><soapenv:Fault>`));
    assert.match(r.text, /<faultcode>soapenv:Client<\/faultcode>/);
    assert.match(r.text, /<faultstring>Unknown symbol IBM<\/faultstring>/);
    assert.match(r.text, /<faultactor>urn:gateway<\/faultactor>/);
    assert.match(r.text, /<detail>order &lt;rejected&gt;<\/detail>/);
  });

  it('builds a SOAP 1.2 fault (Code/Value, Reason/Text, Node, Role, XML Detail) answered with 500 application/soap+xml', async () => {
    const r = await post(`${s.url}/services/Fault12`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^application\/soap\+xml/);
    assert.match(r.text, new RegExp(`^<soapenv:Envelope xmlns:soapenv="${S12}">`));
    assert.match(r.text, /<soapenv:Code><soapenv:Value>soapenv:Receiver<\/soapenv:Value><\/soapenv:Code>/);
    assert.match(r.text, /<soapenv:Reason><soapenv:Text xml:lang="en">Backend unavailable<\/soapenv:Text><\/soapenv:Reason>/);
    assert.match(r.text, /<soapenv:Node>http:\/\/gateway\/node<\/soapenv:Node><soapenv:Role>urn:gateway<\/soapenv:Role>/);
    assert.match(r.text, /<soapenv:Detail><e:info xmlns:e="urn:err">retry later<\/e:info><\/soapenv:Detail>/);
  });

  it('keeps an application fault code with its namespace', async () => {
    const r = await post(`${s.url}/services/FaultCustomCode`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.text, /<faultcode xmlns:(\w+)="urn:app">\1:Rejected<\/faultcode>/);
  });

  it('with response="true", a bare <send/> returns the fault to the client (the endpoint is not called)', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/services/FaultSend`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.text, /<faultstring>sent back<\/faultstring>/);
    assert.equal(backend.requests.length, before);
  });

  it('without a version, answers in the SOAP version of the request', async () => {
    const r12 = await post(`${s.url}/services/FaultDefaultVersion`, ORDER12, { 'content-type': 'application/soap+xml' });
    assert.equal(r12.status, 500);
    assert.match(r12.text, new RegExp(`xmlns:soapenv="${S12}"`));
    assert.match(r12.text, /<soapenv:Value>soapenv:Receiver<\/soapenv:Value>/);
    const r11 = await post(`${s.url}/services/FaultDefaultVersion`, ORDER);
    assert.match(r11.text, new RegExp(`xmlns:soapenv="${S11}"`));
    assert.match(r11.text, /<faultstring>same version as the request<\/faultstring>/);
    const pox = await post(`${s.url}/services/FaultDefaultVersion`, '<order/>', { 'content-type': 'application/xml' });
    assert.equal(pox.status, 500);
    assert.equal(pox.text, '<Exception>same version as the request</Exception>', 'a POX request gets a POX fault');
  });

  it('version="pox" answers a plain XML error', async () => {
    const r = await post(`${s.url}/services/FaultPox`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.match(r.text, /^<Exception>plain error<\/Exception>$/);
  });

  it('FAULTS_AS_HTTP_200 answers the fault with 200', async () => {
    const r = await post(`${s.url}/services/Fault200`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.text, /<faultstring>as 200<\/faultstring>/);
  });
});
