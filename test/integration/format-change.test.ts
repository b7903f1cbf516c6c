/**
 * A format change on a body that was never read: a SOAP backend's reply turned into JSON by a messageType
 * set in an out-sequence, after a call, or in a fault sequence, then send / respond / loopback. Micro
 * Integrator's formatter builds the message when it writes it; so do we (the body is read on demand).
 */
import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../helpers/server.js';

const SOAP_REPLY = soap11('<getQuoteResponse><symbol>IBM</symbol><name>IBM Corp</name></getQuoteResponse>');
const AS_JSON = '{"getQuoteResponse":{"symbol":"IBM","name":"IBM Corp"}}';
const JSON_TYPE = '<property name="messageType" value="application/json" scope="axis2"/>';

describe('a format change reads the body it converts', () => {
  let s: TestServer;
  let backend: Backend;
  before(async () => {
    backend = await startBackend((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8' });
      res.end(SOAP_REPLY);
    });
    const ep = `<endpoint><address uri="${backend.url}/soap"/></endpoint>`;
    s = await startTestServer({
      'proxy-services/OutSend.xml': `<proxy ${SYN} name="OutSend"><target><inSequence><send>${ep}</send></inSequence><outSequence>${JSON_TYPE}<send/></outSequence></target></proxy>`,
      'proxy-services/OutRespond.xml': `<proxy ${SYN} name="OutRespond"><target><inSequence><send>${ep}</send></inSequence><outSequence>${JSON_TYPE}<respond/></outSequence></target></proxy>`,
      'api/CallRespond.xml': `<api ${SYN} name="CallRespond" context="/call-respond"><resource methods="POST"><inSequence><call>${ep}</call>${JSON_TYPE}<respond/></inSequence></resource></api>`,
      'api/Loopback.xml': `<api ${SYN} name="Loopback" context="/loop"><resource methods="POST"><inSequence><call>${ep}</call>${JSON_TYPE}<loopback/></inSequence><outSequence><respond/></outSequence></resource></api>`,
      'proxy-services/InFault.xml': `<proxy ${SYN} name="InFault"><target><inSequence><call>${ep}</call><sequence key="{$ctx:noSuchSequence}"/></inSequence>
          <faultSequence>${JSON_TYPE}<respond/></faultSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  const soapRequest = soap11('<getQuote><symbol>IBM</symbol></getQuote>');

  for (const [what, path] of [
    ['send in an out-sequence', '/services/OutSend'],
    ['respond in an out-sequence', '/services/OutRespond'],
    ['respond after a call', '/call-respond'],
    ['loopback after a call', '/loop'],
    ['respond in a fault sequence', '/services/InFault'],
  ] as const) {
    it(`converts the SOAP reply to JSON: ${what}`, async () => {
      const r = await post(`${s.url}${path}`, soapRequest, { 'content-type': 'text/xml', soapaction: 'urn:getQuote' });
      assert.equal(r.status, 200, r.text);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(r.text, AS_JSON);
    });
  }
});
