/**
 * JSON as Micro Integrator handles it, through real HTTP: numbers keep every digit through json-eval, filters,
 * enrich, the log and back out; an XML backend's answer turned into JSON gives MI's bytes; JSON turned into
 * XML gives MI's XML (MI integration tests EI4638JsontoXMLwithAttributePairsTestCase and
 * TestJSONtoXMLwithUnicodeCharacters).
 */
import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../helpers/server.js';

const JSON_TYPE = '<property name="messageType" value="application/json" scope="axis2"/>';
const XML_TYPE = '<property name="messageType" value="application/xml" scope="axis2"/>';

/** The sample of MI's "Converting a payload between XML and JSON" documentation, and the JSON MI writes for it. */
const COORDINATES_XML = `<coordinates>
    <location>
        <name>Bermuda Triangle</name>
        <n>25.0000</n>
        <w>71.0000</w>
    </location>
    <location>
        <name>Eiffel Tower</name>
        <n>48.8582</n>
        <e>2.2945</e>
    </location>
</coordinates>`;
const COORDINATES_JSON = '{"coordinates":{"location":[{"name":"Bermuda Triangle","n":25.0000,"w":71.0000},{"name":"Eiffel Tower","n":48.8582,"e":2.2945}]}}';

/** Synapse's BuilderFormatterTest: MI's XML form of {"type":"Polygon","coordinates":[[[...]]]} (nested arrays). */
const POLYGON_XML =
  '<jsonObject><type>Polygon</type><?xml-multiple  coordinates?><coordinates><jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.0865381</jsonElement><jsonElement>-8.608804</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.127196</jsonElement><jsonElement>-8.554822</jsonElement></jsonArray></jsonElement></jsonArray></coordinates></jsonObject>';
const POLYGON_JSON = '{"type":"Polygon","coordinates":[[[116.0865381,-8.608804],[116.127196,-8.554822]]]}';

