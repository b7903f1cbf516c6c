import assert from 'node:assert/strict';
import { post, soap11, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const S11 = 'xmlns:s11="http://schemas.xmlsoap.org/soap/envelope/" xmlns:s12="http://www.w3.org/2003/05/soap-envelope"';
const FIRST = 's11:Body/child::*[fn:position()=1] | s12:Body/child::*[fn:position()=1]';

/** ERROR_* and HTTP_SC as a fault sequence reports them. */
const REPORT_FAULT = `<faultSequence>
    <payloadFactory media-type="xml"><format><fault xmlns=""><code>$1</code><message>$2</message><detail>$3</detail><sc>$4</sc></fault></format>
      <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/><arg expression="get-property('ERROR_DETAIL')"/><arg expression="$axis2:HTTP_SC"/></args></payloadFactory>
    <property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence>`;

const field = (text: string, name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1];
const bodyOf = (env: string) => /<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '';

describe('callout over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    // a SOAP service: /quote answers the symbol it was asked for, /fault a SOAP fault, /missing 404, /json JSON
    backend = await startBackend((req, body, res) => {
      const symbol = /<symbol>([^<]*)<\/symbol>/.exec(body)?.[1] ?? '?';
      if (req.url === '/fault') {
        res.writeHead(500, { 'content-type': 'text/xml' });
        res.end(soap11('<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>quote service down</faultstring><detail>try later</detail></soapenv:Fault>'));
      } else if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html>no</html>');
      } else if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"echo":${body}}`);
      } else {
        res.writeHead(200, { 'content-type': 'text/xml', 'x-quote-server': 'q1' });
        res.end(soap11(`<m:getQuoteResponse xmlns:m="http://services.samples"><m:symbol>${symbol}</m:symbol><m:last>140.5</m:last></m:getQuoteResponse>`));
      }
    });
    const url = backend.url;
    s = await startTestServer({
      'proxy-services/XPathTarget.xml': `<proxy ${SYN} name="XPathTarget"><target><inSequence>
          <callout serviceURL="${url}/quote" action="urn:getQuote">
            <source ${S11} xpath="${FIRST}"/>
            <target ${S11} xpath="${FIRST}"/>
          </callout>
          <property name="X-Status" expression="$axis2:HTTP_SC" scope="transport"/>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/KeyTarget.xml': `<proxy ${SYN} name="KeyTarget"><target><inSequence>
          <callout serviceURL="${url}/quote">
            <source xpath="//order/item"/>
            <target key="quote"/>
          </callout>
          <payloadFactory media-type="xml"><format><r xmlns=""><last>$1</last><original>$2</original></r></format>
            <args><arg expression="$ctx:quote//*[local-name()='last']"/><arg expression="//order/customer"/></args></payloadFactory>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'endpoints/QuoteEp.xml': `<endpoint ${SYN} name="QuoteEp"><address uri="${url}/quote"/></endpoint>`,
      'proxy-services/Envelope.xml': `<proxy ${SYN} name="Envelope"><target><inSequence>
          <callout endpointKey="QuoteEp"><source type="envelope"/></callout>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/Refused.xml': `<proxy ${SYN} name="Refused"><target><inSequence>
          <callout serviceURL="http://127.0.0.1:1/nothing"><source type="envelope"/><target key="r"/></callout>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/NotFound.xml': `<proxy ${SYN} name="NotFound"><target><inSequence>
          <callout serviceURL="${url}/missing"><source type="envelope"/><target key="r"/></callout>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/FaultInTarget.xml': `<proxy ${SYN} name="FaultInTarget"><target><inSequence>
          <callout serviceURL="${url}/fault"><source type="envelope"/><target key="r"/></callout>
          <payloadFactory media-type="xml"><format><r xmlns=""><got>$1</got><sc>$2</sc></r></format>
            <args><arg expression="$ctx:r//faultstring"/><arg expression="$axis2:HTTP_SC"/></args></payloadFactory>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/ForcedFault.xml': `<proxy ${SYN} name="ForcedFault"><target><inSequence>
          <property name="FORCE_ERROR_ON_SOAP_FAULT" value="true"/>
          <callout serviceURL="${url}/fault"><source type="envelope"/><target key="r"/></callout>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'apis/Json.xml': `<api ${SYN} name="Json" context="/json"><resource methods="POST" uri-template="/"><inSequence>
          <callout serviceURL="${url}/json"><source xpath="//nothing-here"/><target key="ignored"/></callout>
          <respond/></inSequence></resource></api>`,
      'proxy-services/KeySource.xml': `<proxy ${SYN} name="KeySource"><target><inSequence>
          <property name="req" type="OM"><getQuote xmlns=""><symbol>SUNW</symbol></getQuote></property>
          <callout serviceURL="${url}/quote"><source key="req"/><target key="r"/></callout>
          <payloadFactory media-type="xml"><format><r xmlns=""><sym>$1</sym></r></format>
            <args><arg expression="$ctx:r//*[local-name()='symbol']"/></args></payloadFactory>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/NoSourceMatch.xml': `<proxy ${SYN} name="NoSourceMatch"><target><inSequence>
          <callout serviceURL="${url}/quote"><source xpath="//absent"/><target key="r"/></callout>
          <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
      'proxy-services/Secured.xml': `<proxy ${SYN} name="Secured"><target><inSequence>
          <callout serviceURL="${url}/quote"><source type="envelope"/><enableSec policy="sec_policy"/></callout></inSequence></target></proxy>`,
      'proxy-services/NoSourceKind.xml': `<proxy ${SYN} name="NoSourceKind"><target><inSequence>
          <callout serviceURL="${url}/quote"><source/></callout></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s?.close();
    await backend?.close();
  });

  it('sends the source element in a SOAP envelope with the action, and puts the answer where the target xpath points', async () => {
    const n = backend.requests.length;
    const r = await post(`${s.url}/services/XPathTarget`, soap11('<m:getQuote xmlns:m="http://services.samples"><m:request><symbol>IBM</symbol></m:request></m:getQuote>'));
    assert.equal(r.status, 200, r.text);
    const sent = backend.requests[n]!;
    assert.equal(sent.headers['soapaction'], '"urn:getQuote"');
    assert.match(String(sent.headers['content-type']), /^text\/xml/);
    assert.match(sent.body, /^<soapenv:Envelope xmlns:soapenv="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/"><soapenv:Body><m:getQuote xmlns:m="http:\/\/services\.samples"><m:request><symbol>IBM<\/symbol><\/m:request><\/m:getQuote><\/soapenv:Body><\/soapenv:Envelope>$/);
    assert.equal(bodyOf(r.text), '<m:getQuoteResponse xmlns:m="http://services.samples"><m:symbol>IBM</m:symbol><m:last>140.5</m:last></m:getQuoteResponse>');
    assert.equal(r.headers.get('x-status'), '200');
  });

  it('with a key target puts the answer\'s first body element in the property as XML, and keeps the message', async () => {
    const n = backend.requests.length;
    const r = await post(`${s.url}/services/KeyTarget`, soap11('<order><customer>acme</customer><item><symbol>MSFT</symbol></item></order>'));
    assert.equal(r.status, 200, r.text);
    assert.match(backend.requests[n]!.body, /<soapenv:Body><item><symbol>MSFT<\/symbol><\/item><\/soapenv:Body>/);
    assert.equal(field(r.text, 'last'), '140.5');
    assert.equal(field(r.text, 'original'), 'acme');
  });

  it('type="envelope" sends the whole message to the endpoint key, and without a target the answer replaces the envelope', async () => {
    const r = await post(`${s.url}/services/Envelope`, soap11('<getQuote><symbol>ORCL</symbol></getQuote>'));
    assert.equal(r.status, 200, r.text);
    assert.match(bodyOf(r.text), /<m:symbol>ORCL<\/m:symbol>/);
  });

  it('a refused connection runs the fault sequence with ERROR_CODE 401002 and the Java text', async () => {
    const r = await post(`${s.url}/services/Refused`, soap11('<a/>'));
    assert.equal(r.status, 500);
    assert.equal(field(r.text, 'code'), '401002');
    assert.equal(field(r.text, 'message'), 'Connection refused');
    assert.equal(field(r.text, 'detail'), 'org.apache.axis2.AxisFault: Connection refused');
  });

  it('a status Axis2 does not read as an answer is "Transport error", with HTTP_SC', async () => {
    const r = await post(`${s.url}/services/NotFound`, soap11('<a/>'));
    assert.equal(field(r.text, 'code'), '401002');
    assert.equal(field(r.text, 'message'), 'Transport error: 404 Error: Not Found');
    assert.equal(field(r.text, 'sc'), '404');
  });

  it('a SOAP fault answer goes to the target (HTTP_SC 500), unless FORCE_ERROR_ON_SOAP_FAULT makes it a fault', async () => {
    const r = await post(`${s.url}/services/FaultInTarget`, soap11('<a/>'));
    assert.equal(r.status, 500, 'HTTP_SC is the answer\'s, and respond uses it');
    assert.equal(field(r.text, 'got'), 'quote service down');
    assert.equal(field(r.text, 'sc'), '500');
    const f = await post(`${s.url}/services/ForcedFault`, soap11('<a/>'));
    assert.equal(field(f.text, 'code'), '401002');
    assert.equal(field(f.text, 'message'), 'quote service down');
    assert.equal(field(f.text, 'detail'), 'try later');
  });

  it('a JSON payload is sent whole, and a JSON answer replaces the payload whatever the target', async () => {
    const r = await fetch(`${s.url}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbol":"IBM","qty":12}' });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    assert.deepEqual(JSON.parse(text), { echo: { symbol: 'IBM', qty: 12 } });
  });

  it('a key source sends the XML the property holds; a source xpath that selects nothing is a fault', async () => {
    const n = backend.requests.length;
    const r = await post(`${s.url}/services/KeySource`, soap11('<ignored/>'));
    assert.equal(r.status, 200, r.text);
    assert.match(backend.requests[n]!.body, /<soapenv:Body><getQuote><symbol>SUNW<\/symbol><\/getQuote><\/soapenv:Body>/);
    assert.equal(field(r.text, 'sym'), 'SUNW');
    const f = await post(`${s.url}/services/NoSourceMatch`, soap11('<a/>'));
    assert.equal(field(f.text, 'code'), 'MI_MED_071');
    assert.equal(field(f.text, 'message'), 'The evaluation of the XPath expression : //absent did not result in an OMElement');
  });

  it('refuses <enableSec> and a source without xpath, key or type at deploy', () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /Secured\.xml:\d+:\d+\s+MI_ART_070\s+<enableSec> on a callout is not supported/);
    assert.match(logged, /NoSourceKind\.xml:\d+:\d+\s+MI_ART_006\s+A 'xpath' or 'key' attribute is required for the Callout 'source'/);
  });
});
