/**
 * Declared charsets through real HTTP: bodies are read in the charset they declare (HTTP parameter, XML
 * declaration, byte order mark) and changed messages leave as bytes in the charset their Content-Type names.
 */
import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { startTestServer, SYN, type TestServer } from '../helpers/server.js';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';

/** POSTs raw bytes; returns the raw reply bytes with status and content type. */
async function send(url: string, body: Buffer, contentType: string): Promise<{ status: number; contentType: string; bytes: Buffer }> {
  const r = await fetch(url, { method: 'POST', body: body as unknown as BodyInit, headers: { 'content-type': contentType } });
  return { status: r.status, contentType: r.headers.get('content-type') ?? '', bytes: Buffer.from(await r.arrayBuffer()) };
}

/** The reply's text, read in the charset its Content-Type names, after checking the bytes are valid in it. */
function textOf(r: { contentType: string; bytes: Buffer }): string {
  const m = /charset=([^;\s]+)/i.exec(r.contentType);
  assert.ok(m, `no charset in ${r.contentType}`);
  const cs = m[1]!.toUpperCase();
  if (cs === 'UTF-8') {
    assert.ok(isUtf8(r.bytes), 'not UTF-8');
    return r.bytes.toString('utf8');
  }
  if (cs === 'US-ASCII') assert.ok(r.bytes.every((b) => b < 0x80), 'not ASCII');
  else assert.equal(cs, 'ISO-8859-1');
  return r.bytes.toString('latin1');
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const envelope = (body: string, decl = ''): string => `${decl}<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

describe('declared charsets', function () {
  this.timeout(30_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'api/Cs.xml': `<api ${SYN} name="Cs" context="/cs">
        <resource methods="POST" uri-template="/echo"><inSequence>
          <payloadFactory media-type="xml"><format><echo><name>$1</name><euro>€</euro></echo></format><args><arg expression="//name"/></args></payloadFactory>
          <respond/></inSequence></resource>
        <resource methods="POST" uri-template="/ascii"><inSequence>
          <payloadFactory media-type="xml"><format><echo><name>$1</name></echo></format><args><arg expression="//name"/></args></payloadFactory>
          <property name="messageType" value="application/xml; charset=US-ASCII" scope="axis2"/>
          <respond/></inSequence></resource>
        <resource methods="POST" uri-template="/header"><inSequence>
          <header name="t:seen" xmlns:t="urn:t" value="yes"/>
          <respond/></inSequence></resource>
        <resource methods="POST" uri-template="/json"><inSequence>
          <payloadFactory media-type="json"><format>{"got":"$1"}</format><args><arg evaluator="json" expression="$.name"/></args></payloadFactory>
          <respond/></inSequence></resource>
        <resource methods="POST" uri-template="/text"><inSequence>
          <payloadFactory media-type="text"><format>got $1</format><args><arg expression="//text()"/></args></payloadFactory>
          <respond/></inSequence></resource>
      </api>`,
    });
  });
  after(() => s.close());

  it('charset=ISO-8859-1 on a SOAP request: é is byte 0xE9, and the reply is ISO-8859-1 with € as a reference', async () => {
    const r = await send(`${s.url}/cs/echo`, latin1(envelope('<name>José</name>')), 'text/xml; charset=ISO-8859-1');
    assert.equal(r.status, 200, r.bytes.toString());
    assert.match(r.contentType, /^text\/xml; charset=ISO-8859-1$/i);
    assert.ok(r.bytes.includes(0xe9));
    const t = textOf(r);
    assert.match(t, /<name>José<\/name>/);
    assert.match(t, /<euro>&#x20AC;<\/euro>/);
  });

  it('an XML encoding declaration is honoured without an HTTP charset, and the reply says UTF-8', async () => {
    const r = await send(`${s.url}/cs/echo`, latin1('<?xml version="1.0" encoding="ISO-8859-1"?><req><name>Ångström</name></req>'), 'application/xml');
    assert.equal(r.status, 200, r.bytes.toString());
    assert.match(r.contentType, /^application\/xml; charset=UTF-8$/i);
    const t = textOf(r);
    assert.match(t, /<name>Ångström<\/name>/);
    assert.match(t, /<euro>€<\/euro>/);
  });

  it('a kept XML declaration is rewritten to the charset the reply is in', async () => {
    const r = await send(`${s.url}/cs/header`, latin1(envelope('<name>José</name>', '<?xml version="1.0" encoding="ISO-8859-1"?>')), 'text/xml');
    assert.equal(r.status, 200, r.bytes.toString());
    assert.match(r.contentType, /charset=UTF-8/i);
    const t = textOf(r);
    assert.match(t, /^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    assert.match(t, /<name>José<\/name>/);
    assert.match(t, /<t:seen xmlns:t="urn:t">yes<\/t:seen>/);
  });

  it('a byte order mark decides UTF-16', async () => {
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<req><name>日本</name></req>', 'utf16le')]);
    const r = await send(`${s.url}/cs/echo`, body, 'application/xml');
    assert.equal(r.status, 200, r.bytes.toString());
    assert.match(textOf(r), /<name>日本<\/name>/);
  });

  it('a charset declared for output by messageType is used, with references for what it cannot hold', async () => {
    const r = await send(`${s.url}/cs/ascii`, Buffer.from('<req><name>José 日本</name></req>'), 'application/xml; charset=UTF-8');
    assert.equal(r.status, 200, r.bytes.toString());
    assert.match(r.contentType, /^application\/xml; charset=US-ASCII$/i);
    assert.match(textOf(r), /<name>Jos&#xE9; &#x65E5;&#x672C;<\/name>/);
  });

  it('JSON in ISO-8859-1 and windows-1252 is decoded before JSONPath sees it', async () => {
    const a = await send(`${s.url}/cs/json`, latin1('{"name":"José"}'), 'application/json; charset=ISO-8859-1');
    assert.equal(a.status, 200, a.bytes.toString());
    assert.equal(JSON.parse(textOf(a)).got, 'José');
    const b = await send(`${s.url}/cs/json`, Buffer.from([...Buffer.from('{"name":"'), 0x80, ...Buffer.from('"}')]), 'application/json; charset=windows-1252');
    assert.equal(b.status, 200, b.bytes.toString());
    assert.equal(JSON.parse(textOf(b)).got, '€');
  });

  it('text in ISO-8859-1 is read in it', async () => {
    const r = await send(`${s.url}/cs/text`, latin1('café'), 'text/plain; charset=ISO-8859-1');
    assert.equal(r.status, 200, r.bytes.toString());
    assert.equal(textOf(r), 'got café');
  });

  it('an unknown charset is 415 MI_REQ_006; bytes invalid in the charset are 400 MI_REQ_007', async () => {
    const u = await send(`${s.url}/cs/echo`, Buffer.from('<req><name>x</name></req>'), 'application/xml; charset=klingon');
    assert.equal(u.status, 415);
    assert.equal(JSON.parse(u.bytes.toString()).code, 'MI_REQ_006');
    const bad = await send(`${s.url}/cs/echo`, Buffer.from([...Buffer.from('<req><name>'), 0xc3, 0x28, ...Buffer.from('</name></req>')]), 'application/xml');
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.bytes.toString()).code, 'MI_REQ_007');
    const badJson = await send(`${s.url}/cs/json`, Buffer.from([...Buffer.from('{"name":"'), 0xff, ...Buffer.from('"}')]), 'application/json');
    assert.equal(badJson.status, 400);
    assert.equal(JSON.parse(badJson.bytes.toString()).code, 'MI_REQ_007');
  });
});
