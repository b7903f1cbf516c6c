import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const ROUTING = '<t:routing xmlns:t="http://someuri">xadmin;server1</t:routing>';
const withRouting = soap11('<order><symbol>IBM</symbol></order>', ROUTING);
const noHeader = soap11('<order><symbol>IBM</symbol></order>');

/** SOAP header blocks of an envelope, as serialized text. */
function headerOf(envelope: string): string {
  const m = /<soapenv:Header>([\s\S]*?)<\/soapenv:Header>/.exec(envelope);
  return m ? m[1]! : '';
}

describe('header mediator over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    const toBackend = (path: string) => `<call><endpoint><address uri="${backend.url}${path}"/></endpoint></call><respond/>`;
    s = await startTestServer({
      'proxy-services/SetSoapHeader.xml': `<proxy ${SYN} name="SetSoapHeader"><target><inSequence>
          <header name="t:routing" xmlns:t="http://someuri" value="gold"/>
          <header name="c:client" xmlns:c="urn:client" expression="//symbol"/>
          ${toBackend('/soaphdr')}</inSequence></target></proxy>`,
      'proxy-services/RemoveSoapHeader.xml': `<proxy ${SYN} name="RemoveSoapHeader"><target><inSequence>
          <header name="t:routing" xmlns:t="http://someuri" action="remove"/>
          ${toBackend('/rmhdr')}</inSequence></target></proxy>`,
      'proxy-services/ReplaceSoapHeader.xml': `<proxy ${SYN} name="ReplaceSoapHeader"><target><inSequence>
          <header name="t:routing" xmlns:t="http://someuri" action="remove"/>
          <header name="t:routing" xmlns:t="http://someuri" value="platinum"/>
          ${toBackend('/replace')}</inSequence></target></proxy>`,
      'proxy-services/InlineHeader.xml': `<proxy ${SYN} name="InlineHeader"><target><inSequence>
          <header><sec:Token xmlns:sec="urn:sec"><sec:id>42</sec:id></sec:Token></header>
          ${toBackend('/inline')}</inSequence></target></proxy>`,
      'proxy-services/ReadBack.xml': `<proxy ${SYN} name="ReadBack"><target><inSequence>
          <header name="t:routing" xmlns:t="http://someuri" value="silver"/>
          <payloadFactory media-type="json"><format>{"routing":"$1"}</format><args><arg expression="$header/t:routing" xmlns:t="http://someuri"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/TransportHeader.xml': `<proxy ${SYN} name="TransportHeader"><target><inSequence>
          <header name="X-Api-Key" scope="transport" value="k-123"/>
          <header name="X-Remove-Me" scope="transport" action="remove"/>
          ${toBackend('/trp')}</inSequence></target></proxy>`,
      'proxy-services/SetTo.xml': `<proxy ${SYN} name="SetTo"><target><inSequence>
          <header name="To" value="${backend.url}/to-address"/>
          <send/></inSequence></target></proxy>`,
      'proxy-services/SetToExpr.xml': `<proxy ${SYN} name="SetToExpr"><target><inSequence>
          <header name="To" expression="fn:concat('${backend.url}/sym/', //symbol)"/>
          <property name="seenTo" expression="get-property('To')"/>
          <property name="X-Seen-To" expression="$ctx:seenTo" scope="transport"/>
          <send/></inSequence><outSequence><send/></outSequence></target></proxy>`,
      'proxy-services/SetAction.xml': `<proxy ${SYN} name="SetAction"><target><inSequence>
          <header name="Action" value="urn:newAction"/>
          <payloadFactory media-type="json"><format>{"action":"$1"}</format><args><arg expression="get-property('Action')"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Unqualified.xml': `<proxy ${SYN} name="Unqualified"><target><inSequence><header name="routing" value="x"/><respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('adds namespace-qualified SOAP header blocks from a value and an expression', async () => {
    const r = await post(`${s.url}/services/SetSoapHeader`, noHeader);
    assert.equal(r.status, 200);
    const sent = backend.requests.at(-1)!;
    assert.equal(sent.url, '/soaphdr');
    const h = headerOf(sent.body);
    assert.match(h, /<t:routing xmlns:t="http:\/\/someuri">gold<\/t:routing>/);
    assert.match(h, /<c:client xmlns:c="urn:client">IBM<\/c:client>/);
    assert.match(sent.body, /<soapenv:Body><order><symbol>IBM<\/symbol><\/order><\/soapenv:Body>/);
  });

  it('appends a header block after one of the same name, as Synapse does (remove first to replace)', async () => {
    await post(`${s.url}/services/SetSoapHeader`, withRouting);
    const h = headerOf(backend.requests.at(-1)!.body);
    assert.match(h, /^<t:routing xmlns:t="http:\/\/someuri">xadmin;server1<\/t:routing><t:routing xmlns:t="http:\/\/someuri">gold<\/t:routing>/);
    await post(`${s.url}/services/ReplaceSoapHeader`, withRouting);
    const replaced = headerOf(backend.requests.at(-1)!.body);
    assert.equal(replaced, '<t:routing xmlns:t="http://someuri">platinum</t:routing>');
  });

  it('removes a SOAP header block by qualified name', async () => {
    await post(`${s.url}/services/RemoveSoapHeader`, withRouting);
    const sent = backend.requests.at(-1)!;
    assert.equal(sent.url, '/rmhdr');
    assert.doesNotMatch(sent.body, /routing/);
    assert.match(sent.body, /<symbol>IBM<\/symbol>/);
  });

  it('adds an inline XML header block', async () => {
    await post(`${s.url}/services/InlineHeader`, noHeader);
    const h = headerOf(backend.requests.at(-1)!.body);
    assert.match(h, /<sec:Token xmlns:sec="urn:sec"><sec:id>42<\/sec:id><\/sec:Token>/);
  });

  it('a header set by the mediator is visible to $header expressions', async () => {
    const r = await post(`${s.url}/services/ReadBack`, noHeader);
    assert.deepEqual(JSON.parse(r.text), { routing: 'silver' });
  });

  it('scope="transport" sets and removes HTTP headers', async () => {
    await post(`${s.url}/services/TransportHeader`, noHeader, { 'X-Remove-Me': 'bye', 'X-Keep': 'stay' });
    const sent = backend.requests.at(-1)!;
    assert.equal(sent.url, '/trp');
    assert.equal(sent.headers['x-api-key'], 'k-123');
    assert.equal(sent.headers['x-remove-me'], undefined);
    assert.equal(sent.headers['x-keep'], 'stay');
    assert.doesNotMatch(sent.body, /X-Api-Key/i, 'not a SOAP header');
  });

  it('To sets the address a bare <send/> goes to', async () => {
    const r = await post(`${s.url}/services/SetTo`, noHeader);
    assert.equal(r.status, 200);
    assert.equal(r.text, noHeader);
    assert.equal(backend.requests.at(-1)!.url, '/to-address');
  });

  it('To from an expression, read back with get-property', async () => {
    const r = await post(`${s.url}/services/SetToExpr`, noHeader);
    assert.equal(r.status, 200);
    const sent = backend.requests.at(-1)!;
    assert.equal(sent.url, '/sym/IBM');
    assert.equal(sent.headers['x-seen-to'], `${backend.url}/sym/IBM`);
  });

  it('Action sets the WS-Addressing action read by get-property', async () => {
    const r = await post(`${s.url}/services/SetAction`, noHeader, { SOAPAction: 'urn:old' });
    assert.deepEqual(JSON.parse(r.text), { action: 'urn:newAction' });
  });

  it('rejects an unqualified SOAP header name at deploy time', async () => {
    const d = s.deployer.last!.diagnostics.find((x) => x.file.endsWith('Unqualified.xml') && x.severity === 'error');
    assert.ok(d);
    assert.match(d.message, /namespace qualified/);
  });
});
