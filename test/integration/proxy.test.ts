import assert from 'node:assert/strict';
import http from 'node:http';
import { startBackend, startTestServer, post, get, rawRequest, soap11, SYN, type Backend, type TestServer } from '../helpers/server.js';

const ORDER = soap11('<m:buyStocks xmlns:m="http://services.samples/xsd"><order><symbol>IBM</symbol><price>1.5</price></order></m:buyStocks>');

describe('proxy services over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    s = await startTestServer({
      'endpoints/Backend.xml': `<endpoint ${SYN} name="Backend"><address uri="${backend.url}/service/echo"/></endpoint>`,
      'proxy-services/PassThrough.xml': `<proxy ${SYN} name="PassThrough"><target><endpoint key="Backend"/></target></proxy>`,
      'proxy-services/Inline.xml': `<proxy ${SYN} name="Inline" transports="http"><target>
          <inSequence><property name="X-Seen" value="yes" scope="transport"/></inSequence>
          <outSequence><property name="X-Out" value="out" scope="transport"/><send/></outSequence>
          <endpoint><address uri="${backend.url}/inline"/></endpoint></target></proxy>`,
      'proxy-services/Keyed.xml': `<proxy ${SYN} name="Keyed"><target inSequence="InSeq" outSequence="OutSeq" endpoint="Backend"/></proxy>`,
      'sequences/InSeq.xml': `<sequence ${SYN} name="InSeq"><property name="X-In-Seq" value="1" scope="transport"/></sequence>`,
      'sequences/OutSeq.xml': `<sequence ${SYN} name="OutSeq"><property name="X-Out-Seq" value="1" scope="transport"/><send/></sequence>`,
      'proxy-services/Stopped.xml': `<proxy ${SYN} name="Stopped" startOnLoad="false"><target><endpoint key="Backend"/></target></proxy>`,
      'proxy-services/HttpsOnly.xml': `<proxy ${SYN} name="HttpsOnly" transports="https"><target><endpoint key="Backend"/></target></proxy>`,
      'proxy-services/Wsdl.xml': `<proxy ${SYN} name="Wsdl"><target><endpoint key="Backend"/></target><publishWSDL key="the_wsdl"/></proxy>`,
      'proxy-services/InlineWsdl.xml': `<proxy ${SYN} name="InlineWsdl"><target><endpoint key="Backend"/></target><publishWSDL><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" name="Inline"/></publishWSDL></proxy>`,
      'local-entries/the_wsdl.xml': `<localEntry ${SYN} key="the_wsdl"><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" name="FromEntry"/></localEntry>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('passes a SOAP request through byte for byte and returns the backend response', async () => {
    const r = await post(`${s.url}/services/PassThrough`, ORDER, { SOAPAction: 'urn:buyStocks' });
    assert.equal(r.status, 200);
    assert.equal(r.text, ORDER);
    assert.equal(r.headers.get('x-backend'), 'echo');
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.body, ORDER);
    // Axis2's TargetRequest writes the message's SOAPAction quoted, whatever the client sent
    assert.equal(seen.headers['soapaction'], '"urn:buyStocks"');
    assert.equal(seen.url, '/service/echo');
  });

  it('streams a chunked request body to the backend', async () => {
    const port = Number(new URL(s.url).port);
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/services/PassThrough', headers: { 'content-type': 'text/xml' } }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.write(ORDER.slice(0, 40));
      setTimeout(() => req.end(ORDER.slice(40)), 50);
    });
    assert.equal(text, ORDER);
  });

  it('strips hop-by-hop headers in both directions', async () => {
    const r = await rawRequest(`${s.url}/services/PassThrough`, {
      headers: { 'content-type': 'text/xml', 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic eDp5', te: 'trailers', 'x-custom': 'kept' },
      body: ORDER,
    });
    assert.equal(r.status, 200);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.headers['keep-alive'], undefined);
    assert.equal(seen.headers['proxy-authorization'], undefined);
    assert.equal(seen.headers['te'], undefined);
    assert.equal(seen.headers['x-custom'], 'kept');
  });

  it('runs inline in/out sequences around the target endpoint', async () => {
    const r = await post(`${s.url}/services/Inline`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(backend.requests.at(-1)!.headers['x-seen'], 'yes');
    assert.equal(backend.requests.at(-1)!.url, '/inline');
    assert.equal(r.headers.get('x-out'), 'out');
  });

  it('resolves sequences and endpoints given by key on the target', async () => {
    const r = await post(`${s.url}/services/Keyed`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(backend.requests.at(-1)!.headers['x-in-seq'], '1');
    assert.equal(r.headers.get('x-out-seq'), '1');
  });

  it('appends the path after the proxy name to the endpoint (REST_URL_POSTFIX)', async () => {
    await post(`${s.url}/services/PassThrough/orders/7?x=1`, ORDER);
    assert.equal(backend.requests.at(-1)!.url, '/service/echo/orders/7?x=1');
  });

  it('accepts the Name.NameHttpSoap11Endpoint form of the service URL', async () => {
    const r = await post(`${s.url}/services/PassThrough.PassThroughHttpSoap11Endpoint`, ORDER);
    assert.equal(r.status, 200);
  });

  it('does not serve a proxy with startOnLoad="false" or on a transport it does not list', async () => {
    assert.equal((await post(`${s.url}/services/Stopped`, ORDER)).status, 404);
    assert.equal((await post(`${s.url}/services/HttpsOnly`, ORDER)).status, 404);
  });

  it('serves publishWSDL from a local entry and inline on ?wsdl', async () => {
    const a = await get(`${s.url}/services/Wsdl?wsdl`);
    assert.equal(a.status, 200);
    assert.match(a.headers.get('content-type')!, /xml/);
    assert.match(a.text, /name="FromEntry"/);
    const b = await get(`${s.url}/services/InlineWsdl?wsdl`);
    assert.match(b.text, /name="Inline"/);
    assert.equal((await get(`${s.url}/services/PassThrough?wsdl`)).status, 404);
  });

  it('answers unmatched requests with an empty 404 from the main sequence', async () => {
    const r = await post(`${s.url}/nothing/here`, ORDER);
    assert.equal(r.status, 404);
    assert.equal(r.text, '');
    assert.equal((await post(`${s.url}/services/NoSuchProxy`, ORDER)).status, 404);
  });
});
