import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const ORDER = soap11('<order><symbol>IBM</symbol><qty>12</qty></order>');
const bodyOf = (env: string) => (/<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '').replace(/ xmlns=""/g, '');

describe('call and call-template over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    // echoes the body; /quote answers a fixed quote, /fail answers 500
    backend = await startBackend((req, body, res) => {
      if (req.url === '/quote') {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(soap11('<quote><symbol>IBM</symbol><last>140.5</last></quote>'));
        return;
      }
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain', 'x-backend': 'echo' });
      res.end(body);
    });
    const ep = (path: string) => `<endpoint><address uri="${backend.url}${path}"/></endpoint>`;
    s = await startTestServer({
      'proxy-services/Blocking.xml': `<proxy ${SYN} name="Blocking"><target><inSequence>
          <call blocking="true">${ep('/quote')}</call>
          <property name="X-Last" expression="//last" scope="transport"/>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/NonBlocking.xml': `<proxy ${SYN} name="NonBlocking"><target><inSequence>
          <property name="before" value="kept"/>
          <call>${ep('/quote')}</call>
          <payloadFactory media-type="json"><format>{"last":$1,"before":"$2"}</format><args><arg expression="//last"/><arg expression="$ctx:before"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Sequential.xml': `<proxy ${SYN} name="Sequential"><target><inSequence>
          <call>${ep('/first')}</call>
          <payloadFactory media-type="xml"><format><second xmlns="">$1</second></format><args><arg expression="//symbol"/></args></payloadFactory>
          <call>${ep('/second')}</call>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/SourceTarget.xml': `<proxy ${SYN} name="SourceTarget"><target><inSequence>
          <property name="reqJson" value='{"lookup":"IBM"}'/>
          <call>${ep('/side')}
            <source type="property" contentType="application/json">reqJson</source>
            <target type="property">sideResponse</target>
          </call>
          <payloadFactory media-type="xml"><format><r xmlns=""><orig>$1</orig><side>$2</side></r></format>
            <args><arg expression="//symbol"/><arg expression="$ctx:sideResponse"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/CustomSource.xml': `<proxy ${SYN} name="CustomSource"><target><inSequence>
          <call>${ep('/custom')}
            <source type="custom" contentType="application/xml">//order/qty</source>
            <target type="property">echoed</target>
          </call>
          <filter source="$ctx:echoed" regex=".*12.*"><then><property name="X-Echoed" value="yes" scope="transport"/></then></filter>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/CallFails.xml': `<proxy ${SYN} name="CallFails"><target>
          <inSequence><call><endpoint><address uri="http://127.0.0.1:1/refused"/></endpoint></call><respond/></inSequence>
          <faultSequence>
            <payloadFactory media-type="json"><format>{"code":"$1"}</format><args><arg expression="get-property('ERROR_CODE')"/></args></payloadFactory>
            <property name="HTTP_SC" value="502" scope="axis2"/><respond/>
          </faultSequence></target></proxy>`,
      'templates/Greet.xml': `<template ${SYN} name="Greet">
          <parameter name="who"/><parameter name="greeting" defaultValue="Hello"/><parameter name="sym"/>
          <sequence>
            <property name="greetingText" expression="fn:concat($func:greeting, ', ', $func:who, ' (', get-property('func', 'sym'), ')')"/>
          </sequence></template>`,
      'templates/Outer.xml': `<template ${SYN} name="Outer">
          <parameter name="p"/>
          <sequence>
            <call-template target="Greet"><with-param name="who" value="inner"/></call-template>
            <property name="outerAfter" expression="$func:p"/>
          </sequence></template>`,
      'proxy-services/Template.xml': `<proxy ${SYN} name="Template"><target><inSequence>
          <call-template target="Greet">
            <with-param name="who" value="World"/>
            <with-param name="sym" value="{//symbol}"/>
          </call-template>
          <property name="first" expression="$ctx:greetingText"/>
          <call-template target="Outer"><with-param name="p" value="outer-value"/></call-template>
          <payloadFactory media-type="json"><format>{"first":"$1","nested":"$2","outerAfter":"$3"}</format>
            <args><arg expression="$ctx:first"/><arg expression="$ctx:greetingText"/><arg expression="$ctx:outerAfter"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('blocking call continues the sequence with the response', async () => {
    const r = await post(`${s.url}/services/Blocking`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.text, /<last>140.5<\/last>/);
    assert.equal(r.headers.get('x-last'), '140.5');
    assert.equal(backend.requests.at(-1)!.body, ORDER, 'the request went to the backend as received');
  });

  it('non-blocking call also continues with the response, keeping the default-scope properties', async () => {
    const r = await post(`${s.url}/services/NonBlocking`, ORDER);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { last: 140.5, before: 'kept' });
  });

  it('calls one after the other, the second call sending the payload built from the first response', async () => {
    const n = backend.requests.length;
    const r = await post(`${s.url}/services/Sequential`, ORDER);
    assert.equal(r.status, 200);
    const [first, second] = backend.requests.slice(n);
    assert.equal(first!.url, '/first');
    assert.equal(second!.url, '/second');
    assert.match(second!.body.replace(/ xmlns=""/g, ''), /<second>IBM<\/second>/);
    assert.match(bodyOf(r.text), /^<second>IBM<\/second>$/);
  });

  it('source and target properties: sends a property, stores the response in a property, leaves the body in place', async () => {
    const r = await post(`${s.url}/services/SourceTarget`, ORDER);
    assert.equal(r.status, 200, r.text);
    const side = backend.requests.at(-1)!;
    assert.equal(side.url, '/side');
    assert.match(String(side.headers['content-type']), /^application\/json/);
    assert.equal(side.body, '{"lookup":"IBM"}');
    assert.equal(bodyOf(r.text), '<r><orig>IBM</orig><side>{"lookup":"IBM"}</side></r>');
  });

  it('a custom source sends the XPath selection', async () => {
    const r = await post(`${s.url}/services/CustomSource`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(backend.requests.at(-1)!.body, '<qty>12</qty>');
    assert.match(String(backend.requests.at(-1)!.headers['content-type']), /^application\/xml/);
    assert.equal(r.headers.get('x-echoed'), 'yes', 'the response went to the property');
    assert.equal(r.text.replace(/ xmlns=""/g, ''), ORDER, 'the client gets the original message');
  });

  it('a failing call goes to the fault sequence with the Synapse error code', async () => {
    const r = await post(`${s.url}/services/CallFails`, ORDER);
    assert.equal(r.status, 502);
    assert.deepEqual(JSON.parse(r.text), { code: '101503' });
  });

  it('call-template passes with-param values (static, {expression}, defaults) as $func: and get-property(func)', async () => {
    const r = await post(`${s.url}/services/Template`, ORDER);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), {
      first: 'Hello, World (IBM)',
      nested: 'Hello, inner ()',
      outerAfter: 'outer-value',
    });
  });
});
