/**
 * The xslt mediator on untouched messages reads the payload element from the bytes and writes the result
 * back into them (no message DOM); with a `source`, or after a change, it works on the DOM. Both routes
 * must give the same message.
 */
import assert from 'node:assert/strict';
import { startTestServer, post, SYN, type TestServer } from '../../helpers/server.js';

const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const FAULT_JSON = `<faultSequence>
  <payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format>
    <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory>
  <property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence>`;
const proxy = (name: string, inSeq: string) => `<proxy ${SYN} name="${name}"><target><inSequence>${inSeq}</inSequence>${FAULT_JSON}</target></proxy>`;

/** Copies everything, and stamps the root with the number of elements it saw. */
const IDENTITY = `<xsl:stylesheet version="2.0" ${XSL}>
  <xsl:template match="@* | node()"><xsl:copy><xsl:apply-templates select="@* | node()"/></xsl:copy></xsl:template>
  <xsl:template match="/*"><xsl:copy><xsl:attribute name="seen" select="count(//*)"/><xsl:apply-templates select="@* | node()"/></xsl:copy></xsl:template>
</xsl:stylesheet>`;
const TWO_ROOTS = `<xsl:stylesheet version="2.0" ${XSL}><xsl:template match="/"><a/><b/></xsl:template></xsl:stylesheet>`;

const bodyOf = (env: string) => /<(?:soapenv|s):Body>([\s\S]*)<\/(?:soapenv|s):Body>/.exec(env)?.[1] ?? '';

describe('xslt mediator: the bytes route and the DOM route', function () {
  this.timeout(120_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/identity.xml': `<localEntry ${SYN} key="identity">${IDENTITY}</localEntry>`,
      'local-entries/two_roots.xml': `<localEntry ${SYN} key="two_roots">${TWO_ROOTS}</localEntry>`,
      'proxy-services/Bytes.xml': proxy('Bytes', `<xslt key="identity"/><respond/>`),
      // the same node through `source`: the DOM route
      'proxy-services/Dom.xml': proxy('Dom', `<xslt key="identity" source="//*[local-name()='Body']/*[1]"/><respond/>`),
      'proxy-services/TwoRoots.xml': proxy('TwoRoots', `<xslt key="two_roots"/><respond/>`),
    });
  });
  after(() => s.close());

  const both = async (env: string, contentType = 'text/xml'): Promise<[string, string]> => {
    const a = await post(`${s.url}/services/Bytes`, env, { 'content-type': contentType });
    const b = await post(`${s.url}/services/Dom`, env, { 'content-type': contentType });
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 200, b.text);
    return [a.text, b.text];
  };

  it('gives the DOM route\'s payload, with the namespaces the envelope declared declared where they are used', async () => {
    const env =
      `<soapenv:Envelope xmlns:soapenv="${S11}" xmlns:o="urn:orders" xmlns:unused="urn:unused"><soapenv:Body>` +
      `<o:order o:id="7" xml:lang="en"><o:line qty="2">A &amp; B &lt;c&gt;</o:line><!-- note --><?pi some data?><plain xmlns="urn:d"><x/></plain><![CDATA[<raw>]]>tail</o:order>` +
      `</soapenv:Body></soapenv:Envelope>`;
    const [bytes, dom] = await both(env);
    assert.equal(bodyOf(bytes), bodyOf(dom));
    assert.equal(
      bodyOf(bytes),
      '<o:order xmlns:o="urn:orders" seen="4" o:id="7" xml:lang="en"><o:line qty="2">A &amp; B &lt;c&gt;</o:line><!-- note --><?pi some data?><plain xmlns="urn:d"><x/></plain>&lt;raw&gt;tail</o:order>',
    );
  });

  it('leaves the rest of the envelope as it arrived, byte for byte, when it reads the bytes', async () => {
    const env = `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope  xmlns:soapenv='${S11}'>\n <soapenv:Header><h   a='1'/></soapenv:Header>\n <soapenv:Body><p/><second/></soapenv:Body>\n</soapenv:Envelope>`;
    const [bytes, dom] = await both(env);
    assert.equal(bytes, env.replace('<p/>', '<p seen="1"/>'));
    assert.equal(bodyOf(dom), '<p seen="1"/><second/>');
  });

  it('transforms SOAP 1.2 and POX messages from their bytes as well', async () => {
    const env12 = `<s:Envelope xmlns:s="${S12}"><s:Body><q xmlns="urn:q"><r/></q></s:Body></s:Envelope>`;
    const [b12, d12] = await both(env12, 'application/soap+xml');
    assert.equal(bodyOf(b12), '<q xmlns="urn:q" seen="2"><r/></q>');
    assert.equal(bodyOf(b12), bodyOf(d12));
    const pox = await post(`${s.url}/services/Bytes`, '<?xml version="1.0"?><order><id>1</id></order>', { 'content-type': 'application/xml' });
    assert.equal(pox.status, 200);
    assert.equal(pox.headers.get('content-type'), 'application/xml');
    assert.equal(pox.text, '<?xml version="1.0"?><order seen="2"><id>1</id></order>');
  });

  it('leaves to the DOM what the bytes reader cannot be sure of: a default namespace around the payload, another charset', async () => {
    const dflt = `<soapenv:Envelope xmlns:soapenv="${S11}" xmlns="urn:around"><soapenv:Body><p><c/></p></soapenv:Body></soapenv:Envelope>`;
    const [bytes, dom] = await both(dflt);
    assert.equal(bodyOf(bytes), bodyOf(dom));
    assert.match(bodyOf(bytes), /^<p xmlns="urn:around" seen="2"><c\/><\/p>$/);
    const latin = Buffer.from(`<soapenv:Envelope xmlns:soapenv="${S11}"><soapenv:Body><p>caf\u00e9</p></soapenv:Body></soapenv:Envelope>`, 'latin1');
    const r = await fetch(`${s.url}/services/Bytes`, { method: 'POST', body: latin, headers: { 'content-type': 'text/xml; charset=ISO-8859-1' } });
    const text = Buffer.from(await r.arrayBuffer()).toString('latin1');
    assert.equal(r.status, 200);
    assert.equal(bodyOf(text), '<p seen="1">caf\u00e9</p>');
  });

  it('faults a result that is not one element, whichever way the payload was read', async () => {
    const r = await post(`${s.url}/services/TwoRoots`, `<soapenv:Envelope xmlns:soapenv="${S11}"><soapenv:Body><p/></soapenv:Body></soapenv:Envelope>`);
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.text), { code: 'MI_MED_052', message: 'Error performing XSLT transformation using : two_roots' });
  });
});
