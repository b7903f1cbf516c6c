/**
 * The outgoing request carries the message's current Action, as Axis2's TargetRequest and
 * SOAPMessageFormatter write it: the SOAPAction header (quoted) for SOAP 1.1, the Content-Type `action`
 * parameter for SOAP 1.2. A recording backend on loopback shows what arrived.
 */
import assert from 'node:assert/strict';
import { post, soap11, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../helpers/server.js';

const SOAP12 = (body: string): string => `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>${body}</soap:Body></soap:Envelope>`;

describe('SOAPAction of the outgoing request', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((req, body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(soap11(`<seen action="${String(req.headers.soapaction ?? '')}"/>`));
    });
    const ep = `<endpoint><address uri="${backend.url}/svc"/></endpoint>`;
    s = await startTestServer({
      'proxy-services/Plain.xml': `<proxy ${SYN} name="Plain"><target><inSequence><send>${ep}</send></inSequence><outSequence><send/></outSequence></target></proxy>`,
      'proxy-services/Renamed.xml': `<proxy ${SYN} name="Renamed"><target><inSequence>
          <header name="Action" value="urn:changed"/><send>${ep}</send></inSequence><outSequence><send/></outSequence></target></proxy>`,
      'proxy-services/TransportSet.xml': `<proxy ${SYN} name="TransportSet"><target><inSequence>
          <property name="SOAPAction" value="urn:transport" scope="transport"/><send>${ep}</send></inSequence><outSequence><send/></outSequence></target></proxy>`,
      'proxy-services/Echo12.xml': `<proxy ${SYN} name="Echo12"><target><inSequence>
          <payloadFactory media-type="json"><format>{"action":"$1"}</format><args><arg expression="get-property('Action')"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'api/Quote.xml': `<api ${SYN} name="Quote" context="/quote"><resource methods="POST"><inSequence>
          <payloadFactory media-type="xml"><format><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ser:getSimpleQuote xmlns:ser="http://services.samples"><ser:symbol>$1</ser:symbol></ser:getSimpleQuote></soapenv:Body></soapenv:Envelope></format>
            <args><arg evaluator="json" expression="$.symbol"/></args></payloadFactory>
          <header name="Action" value="urn:getSimpleQuote"/>
          <call><endpoint><address uri="${backend.url}/svc" format="soap11"/></endpoint></call>
          <respond/></inSequence></resource></api>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  const last = (): Backend['requests'][number] => backend.requests[backend.requests.length - 1]!;

  it('passes the client\'s SOAPAction through unchanged', async () => {
    const r = await post(`${s.url}/services/Plain`, soap11('<a/>'), { SOAPAction: '"urn:client"' });
    assert.equal(r.status, 200);
    assert.equal(last().headers.soapaction, '"urn:client"');
  });

  it('a header mediator that sets Action replaces the client\'s SOAPAction', async () => {
    const r = await post(`${s.url}/services/Renamed`, soap11('<a/>'), { SOAPAction: '"urn:client"' });
    assert.equal(r.status, 200);
    assert.equal(last().headers.soapaction, '"urn:changed"');
  });

  it('the message\'s Action wins over a SOAPAction header set in transport scope', async () => {
    await post(`${s.url}/services/TransportSet`, soap11('<a/>'), { SOAPAction: 'urn:client' });
    assert.equal(last().headers.soapaction, '"urn:client"');
  });

  it('a transport-scope SOAPAction goes out when the message has no Action', async () => {
    await post(`${s.url}/services/TransportSet`, soap11('<a/>'));
    assert.equal(last().headers.soapaction, 'urn:transport');
  });

  it('JSON in, SOAP 1.1 out with the Action a header mediator set (MI\'s JSON-to-SOAP sample)', async () => {
    const r = await post(`${s.url}/quote`, '{"symbol":"IBM"}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(last().headers.soapaction, '"urn:getSimpleQuote"');
    assert.match(last().headers['content-type'] ?? '', /^text\/xml/);
    assert.match(last().body, /<ser:symbol>IBM<\/ser:symbol>/);
  });

  it('SOAP 1.2: the action parameter of the Content-Type is the message\'s Action, and is replaced by a header mediator', async () => {
    const echoed = await post(`${s.url}/services/Echo12`, SOAP12('<a/>'), { 'content-type': 'application/soap+xml; charset=UTF-8; action="urn:a12"' });
    assert.deepEqual(JSON.parse(echoed.text), { action: 'urn:a12' });

    await post(`${s.url}/services/Plain`, SOAP12('<a/>'), { 'content-type': 'application/soap+xml; charset=UTF-8; action="urn:a12"' });
    assert.equal(last().headers['content-type'], 'application/soap+xml; charset=UTF-8; action="urn:a12"');
    assert.equal(last().headers.soapaction, undefined);

    await post(`${s.url}/services/Renamed`, SOAP12('<a/>'), { 'content-type': 'application/soap+xml; charset=UTF-8; action="urn:a12"' });
    assert.equal(last().headers['content-type'], 'application/soap+xml; charset=UTF-8; action="urn:changed"');
    assert.equal(last().headers.soapaction, undefined);
  });
});
