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
      'proxy-services/FaultEnvPrefix.xml': `<proxy ${SYN} name="FaultEnvPrefix"><target><inSequence>
          <makefault version="soap11"><code value="soapenv:Server" xmlns:soapenv="${S11}"/><reason value="x"/><role/><detail/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultCodeExpr.xml': `<proxy ${SYN} name="FaultCodeExpr"><target><inSequence>
          <property name="code" expression="$trp:x-code"/>
          <makefault version="soap12"><code expression="get-property('code')" xmlns:c="urn:codes"/><reason value="x"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultSend.xml': `<proxy ${SYN} name="FaultSend"><target><inSequence>
          <makefault version="soap11" response="true">
            <code value="soap11Env:Server" xmlns:soap11Env="${S11}"/><reason value="sent back"/>
          </makefault>
          <send/>
        </inSequence><endpoint><address uri="${backend.url}/never"/></endpoint></target></proxy>`,
      'proxy-services/FaultDefaultVersion.xml': `<proxy ${SYN} name="FaultDefaultVersion"><target><inSequence>
          <makefault><code value="soap11Env:Server" xmlns:soap11Env="${S11}"/><reason value="always SOAP 1.1"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultDefaultVersion12Code.xml': `<proxy ${SYN} name="FaultDefaultVersion12Code"><target><inSequence>
          <makefault><code value="tns:Receiver" xmlns:tns="${S12}"/><reason value="refused"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultBareCode.xml': `<proxy ${SYN} name="FaultBareCode"><target><inSequence>
          <makefault version="soap11"><code value="Server"/><reason value="refused"/></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultPoxDetail.xml': `<proxy ${SYN} name="FaultPoxDetail"><target><inSequence>
          <makefault version="pox"><reason value="the reason"/><detail>the detail wins</detail></makefault>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/FaultNoResponseFlag.xml': `<proxy ${SYN} name="FaultNoResponseFlag"><target><inSequence>
          <makefault version="soap11"><code value="soap11Env:Server" xmlns:soap11Env="${S11}"/><reason value="back to the client"/></makefault>
          <send/>
        </inSequence><endpoint><address uri="${backend.url}/never"/></endpoint></target></proxy>`,
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

  it('builds a SOAP 1.1 fault as Micro Integrator writes it: the code keeps its prefix, declared on faultcode', async () => {
    const r = await post(`${s.url}/services/Fault11`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.equal(
      r.text,
      `<soapenv:Envelope xmlns:soapenv="${S11}"><soapenv:Body><soapenv:Fault>` +
        `<faultcode xmlns:soap11Env="${S11}">soap11Env:Client</faultcode>` +
        `<faultstring>Unknown symbol IBM</faultstring><faultactor>urn:gateway</faultactor><detail>order &lt;rejected&gt;</detail>` +
        `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    );
  });

  it('builds a SOAP 1.2 fault whose Code/Value keeps the prefix and namespace the artifact declares', async () => {
    const r = await post(`${s.url}/services/Fault12`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^application\/soap\+xml/);
    assert.equal(
      r.text,
      `<soapenv:Envelope xmlns:soapenv="${S12}"><soapenv:Body><soapenv:Fault>` +
        `<soapenv:Code><soapenv:Value xmlns:soap12Env="${S12}">soap12Env:Receiver</soapenv:Value></soapenv:Code>` +
        `<soapenv:Reason><soapenv:Text xml:lang="en">Backend unavailable</soapenv:Text></soapenv:Reason>` +
        `<soapenv:Node>http://gateway/node</soapenv:Node><soapenv:Role>urn:gateway</soapenv:Role>` +
        `<soapenv:Detail><e:info xmlns:e="urn:err">retry later</e:info></soapenv:Detail>` +
        `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    );
  });

  it('a code in the envelope\'s own soapenv binding needs no declaration; an empty role and detail stay, empty', async () => {
    const r = await post(`${s.url}/services/FaultEnvPrefix`, ORDER);
    assert.equal(
      r.text,
      `<soapenv:Envelope xmlns:soapenv="${S11}"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>` +
        `<faultstring>x</faultstring><faultactor/><detail/></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
    );
  });

  it('a code from an expression is a name in the envelope namespace; a prefix declared on <code> is kept', async () => {
    const plain = await post(`${s.url}/services/FaultCodeExpr`, ORDER, { 'x-code': 'Sender' });
    assert.match(plain.text, /<soapenv:Code><soapenv:Value>soapenv:Sender<\/soapenv:Value><\/soapenv:Code>/);
    const declared = await post(`${s.url}/services/FaultCodeExpr`, ORDER, { 'x-code': 'c:Mine' });
    assert.match(declared.text, /<soapenv:Code><soapenv:Value xmlns:c="urn:codes">c:Mine<\/soapenv:Value><\/soapenv:Code>/);
    const undeclared = await post(`${s.url}/services/FaultCodeExpr`, ORDER, { 'x-code': 'z:Other' });
    assert.match(undeclared.text, /<soapenv:Value>soapenv:z:Other<\/soapenv:Value>/, 'as Synapse: the whole result is the local name');
  });

  it('refuses at deploy what Micro Integrator refuses: a code outside the version\'s namespace or list, or without a prefix', async () => {
    for (const name of ['FaultCustomCode', 'FaultDefaultVersion12Code', 'FaultBareCode']) {
      const r = await post(`${s.url}/services/${name}`, ORDER);
      assert.equal(r.status, 404, `${name} is not deployed`);
      const line = s.logLines.find((l) => l.message.includes(`${name}.xml`) && l.message.includes('MI_ART_015'));
      assert.ok(line, `${name}: ${JSON.stringify(s.logLines.filter((l) => l.message.includes(name)))}`);
    }
    assert.ok(s.logLines.some((l) => /FaultCustomCode.*must be in the namespace http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\//.test(l.message)));
    assert.ok(s.logLines.some((l) => /FaultDefaultVersion12Code.*without a version attribute the fault is soap11/.test(l.message)));
  });

  it('without response="false", a bare <send/> after makefault answers the client (Synapse marks the fault as a response)', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/services/FaultNoResponseFlag`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.text, /<faultstring>back to the client<\/faultstring>/);
    assert.equal(backend.requests.length, before);
  });

  it('a POX fault carries the detail text when there is one, else the reason', async () => {
    const r = await post(`${s.url}/services/FaultPoxDetail`, ORDER);
    assert.equal(r.text, '<Exception>the detail wins</Exception>');
  });

  it('with response="true", a bare <send/> returns the fault to the client (the endpoint is not called)', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/services/FaultSend`, ORDER);
    assert.equal(r.status, 500);
    assert.match(r.text, /<faultstring>sent back<\/faultstring>/);
    assert.equal(backend.requests.length, before);
  });

  it('without a version, answers SOAP 1.1 to any SOAP request (as Synapse) and a POX error to other requests', async () => {
    const r12 = await post(`${s.url}/services/FaultDefaultVersion`, ORDER12, { 'content-type': 'application/soap+xml' });
    assert.equal(r12.status, 500);
    assert.match(r12.headers.get('content-type')!, /^text\/xml/);
    assert.match(r12.text, new RegExp(`^<soapenv:Envelope xmlns:soapenv="${S11}">`));
    assert.match(r12.text, new RegExp(`<faultcode xmlns:soap11Env="${S11}">soap11Env:Server</faultcode>`));
    const r11 = await post(`${s.url}/services/FaultDefaultVersion`, ORDER);
    assert.match(r11.text, /<faultstring>always SOAP 1.1<\/faultstring>/);
    const pox = await post(`${s.url}/services/FaultDefaultVersion`, '<order/>', { 'content-type': 'application/xml' });
    assert.equal(pox.status, 500);
    assert.equal(pox.text, '<Exception>always SOAP 1.1</Exception>', 'a POX request gets a POX fault');
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
