/**
 * WS-Addressing as Micro Integrator handles it: the request's wsa headers are read when a content-aware step
 * builds the message (RelayUtils.processAddressing) and set To, Action, MessageID, ReplyTo, From, FaultTo and
 * RelatesTo; a built message leaves without them (MessageHelper.removeAddressingHeaders) unless
 * PRESERVE_WS_ADDRESSING is true; <enableAddressing/> on an endpoint writes new ones as Axis2's
 * AddressingOutHandler does. A recording backend on loopback shows the exact bytes that arrived.
 */
import assert from 'node:assert/strict';
import { post, soap11, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../helpers/server.js';
import { parse } from '../endpoints/helpers.js';

const WSA = 'http://www.w3.org/2005/08/addressing';
const WSA04 = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const ENV = 'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';

const echoFields = `<payloadFactory media-type="json"><format>{"to":"$1","action":"$2","id":"$3","replyTo":"$4","from":"$5","faultTo":"$6","relatesTo":"$7"}</format><args>
  <arg expression="get-property('To')"/><arg expression="get-property('Action')"/><arg expression="get-property('MessageID')"/>
  <arg expression="get-property('ReplyTo')"/><arg expression="get-property('From')"/><arg expression="get-property('FaultTo')"/>
  <arg expression="get-property('RelatesTo')"/></args></payloadFactory>`;

function wsaHeaders(ns: string, to: string, extra = ''): string {
  return `<wsa:To xmlns:wsa="${ns}">${to}</wsa:To><wsa:MessageID xmlns:wsa="${ns}">urn:uuid:client-1</wsa:MessageID><wsa:Action xmlns:wsa="${ns}">urn:getQuote</wsa:Action>${extra}`;
}

describe('WS-Addressing', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(soap11('<ok/>'));
    });
    const ep = (extra = ''): string => `<endpoint><address uri="${backend.url}/svc">${extra}</address></endpoint>`;
    const proxy = (name: string, inSeq: string): [string, string] => [`proxy-services/${name}.xml`, `<proxy ${SYN} name="${name}"><target><inSequence>${inSeq}</inSequence><outSequence><send/></outSequence></target></proxy>`];
    s = await startTestServer(
      Object.fromEntries([
        proxy('Fields', `<log level="full"/>${echoFields}<respond/>`),
        proxy('Pass', `<header name="X-To" scope="transport" expression="get-property('To')"/><send>${ep()}</send>`),
        proxy('Built', `<log level="full"/><header name="X-To" scope="transport" expression="get-property('To')"/><send>${ep()}</send>`),
        proxy('Preserve', `<log level="full"/><property name="PRESERVE_WS_ADDRESSING" value="true"/><send>${ep()}</send>`),
        proxy('Smart', `<log level="full"/><send/>`),
        proxy('Pinned', `<header name="To" value="${backend.url}/pinned"/><log level="full"/><send/>`),
        proxy('Final', `<send>${ep('<enableAddressing/>')}</send>`),
        proxy('Submission', `<send>${ep('<enableAddressing version="submission"/>')}</send>`),
        proxy('HeaderFields', `<header name="ReplyTo" value="http://client.example/reply"/><header name="From" value="http://client.example/from"/>
          <header name="FaultTo" value="http://client.example/fault"/><header name="RelatesTo" value="urn:uuid:earlier"/><header name="MessageID" value="urn:uuid:mine"/>
          ${echoFields}<respond/>`),
        proxy('HeaderOut', `<header name="ReplyTo" value="http://client.example/reply"/><header name="RelatesTo" value="urn:uuid:earlier"/><send>${ep('<enableAddressing/>')}</send>`),
      ]),
    );
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  const last = (): Backend['requests'][number] => backend.requests[backend.requests.length - 1]!;

  it('the 2005/08 headers of a built request set To, Action, MessageID, ReplyTo, From, FaultTo and RelatesTo', async () => {
    const extra = `<wsa:ReplyTo xmlns:wsa="${WSA}"><wsa:Address>http://client.example/reply</wsa:Address></wsa:ReplyTo><wsa:From xmlns:wsa="${WSA}"><wsa:Address>http://client.example/from</wsa:Address></wsa:From><wsa:FaultTo xmlns:wsa="${WSA}"><wsa:Address>http://client.example/fault</wsa:Address></wsa:FaultTo><wsa:RelatesTo xmlns:wsa="${WSA}">urn:uuid:earlier</wsa:RelatesTo>`;
    const r = await post(`${s.url}/services/Fields`, soap11('<a/>', wsaHeaders(WSA, 'http://backend.example/svc', extra)));
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), {
      to: 'http://backend.example/svc',
      action: 'urn:getQuote',
      id: 'urn:uuid:client-1',
      replyTo: 'http://client.example/reply',
      from: 'http://client.example/from',
      faultTo: 'http://client.example/fault',
      relatesTo: 'urn:uuid:earlier',
    });
  });

  it('the 2004/08 submission namespace is read the same way', async () => {
    const r = await post(`${s.url}/services/Fields`, soap11('<a/>', wsaHeaders(WSA04, 'http://backend.example/svc')), { SOAPAction: '"urn:getQuote"' });
    assert.deepEqual(JSON.parse(r.text), { to: 'http://backend.example/svc', action: 'urn:getQuote', id: 'urn:uuid:client-1', replyTo: '', from: '', faultTo: '', relatesTo: '' });
  });

  it('without wsa headers To is the request path and the other fields are empty', async () => {
    const r = await post(`${s.url}/services/Fields`, soap11('<a/>'), { SOAPAction: 'urn:x' });
    const j = JSON.parse(r.text) as Record<string, string>;
    assert.equal(j.to, '/services/Fields');
    assert.equal(j.action, 'urn:x');
    assert.match(j.id!, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.deepEqual([j.replyTo, j.from, j.faultTo, j.relatesTo], ['', '', '', '']);
  });

  it('a request that is never built passes through with its wsa headers, unread (To stays the request path)', async () => {
    const body = soap11('<a/>', wsaHeaders(WSA, 'http://backend.example/svc'));
    const r = await post(`${s.url}/services/Pass`, body);
    assert.equal(r.status, 200);
    assert.equal(last().headers['x-to'], '/services/Pass');
    assert.equal(last().body, body);
  });

  it('a built request leaves without its wsa headers, keeping the other header blocks', async () => {
    const r = await post(`${s.url}/services/Built`, soap11('<a/>', `<t:trace xmlns:t="urn:t">1</t:trace>${wsaHeaders(WSA04, 'http://backend.example/svc')}`));
    assert.equal(r.status, 200);
    assert.equal(last().headers['x-to'], 'http://backend.example/svc');
    assert.equal(last().body, `<soapenv:Envelope ${ENV}><soapenv:Header><t:trace xmlns:t="urn:t">1</t:trace></soapenv:Header><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>`);
    assert.equal(last().headers.soapaction, '"urn:getQuote"');
  });

  it('PRESERVE_WS_ADDRESSING=true keeps them', async () => {
    const body = soap11('<a/>', wsaHeaders(WSA, 'http://backend.example/svc'));
    await post(`${s.url}/services/Preserve`, body);
    assert.equal(last().body, body);
  });

  it('send without an endpoint goes to the wsa:To of a built request (an emptied Header is written empty)', async () => {
    const r = await post(`${s.url}/services/Smart`, soap11('<a/>', wsaHeaders(WSA, `${backend.url}/smart`)));
    assert.equal(r.status, 200);
    assert.equal(last().url, '/smart');
    assert.equal(last().body, `<soapenv:Envelope ${ENV}><soapenv:Header/><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>`);
  });

  it('a To set by the header mediator before the body is read wins over the request\'s wsa:To', async () => {
    await post(`${s.url}/services/Pinned`, soap11('<a/>', wsaHeaders(WSA, `${backend.url}/smart`)));
    assert.equal(last().url, '/pinned');
  });

  it('a wsa:Action that differs from the SOAPAction is refused when the message is built (ActionMismatch)', async () => {
    const r = await post(`${s.url}/services/Fields`, soap11('<a/>', wsaHeaders(WSA, 'http://backend.example/svc')), { SOAPAction: '"urn:other"' });
    assert.equal(r.status, 500);
    assert.match(r.text, /Error while building message\. A header representing a Message Addressing Property is not valid and the message cannot be processed/);
  });

  it('<enableAddressing/> writes wsa:To, wsa:MessageID and wsa:Action in the 2005/08 namespace, declared on the Header', async () => {
    const r = await post(`${s.url}/services/Final`, soap11('<a/>'), { SOAPAction: '"urn:getQuote"' });
    assert.equal(r.status, 200);
    const m = /<wsa:MessageID>(urn:uuid:[0-9a-f-]{36})<\/wsa:MessageID>/.exec(last().body);
    assert.ok(m, last().body);
    assert.equal(
      last().body,
      `<soapenv:Envelope ${ENV}><soapenv:Header xmlns:wsa="${WSA}"><wsa:To>${backend.url}/svc</wsa:To><wsa:MessageID>${m[1]}</wsa:MessageID><wsa:Action>urn:getQuote</wsa:Action></soapenv:Header><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>`,
    );
    assert.equal(last().headers.soapaction, '"urn:getQuote"');
  });

  it('<enableAddressing/> replaces the client\'s wsa headers with new ones (new MessageID), keeping its ReplyTo', async () => {
    const reply = `<wsa:ReplyTo xmlns:wsa="${WSA}"><wsa:Address>http://client.example/reply</wsa:Address></wsa:ReplyTo>`;
    await post(`${s.url}/services/Final`, soap11('<a/>', wsaHeaders(WSA, 'http://backend.example/svc', reply)), { SOAPAction: '"urn:getQuote"' });
    const m = /<wsa:MessageID>(urn:uuid:[0-9a-f-]{36})<\/wsa:MessageID>/.exec(last().body);
    assert.ok(m, last().body);
    assert.notEqual(m[1], 'urn:uuid:client-1');
    assert.equal(
      last().body,
      `<soapenv:Envelope ${ENV}><soapenv:Header xmlns:wsa="${WSA}"><wsa:To>${backend.url}/svc</wsa:To><wsa:ReplyTo><wsa:Address>http://client.example/reply</wsa:Address></wsa:ReplyTo><wsa:MessageID>${m[1]}</wsa:MessageID><wsa:Action>urn:getQuote</wsa:Action></soapenv:Header><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>`,
    );
  });

  it('version="submission": the 2004/08 namespace, with an anonymous ReplyTo', async () => {
    await post(`${s.url}/services/Submission`, soap11('<a/>'), { SOAPAction: 'urn:getQuote' });
    const m = /<wsa:MessageID>(urn:uuid:[0-9a-f-]{36})<\/wsa:MessageID>/.exec(last().body);
    assert.ok(m, last().body);
    assert.equal(
      last().body,
      `<soapenv:Envelope ${ENV}><soapenv:Header xmlns:wsa="${WSA04}"><wsa:To>${backend.url}/svc</wsa:To><wsa:ReplyTo><wsa:Address>${WSA04}/role/anonymous</wsa:Address></wsa:ReplyTo><wsa:MessageID>${m[1]}</wsa:MessageID><wsa:Action>urn:getQuote</wsa:Action></soapenv:Header><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>`,
    );
  });

  it('the header mediator sets ReplyTo, From, FaultTo, RelatesTo and MessageID', async () => {
    const r = await post(`${s.url}/services/HeaderFields`, soap11('<a/>'));
    assert.deepEqual(JSON.parse(r.text), {
      to: '/services/HeaderFields',
      action: '',
      id: 'urn:uuid:mine',
      replyTo: 'http://client.example/reply',
      from: 'http://client.example/from',
      faultTo: 'http://client.example/fault',
      relatesTo: 'urn:uuid:earlier',
    });
  });

  it('fields set by the header mediator go out as wsa headers of an endpoint with enableAddressing', async () => {
    await post(`${s.url}/services/HeaderOut`, soap11('<a/>'), { SOAPAction: '"urn:getQuote"' });
    const m = /<wsa:MessageID>(urn:uuid:[0-9a-f-]{36})<\/wsa:MessageID>/.exec(last().body);
    assert.ok(m, last().body);
    assert.equal(
      last().body,
      `<soapenv:Envelope ${ENV}><soapenv:Header xmlns:wsa="${WSA}"><wsa:To>${backend.url}/svc</wsa:To><wsa:ReplyTo><wsa:Address>http://client.example/reply</wsa:Address></wsa:ReplyTo><wsa:MessageID>${m[1]}</wsa:MessageID><wsa:Action>urn:getQuote</wsa:Action><wsa:RelatesTo>urn:uuid:earlier</wsa:RelatesTo></soapenv:Header><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>`,
    );
  });

  it('refuses an unknown addressing version and a separate listener at deploy', () => {
    const errs = (xml: string): string[] =>
      parse(xml)
        .ctx.diagnostics.filter((d) => d.severity === 'error')
        .map((d) => `${d.code} ${d.message}`);
    assert.match(errs('<endpoint><address uri="http://h/x"><enableAddressing version="2004"/></address></endpoint>')[0] ?? '', /^MI_ART_007 Unknown value for the addressing version/);
    assert.match(errs('<endpoint><address uri="http://h/x"><enableAddressing separateListener="true"/></address></endpoint>')[0] ?? '', /^MI_ART_012 /);
    assert.deepEqual(errs('<endpoint><default><enableAddressing version="final" separateListener="false"/></default></endpoint>'), []);
  });
});
