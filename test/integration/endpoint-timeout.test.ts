/**
 * After an endpoint timeout Synapse's TimeoutHandler replaces the message with an empty envelope of its SOAP
 * version before the fault sequence runs (ERROR_CODE 101504, "Send timeout"); other failures leave the
 * fault sequence the request as it was sent.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { post, soap11, startTestServer, SYN, type TestServer } from '../helpers/server.js';

describe('what the fault sequence sees after an endpoint timeout', function () {
  this.timeout(30000);
  let s: TestServer;
  let hanging: http.Server;
  before(async () => {
    hanging = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', () => resolve()));
    const hangingUrl = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const closedPort = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const noSuspend = '<suspendOnFailure><errorCodes>-1</errorCodes></suspendOnFailure><markForSuspension><errorCodes>-1</errorCodes></markForSuspension>';
    const timeout = `<timeout><duration>300</duration><responseAction>fault</responseAction></timeout>${noSuspend}`;
    const proxy = (name: string, uri: string, fault: string): [string, string] => [
      `proxy-services/${name}.xml`,
      `<proxy ${SYN} name="${name}"><target><inSequence><log level="full"/><send><endpoint><address uri="${uri}">${timeout}</address></endpoint></send></inSequence>
        <outSequence><send/></outSequence><faultSequence>${fault}</faultSequence></target></proxy>`,
    ];
    const count = `<payloadFactory media-type="json"><format>{"code":"$1","children":$2}</format><args><arg expression="get-property('ERROR_CODE')"/><arg expression="count($body/*)"/></args></payloadFactory><respond/>`;
    s = await startTestServer(
      Object.fromEntries([
        proxy('Timeout', `${hangingUrl}/slow`, '<respond/>'),
        proxy('TimeoutCount', `${hangingUrl}/slow`, count),
        proxy('Refused', `http://127.0.0.1:${closedPort}/x`, '<respond/>'),
      ]),
    );
  });
  after(async () => {
    await s.close();
    hanging.closeAllConnections();
    await new Promise<void>((resolve) => hanging.close(() => resolve()));
  });

  it('SOAP 1.1: an empty envelope, the request\'s header and body gone', async () => {
    const r = await post(`${s.url}/services/Timeout`, soap11('<order><id>1</id></order>', '<t:trace xmlns:t="urn:t">1</t:trace>'), { SOAPAction: '"urn:order"' });
    assert.equal(r.text, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>');
    assert.match(r.headers.get('content-type') ?? '', /^text\/xml/);
  });

  it('SOAP 1.2: an empty SOAP 1.2 envelope', async () => {
    const body = '<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><order/></soap:Body></soap:Envelope>';
    const r = await post(`${s.url}/services/Timeout`, body, { 'content-type': 'application/soap+xml; charset=UTF-8' });
    assert.equal(r.text, '<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"><soapenv:Body/></soapenv:Envelope>');
  });

  it('JSON: the body holds nothing any more', async () => {
    const r = await post(`${s.url}/services/TimeoutCount`, '{"order":{"id":1}}', { 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(r.text), { code: '101504', children: 0 });
  });

  it('a refused connection leaves the request as it was', async () => {
    const sent = soap11('<order><id>1</id></order>');
    const r = await post(`${s.url}/services/Refused`, sent);
    assert.equal(r.text, sent);
  });
});