describe('JSON numbers and conversions as Micro Integrator', function () {
  this.timeout(30_000);
  let s: TestServer;
  let echo: Backend;
  let xmlBackend: Backend;
  before(async () => {
    echo = await startBackend();
    xmlBackend = await startBackend((req, _body, res) => {
      if (req.url === '/polygon') {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(POLYGON_XML);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8' });
      res.end(soap11(COORDINATES_XML));
    });
    s = await startTestServer({
      'api/Numbers.xml': `<api ${SYN} name="Numbers" context="/numbers">
        <resource methods="POST" uri-template="/through"><inSequence>
          <log level="full"/>
          <property name="id" expression="json-eval($.id)"/>
          <property name="priceXPath" expression="//price"/>
          <log level="custom"><property name="id" expression="$ctx:id"/><property name="priceXPath" expression="$ctx:priceXPath"/></log>
          <filter source="json-eval($.price)" regex="1\\.50">
            <then><enrich><source type="inline" clone="true">{"note":"added","rate":0.10}</source><target type="custom" action="child" xpath="json-eval($.items)"/></enrich></then>
            <else><respond/></else>
          </filter>
          <send><endpoint><address uri="${echo.url}/echo"/></endpoint></send>
        </inSequence><outSequence>
          <filter source="json-eval($.items[?(@.cost &gt; 10)].sku)" regex=".*a.*">
            <then><enrich><source type="inline" clone="true">{"checked":true,"total":21.00}</source><target type="custom" action="child" xpath="json-eval($)"/></enrich></then>
          </filter>
          <send/>
        </outSequence></resource>
        <resource methods="POST" uri-template="/coordinates"><inSequence><call><endpoint><address uri="${xmlBackend.url}/soap"/></endpoint></call>${JSON_TYPE}<respond/></inSequence></resource>
        <resource methods="POST" uri-template="/polygon"><inSequence><call><endpoint><http method="get" uri-template="${xmlBackend.url}/polygon"/></endpoint></call>${JSON_TYPE}<respond/></inSequence></resource>
        <resource methods="POST" uri-template="/toxml"><inSequence><filter xpath="true()"><then>${XML_TYPE}</then></filter><respond/></inSequence></resource>
        <resource methods="POST" uri-template="/pf"><inSequence>
          <payloadFactory media-type="xml"><format><r xmlns=""><id>$1</id><price>$2</price><all>$3</all></r></format><args>
            <arg evaluator="json" expression="$.id"/><arg expression="//price"/><arg evaluator="json" expression="$.items[0].cost"/>
          </args></payloadFactory><respond/></inSequence></resource>
        <resource methods="POST" uri-template="/pfjson"><inSequence>
          <payloadFactory media-type="json"><format>{"id":$1,"price":$2,"item":$3}</format><args>
            <arg evaluator="json" expression="$.id"/><arg expression="//price"/><arg evaluator="json" expression="$.items[0]"/>
          </args></payloadFactory><respond/></inSequence></resource>
      </api>`,
    });
  });
  after(async () => {
    await s.close();
    await echo.close();
    await xmlBackend.close();
  });

  it('keeps 12345678901234567890 and 1.50 through json-eval, XPath, a filter, enrich, the log, the backend and back', async () => {
    const body = '{"id":12345678901234567890,"price":1.50,"items":[{"sku":"a","cost":10.50}],"e":1e5,"z":-0}';
    const r = await post(`${s.url}/numbers/through`, body, { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    // enrich rewrote the JSON on the way in (the filter on json-eval matched "1.50") and on the way out
    const sent = '{"id":12345678901234567890,"price":1.50,"items":[{"sku":"a","cost":10.50},{"note":"added","rate":0.10}],"e":1e5,"z":-0}';
    assert.equal(echo.requests.at(-1)!.body, sent);
    assert.equal(r.text, sent.slice(0, -1) + ',"checked":true,"total":21.00}');
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /Payload: \{"id":12345678901234567890,"price":1\.50,/);
    assert.match(logged, /id = 12345678901234567890/);
    assert.match(logged, /priceXPath = 1\.50/);
  });

  it('writes an XML backend answer as JSON byte for byte as MI does (25.0000 stays 25.0000)', async () => {
    const r = await post(`${s.url}/numbers/coordinates`, '{}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.text, COORDINATES_JSON);
  });

  it('turns MI\'s XML form of nested arrays back into the JSON it came from', async () => {
    const r = await post(`${s.url}/numbers/polygon`, '{}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, POLYGON_JSON);
  });

  it('writes JSON as MI\'s XML: "@key" attributes wherever they stand (EI4638), digits kept, no xml-multiple', async () => {
    let r = await post(`${s.url}/numbers/toxml`, '{"@type": "string", "content": "data", "@source": "user"}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '<jsonObject type="string" source="user"><content>data</content></jsonObject>');
    r = await post(`${s.url}/numbers/toxml`, '{"id":12345678901234567890,"p":[1.50,2.0],"n":null,"$x":1}', { 'content-type': 'application/json' });
    assert.equal(r.text, '<jsonObject><id>12345678901234567890</id><p>1.50</p><p>2.0</p><n/><_JsonReader_PS_x>1</_JsonReader_PS_x></jsonObject>');
  });

  it('writes control characters of a JSON string as \\uXXXX text in XML (TestJSONtoXMLwithUnicodeCharacters)', async () => {
    const request = '{\n    "response":"\u0011\u0012Test With UTF-8 char at the beginning"\n  }';
    const r = await post(`${s.url}/numbers/toxml`, request, { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '<jsonObject><response>\\u0011\\u0012Test With UTF-8 char at the beginning</response></jsonObject>');
  });

  it('gives payloadFactory arguments the numbers\' text from JSONPath and from XPath on the JSON', async () => {
    const r = await post(`${s.url}/numbers/pf`, '{"id":12345678901234567890,"price":1.50,"items":[{"cost":10.50}]}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    // (the root element's namespace handling is payloadFactory's own; the digits are what this checks)
    assert.match(r.text, /<id>12345678901234567890<\/id><price>1\.50<\/price><all>10\.50<\/all><\/r>$/);
  });

  it('writes a JSON payloadFactory whose arguments are numbers with every digit', async () => {
    const r = await post(`${s.url}/numbers/pfjson`, '{"id":12345678901234567890,"price":1.50,"items":[{"cost":10.50,"n":-0}]}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"id":12345678901234567890,"price":1.50,"item":{"cost":10.50,"n":-0}}');
  });
});
