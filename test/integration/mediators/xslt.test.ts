import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const bodyOf = (env: string) => /<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '';
const bench = (name: string) => readFileSync(path.join(process.cwd(), 'bench', 'scenarios', 'local-entries', `${name}.xml`), 'utf8');

const FAULT_JSON = `<faultSequence>
  <payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format>
    <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory>
  <property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence>`;
const proxy = (name: string, inSeq: string) => `<proxy ${SYN} name="${name}"><target><inSequence>${inSeq}</inSequence>${FAULT_JSON}</target></proxy>`;
const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';

const ORDERS = '<m:skcotSyub xmlns:m="http://services.samples/xsd"><redro><lobmys>IBM</lobmys><DIreyub>b1</DIreyub><ecirp>140.5</ecirp><emulov>10</emulov></redro><redro><lobmys>SUN</lobmys><DIreyub>b2</DIreyub><ecirp>3.5</ecirp><emulov>20</emulov></redro></m:skcotSyub>';

describe('xslt mediator over HTTP', function () {
  this.timeout(120_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/xslt_transform.xml': bench('xslt_transform'),
      'local-entries/xslt_transform_reverse.xml': bench('xslt_transform_reverse'),
      'proxy-services/Bench.xml': proxy('Bench', `<xslt key="xslt_transform"/><respond/>`),
      'proxy-services/RoundTrip.xml': proxy('RoundTrip', `<xslt key="xslt_transform"/><xslt key="xslt_transform_reverse"/><respond/>`),
      'local-entries/params.xml': `<localEntry ${SYN} key="params"><xsl:stylesheet version="1.0" ${XSL}>
          <xsl:param name="greeting"/><xsl:param name="who"/>
          <xsl:template match="/"><greeting xmlns=""><xsl:value-of select="concat($greeting, ', ', $who, ' (', name(/*), ')')"/></greeting></xsl:template>
        </xsl:stylesheet></localEntry>`,
      'proxy-services/Params.xml': proxy(
        'Params',
        `<xslt key="params" source="//inner">
            <property name="greeting" value="Hello"/>
            <property name="who" expression="//name"/>
            <feature name="http://ws.apache.org/ns/synapse/transform/feature/dom" value="true"/>
          </xslt><respond/>`,
      ),
      'proxy-services/Target.xml': proxy(
        'Target',
        `<xslt key="params" target="greetingXml"><property name="greeting" value="Hi"/><property name="who" value="you"/></xslt>
         <property name="X-Greeting" expression="$ctx:greetingXml" scope="transport"/><respond/>`,
      ),
      'local-entries/common.xml': `<localEntry ${SYN} key="common"><xsl:stylesheet version="2.0" ${XSL}>
          <xsl:template name="stamp"><stamp xmlns="">imported</stamp></xsl:template>
        </xsl:stylesheet></localEntry>`,
      'local-entries/main_with_import.xml': `<localEntry ${SYN} key="main_with_import"><xsl:stylesheet version="2.0" ${XSL}>
          <xsl:import href="lib/common.xsl"/>
          <xsl:template match="/"><out xmlns=""><xsl:call-template name="stamp"/><n><xsl:value-of select="count(//*)"/></n></out></xsl:template>
        </xsl:stylesheet></localEntry>`,
      'proxy-services/Import.xml': proxy('Import', `<xslt key="main_with_import"><resource location="lib/common.xsl" key="common"/></xslt><respond/>`),
      'proxy-services/Dynamic.xml': proxy('Dynamic', `<property name="xsl" expression="//@use"/><xslt key="{$ctx:xsl}"/><respond/>`),
      'local-entries/text_out.xml': `<localEntry ${SYN} key="text_out"><xsl:stylesheet version="2.0" ${XSL}>
          <xsl:output method="text"/><xsl:template match="/">total=<xsl:value-of select="sum(//ecirp)"/></xsl:template>
        </xsl:stylesheet></localEntry>`,
      'proxy-services/Text.xml': proxy('Text', `<xslt key="text_out"/><respond/>`),
      'local-entries/terminates.xml': `<localEntry ${SYN} key="terminates"><xsl:stylesheet version="2.0" ${XSL}>
          <xsl:template match="/"><xsl:message terminate="yes">order refused</xsl:message></xsl:template>
        </xsl:stylesheet></localEntry>`,
      'proxy-services/Terminates.xml': proxy('Terminates', `<xslt key="terminates"/><respond/>`),
      'proxy-services/NoSource.xml': proxy('NoSource', `<xslt key="params" source="//missing"/><respond/>`),
      'local-entries/broken.xml': `<localEntry ${SYN} key="broken"><xsl:stylesheet version="2.0" ${XSL}>
          <xsl:template match="/"><xsl:value-of select="1 +"/></xsl:template>
        </xsl:stylesheet></localEntry>`,
      'proxy-services/Broken.xml': proxy('Broken', `<xslt key="broken"/><respond/>`),
    });
  });
  after(() => s.close());

  it("transforms with the bench's stylesheet as Micro Integrator (Saxon) does", async () => {
    const r = await post(`${s.url}/services/Bench`, soap11(ORDERS));
    assert.equal(r.status, 200);
    assert.equal(
      bodyOf(r.text),
      '<m:buyStocks xmlns:m="http://services.samples/xsd"><order><symbol>IBM</symbol><buyerID>b1</buyerID><price>140.5</price><volume>10</volume></order><order><symbol>SUN</symbol><buyerID>b2</buyerID><price>3.5</price><volume>20</volume></order></m:buyStocks>',
    );
    const back = await post(`${s.url}/services/RoundTrip`, soap11(ORDERS));
    // a literal result element carries the stylesheet's in-scope namespaces (xmlns:soapenv here), as XSLT says
    assert.equal(
      bodyOf(back.text),
      ORDERS.replace(/m:/g, 'm0:').replace('xmlns:m=', 'xmlns:m0=').replace('"http://services.samples/xsd">', '"http://services.samples/xsd" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'),
    );
  });

  it('passes <property> values and expressions as parameters and transforms the node `source` selects', async () => {
    const r = await post(`${s.url}/services/Params`, soap11('<req><name>World</name><inner><x/></inner><after/></req>'));
    assert.equal(r.status, 200);
    assert.equal(bodyOf(r.text), '<req><name>World</name><greeting>Hello, World (inner)</greeting><after/></req>');
  });

  it('puts the result in the `target` property instead of the message', async () => {
    const r = await post(`${s.url}/services/Target`, soap11('<req/>'));
    assert.equal(r.headers.get('x-greeting'), 'Hi, you (req)');
    assert.equal(bodyOf(r.text), '<req/>');
  });

  it('resolves xsl:import through <resource location key>', async () => {
    const r = await post(`${s.url}/services/Import`, soap11('<a><b/></a>'));
    assert.equal(bodyOf(r.text), '<out><stamp>imported</stamp><n>2</n></out>');
  });

  it('compiles a dynamic key on first use and caches it', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await post(`${s.url}/services/Dynamic`, soap11(`<m:skcotSyub xmlns:m="http://services.samples/xsd" use="xslt_transform"/>`));
      assert.equal(bodyOf(r.text), '<m:buyStocks xmlns:m="http://services.samples/xsd"/>');
    }
    const missing = await post(`${s.url}/services/Dynamic`, soap11(`<x use="nope"/>`));
    assert.deepEqual(JSON.parse(missing.text), { code: 'MI_MED_052', message: 'Error creating XSLT transformer using : {$ctx:xsl}' });
  });

  it('wraps a text result as Axis2 wraps text', async () => {
    const r = await post(`${s.url}/services/Text`, soap11(ORDERS));
    assert.equal(bodyOf(r.text), '<text xmlns="http://ws.apache.org/commons/ns/payload">total=144</text>');
  });

  it('a stylesheet error at run time runs the fault sequence with ERROR_MESSAGE as Micro Integrator sets it', async () => {
    const r = await post(`${s.url}/services/Terminates`, soap11('<a/>'));
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.text), { code: 'MI_MED_052', message: 'Error performing XSLT transformation using : terminates' });
    assert.ok(s.logLines.some((l) => l.message === 'xsl:message (terminates): order refused'), 'xsl:message goes to the log');
    const n = await post(`${s.url}/services/NoSource`, soap11('<a/>'));
    assert.deepEqual(JSON.parse(n.text), { code: 'MI_MED_052', message: 'The evaluation of the XPath expression //missing did not result in an OMNode : []' });
  });

  it('refuses at deploy a stylesheet that does not compile', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /Broken\.xml:\d+:\d+.*MI_ART_051.*stylesheet 'broken' does not compile: .*XPST0003/);
    const r = await post(`${s.url}/services/Broken`, soap11('<a/>'));
    assert.notEqual(r.status, 200);
  });
});
