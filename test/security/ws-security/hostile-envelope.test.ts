/**
 * A SOAP Envelope with 100 000 attributes sent to a WS-Security proxy, over real HTTP: the request gets the
 * WS-Security fault it deserves, and the server keeps answering other callers meanwhile (reading the
 * attributes is linear; it used to block the event loop for half a minute).
 */
import assert from 'node:assert/strict';
import { post, startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { ECHO_WSDL, echoProxy, UT_PLAIN } from './fixtures.js';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const ATTRIBUTES = 100_000;

function floodedEnvelope(extraAttribute = ''): string {
  let attrs = '';
  for (let i = 0; i < ATTRIBUTES; i++) attrs += ` a${i}="v"`;
  return `<soapenv:Envelope xmlns:soapenv="${SOAP11}"${attrs}${extraAttribute}><soapenv:Body><e:echo xmlns:e="urn:test:echo"><e:text>x</e:text></e:echo></soapenv:Body></soapenv:Envelope>`;
}

describe('WS-Security proxy under an attribute flood', function () {
  this.timeout(60_000);
  let s: TestServer;

  before(async () => {
    s = await startTestServer({
      'local-entries/UTPlain.xml': UT_PLAIN,
      'local-entries/echo_wsdl.xml': ECHO_WSDL,
      'proxy-services/Plain.xml': echoProxy('Plain', 'UTPlain'),
      'proxy-services/Innocent.xml': `<proxy ${SYN} name="Innocent"><target><inSequence><payloadFactory media-type="xml"><format><ok xmlns="">yes</ok></format><args/></payloadFactory><respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s?.close();
  });

  /** Calls the innocent proxy over and over until `attack` settles; returns the slowest answer in ms. */
  async function innocentWhile(attack: Promise<unknown>): Promise<{ slowest: number; calls: number }> {
    let done = false;
    void attack.finally(() => (done = true));
    let slowest = 0;
    let calls = 0;
    while (!done) {
      const t = performance.now();
      const r = await post(`${s.url}/services/Innocent`, '<x/>', { 'content-type': 'application/xml' });
      slowest = Math.max(slowest, performance.now() - t);
      calls++;
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /<ok[^>]*>yes<\/ok>/);
    }
    return { slowest, calls };
  }

  function faultOf(text: string): { code?: string; reason?: string } {
    return { code: /<faultcode[^>]*>([^<]+)</.exec(text)?.[1], reason: /<faultstring>([^<]+)</.exec(text)?.[1] };
  }

  it('100 000 distinct attributes: the missing Security header is reported, and another proxy answers within a second meanwhile', async () => {
    const attack = post(`${s.url}/services/Plain`, floodedEnvelope());
    const innocent = await innocentWhile(attack);
    const r = await attack;
    assert.equal(r.status, 500, r.text.slice(0, 500));
    const f = faultOf(r.text);
    assert.equal(f.code, 'wsse:InvalidSecurity');
    assert.match(f.reason!, /Missing wsse:Security header/);
    assert.ok(innocent.calls >= 1, 'no innocent request ran while the flood was read');
    assert.ok(innocent.slowest < 1000, `an innocent request waited ${innocent.slowest.toFixed(0)} ms`);
  });

  it('100 000 attributes and a duplicate at the end: a malformed-envelope fault naming it', async () => {
    const attack = post(`${s.url}/services/Plain`, floodedEnvelope(' a7="again"'));
    const innocent = await innocentWhile(attack);
    const r = await attack;
    assert.equal(r.status, 500, r.text.slice(0, 500));
    const f = faultOf(r.text);
    assert.equal(f.code, 'wsse:InvalidSecurity');
    assert.match(f.reason!.replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>'), /not well-formed: attribute 'a7' appears twice on <soapenv:Envelope>/);
    assert.ok(innocent.slowest < 1000, `an innocent request waited ${innocent.slowest.toFixed(0)} ms`);
  });
});
