import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const bench = (name: string) => readFileSync(path.join(process.cwd(), 'bench', 'scenarios', 'local-entries', `${name}.xml`), 'utf8');
const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';
const FAULT_JSON = `<faultSequence>
  <payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format>
    <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory>
  <property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence>`;
const proxy = (name: string, inSeq: string) => `<proxy ${SYN} name="${name}"><target><inSequence>${inSeq}</inSequence>${FAULT_JSON}</target></proxy>`;

const BUY = '<m:buyStocks xmlns:m="http://services.samples/xsd"><order><symbol>IBM</symbol><buyerID>b1</buyerID><price>140.5</price><volume>10</volume></order></m:buyStocks>';
/** The root the stylesheet sees, and how many elements the message has: what "the whole message" means. */
const SUMMARY = `<xsl:stylesheet version="2.0" ${XSL}><xsl:output method="xml" omit-xml-declaration="yes"/>
  <xsl:template match="/"><summary xmlns="" root="{local-name(/*)}" elements="{count(//*)}"/></xsl:template></xsl:stylesheet>`;

describe('fastXSLT mediator over HTTP', function () {
  this.timeout(120_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/fastxslt_transform.xml': bench('fastxslt_transform'),
      'local-entries/fastxslt_transform_reverse.xml': bench('fastxslt_transform_reverse'),
      'local-entries/summary.xml': `<localEntry ${SYN} key="summary">${SUMMARY}</localEntry>`,
      'local-entries/broken.xml': `<localEntry ${SYN} key="broken"><xsl:stylesheet version="2.0" ${XSL}><xsl:template match="/"><xsl:value-of select="1 +"/></xsl:template></xsl:stylesheet></localEntry>`,
      'proxy-services/Enhanced.xml': proxy('Enhanced', `<fastXSLT key="fastxslt_transform_reverse"/><respond/>`),
      'proxy-services/RoundTrip.xml': proxy('RoundTrip', `<fastXSLT key="fastxslt_transform_reverse"/><fastXSLT key="fastxslt_transform"/><respond/>`),
      'proxy-services/Summary.xml': proxy('Summary', `<fastXSLT key="summary"/><respond/>`),
      'proxy-services/Dynamic.xml': proxy('Dynamic', `<fastXSLT key="{$trp:X-Stylesheet}"/><respond/>`),
      'proxy-services/AfterChange.xml': proxy('AfterChange', `<payloadFactory media-type="xml"><format><changed xmlns=""><a/><b/></changed></format><args/></payloadFactory><fastXSLT key="summary"/><respond/>`),
      'proxy-services/WithSource.xml': proxy('WithSource', `<fastXSLT key="summary"><property name="p" value="v"/></fastXSLT><respond/>`),
      'proxy-services/Broken.xml': proxy('Broken', `<fastXSLT key="broken"/><respond/>`),
    });
  });
  after(() => s.close());

  it('transforms the whole envelope and writes what the serializer wrote (the bench stylesheets, indent="yes")', async () => {
    const r = await post(`${s.url}/services/Enhanced`, soap11(BUY));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/xml');
    // the identity template copied the envelope itself; the payload was rewritten, indented
    assert.match(r.text, /^<soapenv:Envelope xmlns:soapenv="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/">\s*<soapenv:Body>\s*<m0:skcotSyub xmlns:m0="http:\/\/services\.samples\/xsd"[^>]*>\s*<redro>\s*<lobmys>IBM<\/lobmys>/);
    assert.ok(!r.text.startsWith('<?xml'), 'omit-xml-declaration="yes"');
    const back = await post(`${s.url}/services/RoundTrip`, soap11(BUY));
    assert.equal(back.status, 200);
    assert.match(back.text.replace(/>\s+</g, '><'), /<soapenv:Body><m:buyStocks xmlns:m="http:\/\/services\.samples\/xsd"[^>]*><order><symbol>IBM<\/symbol><buyerID>b1<\/buyerID><price>140\.5<\/price><volume>10<\/volume><\/order><\/m:buyStocks><\/soapenv:Body>/);
  });

  it('takes the message as it is on the wire: the envelope for SOAP, the document for POX; the content type stays', async () => {
    const soap = await post(`${s.url}/services/Summary`, soap11(BUY, '<h xmlns="urn:h"/>'));
    assert.equal(soap.text, '<summary root="Envelope" elements="10"/>');
    assert.equal(soap.headers.get('content-type'), 'text/xml');
    const pox = await post(`${s.url}/services/Summary`, BUY, { 'content-type': 'application/xml' });
    assert.equal(pox.text, '<summary root="buyStocks" elements="6"/>');
    assert.equal(pox.headers.get('content-type'), 'application/xml');
  });

  it('resolves a dynamic key per message', async () => {
    const r = await post(`${s.url}/services/Dynamic`, soap11(BUY), { 'X-Stylesheet': 'summary' });
    assert.equal(r.text, '<summary root="Envelope" elements="8"/>');
    const missing = await post(`${s.url}/services/Dynamic`, soap11(BUY), { 'X-Stylesheet': 'nope' });
    // FastXSLTMediator names the key it resolved (XSLTMediator the key as written)
    assert.deepEqual(JSON.parse(missing.text), { code: 'MI_MED_052', message: 'Error creating XSLT transformer using : nope' });
  });

  it('sees the current message after a change (Micro Integrator reads the bytes that arrived)', async () => {
    const r = await post(`${s.url}/services/AfterChange`, soap11(BUY));
    assert.equal(r.text, '<summary root="Envelope" elements="5"/>');
  });

  it('faults a JSON message as Micro Integrator does: the stream is not XML', async () => {
    const r = await post(`${s.url}/services/Summary`, '{"a":1}', { 'content-type': 'application/json' });
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.text), { code: 'MI_MED_052', message: 'Error while transforming the Stream ' });
  });

  it('warns about children it ignores, and refuses a stylesheet that does not compile at deploy', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /WithSource\.xml:\d+:\d+.*<property> is ignored in <fastXSLT>/);
    assert.match(logged, /Broken\.xml:\d+:\d+.*MI_ART_051.*stylesheet 'broken' does not compile/);
    const r = await post(`${s.url}/services/WithSource`, soap11(BUY));
    assert.equal(r.text, '<summary root="Envelope" elements="8"/>');
  });
});
