/**
 * payloadFactory and content negotiation compared byte for byte with Micro Integrator's own integration
 * tests (wso2/micro-integrator integration/mediation-tests/tests-mediator-1, payload/factory/*TestCase.java
 * and their synapse-configs), and with Synapse's source where no test pins the output
 * (PayloadFactoryMediatorFactory, pfutils/TemplateProcessor, JsonUtil.getNewJsonPayload).
 */
import assert from 'node:assert/strict';
import { startTestServer, post, get, SYN, type TestServer } from '../../helpers/server.js';

const JSON_CT = { 'content-type': 'application/json' };
const proxy = (name: string, body: string) => `<proxy ${SYN} name="${name}" transports="http https" startOnLoad="true"><target><inSequence>${body}</inSequence><outSequence/><faultSequence/></target></proxy>`;
const api = (name: string, methods: string, body: string) =>
  `<api ${SYN} name="${name}" context="/${name}"><resource methods="${methods}"><inSequence>${body}</inSequence><outSequence/><faultSequence/></resource></api>`;

describe('payloadFactory and content negotiation as Micro Integrator answers them', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      // PayloadFactoryXMLJSONTestCase.testJsonToXMLWithDollarMarkAndLiteralTrue (pfJSONtoXMLWithDollarMarkProxy.xml)
      'proxy-services/pfJSONtoXMLWithDollarMarkProxy.xml': proxy(
        'pfJSONtoXMLWithDollarMarkProxy',
        `<property expression="json-eval($)" name="originalBody" scope="default" type="STRING"/>
            <payloadFactory media-type="xml">
                <format>
                    <root>
                        <ticketinformation>$1</ticketinformation>
                    </root>
                </format>
                <args>
                    <arg evaluator="xml" expression="get-property('originalBody')" literal="true"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testJsonToXMLWithAmpersand (pfJSONtoXMLWithAmpersandAPI.xml)
      'api/pfJSONtoXMLWithAmpersandAPI.xml': api(
        'pfJSONtoXMLWithAmpersandAPI',
        'POST',
        `<property expression="json-eval($)" name="registerCasePayload" scope="default" type="STRING"/>
            <payloadFactory media-type="xml">
                <format>
                    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
                        <soapenv:Header/>
                        <soapenv:Body>
                            <mediate xmlns="">
                                <entity_document>$1</entity_document>
                            </mediate>
                        </soapenv:Body>
                    </soapenv:Envelope>
                </format>
                <args>
                    <arg evaluator="xml" expression="get-property('registerCasePayload')" xmlns:ns="http://org.apache.synapse/xsd"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testJsonToXMLWithBackSlashes (pfJSONtoXMLWithBackSlashesAPI.xml): text/xml to a REST client is POX
      'api/pfJSONtoXMLWithBackSlashesAPI.xml': api(
        'pfJSONtoXMLWithBackSlashesAPI',
        'POST GET',
        `<property name="PAYLOAD" value="XYZ[\\]\\\\^_" scope="default"/>
            <payloadFactory media-type="xml">
                <format>
                    <text xmlns="http://ws.apache.org/commons/ns/payload">$1</text>
                </format>
                <args>
                    <arg evaluator="xml" expression="$ctx:PAYLOAD"/>
                </args>
            </payloadFactory>
            <property name="messageType" value="text/xml" scope="axis2"/>
            <respond/>`,
      ),
      // testConvertJsonStreamToXML (pfConvertJsonStreamToXML.xml)
      'api/pfConvertJsonStreamToXML.xml': api(
        'pfConvertJsonStreamToXML',
        'POST',
        `<property name="requestObject" expression="json-eval($)" scope="default" type="STRING"/>
            <payloadFactory media-type="xml">
                <format>
                    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
                        <soapenv:Body>
                            <root xmlns="">
                                <information>$1</information>
                            </root>
                        </soapenv:Body>
                    </soapenv:Envelope>
                </format>
                <args>
                    <arg evaluator="xml" expression="$ctx:requestObject"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testXMLStringWithCurlyBracketsProxy (pfXMLStringWithCurlyBracketsProxy.xml)
      'proxy-services/pfXMLStringWithCurlyBracketsProxy.xml': proxy(
        'pfXMLStringWithCurlyBracketsProxy',
        `<property name="apikey" value="{string starts with curly braces}" scope="default" type="STRING"/>
            <payloadFactory media-type="xml">
                <format>
                    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
                        <soapenv:Body>
                            <root>
                                <apikey>$1</apikey>
                            </root>
                        </soapenv:Body>
                    </soapenv:Envelope>
                </format>
                <args>
                    <arg evaluator="xml" expression="get-property('apikey')"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testXMLStringWithSquareBracketsProxy (pfXMLStringWithSquareBracketsProxy.xml)
      'proxy-services/pfXMLStringWithSquareBracketsProxy.xml': proxy(
        'pfXMLStringWithSquareBracketsProxy',
        `<property expression="json-eval($.data.address1)" name="first_address" scope="default" type="STRING"/>
            <payloadFactory media-type="xml">
                <format>
                    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
                        <soapenv:Body>
                            <soapenv:Envelope xmlns:hub="http://schemas.datacontract.org/2004/07/HubWebAPI" xmlns:tem="http://tempuri.org/">
                                <soapenv:Header/>
                                <soapenv:Body>
                                    <tem:UpdatePlayerAddress>
                                        <tem:address1>$1</tem:address1>
                                    </tem:UpdatePlayerAddress>
                                </soapenv:Body>
                            </soapenv:Envelope>
                        </soapenv:Body>
                    </soapenv:Envelope>
                </format>
                <args>
                    <arg evaluator="xml" expression="$ctx:first_address"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testComplexJSONToXML (pfConvertComplexJsonStreamToXML.xml)
      'proxy-services/pfConvertComplexJsonStreamToXML.xml': proxy(
        'pfConvertComplexJsonStreamToXML',
        `<property expression="json-eval($.testroot.callerRef)" name="callerRef" scope="default" type="STRING"/>
            <property expression="json-eval($.testroot.personNumbers)" name="personalNumbers" scope="default" type="STRING"/>
            <property expression="json-eval($.testroot.notifyServices)" name="notifyServices" scope="default" type="STRING"/>
            <payloadFactory media-type="xml">
                <format>
                    <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
                        <soapenv:Body>
                            <soapenv:Envelope>
                                <soapenv:Body>
                                    <testroot xmlns="http://www.w3.org/2005/Atom">
                                        <event>$1</event>
                                        <personNumber>$2</personNumber>
                                        <notifyServices>$3</notifyServices>
                                    </testroot>
                                </soapenv:Body>
                            </soapenv:Envelope>
                        </soapenv:Body>
                    </soapenv:Envelope>
                </format>
                <args>
                    <arg evaluator="xml" expression="$ctx:callerRef"/>
                    <arg evaluator="xml" expression="$ctx:personalNumbers"/>
                    <arg evaluator="xml" expression="$ctx:notifyServices"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testJSONToJSONConversionWithCarriageReturn (pfJSONtoJSONWithCarriageReturnAPI.xml)
      'api/pfJSONtoJSONWithCarriageReturnAPI.xml': api(
        'pfJSONtoJSONWithCarriageReturnAPI',
        'POST GET',
        `<property description="store message in property" expression="json-eval($)" name="inboundJsonPayload" scope="default" type="STRING"/>
            <payloadFactory media-type="json">
                <format>{
                    "message":{
                    "workorderjson": "$1"
                    }
                    }</format>
                <args>
                    <arg evaluator="xml" expression="$ctx:inboundJsonPayload" literal="true"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // testJSONToJSONConversion (pfJSONtoJSONAPI.xml): JSON text from an XPath argument goes in as it is
      'api/pfJSONtoJSONAPI.xml': api(
        'pfJSONtoJSONAPI',
        'POST',
        `<enrich>
                <source clone="true" type="inline">[]</source>
                <target property="testproperty" type="property"/>
            </enrich>
            <enrich>
                <source clone="true" type="body"/>
                <target action="child" property="testproperty" type="property"/>
            </enrich>
            <payloadFactory media-type="json">
                <format>{"Hello":$1}</format>
                <args>
                    <arg evaluator="xml" expression="$ctx:testproperty"/>
                </args>
            </payloadFactory>
            <respond/>`,
      ),
      // PayloadFactoryLiteralArgumentTestCase (LiteralArgumentAPI.xml)
      'api/LiteralArgumentAPI.xml': `<api ${SYN} name="LiteralArgumentAPI" context="/literal">
        <resource methods="POST" url-mapping="/true"><inSequence>
          <property name="EXTRACT" expression="json-eval($.extract)" scope="default" type="STRING"/>
          <payloadFactory media-type="json"><format>{ "payload": "$1" }</format>
            <args><arg deepCheck="false" literal="true" evaluator="xml" expression="$ctx:EXTRACT"/></args></payloadFactory>
          <respond/></inSequence></resource>
        <resource methods="POST" url-mapping="/false"><inSequence>
          <property name="EXTRACT" expression="json-eval($.extract)" scope="default" type="STRING"/>
          <payloadFactory media-type="json"><format>{ "payload": "$1" }</format>
            <args><arg deepCheck="false" literal="false" evaluator="xml" expression="$ctx:EXTRACT"/></args></payloadFactory>
          <respond/></inSequence></resource></api>`,
      // TemplateProcessor.prepareReplacementValue: a JSONPath string is escaped, never quoted; the format decides
      'api/jsonStrings.xml': api(
        'jsonStrings',
        'POST',
        `<filter source="$trp:X-Quote" regex="yes"><then><property name="QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON" value="true"/></then></filter>
         <payloadFactory media-type="json">
           <format>{"name": $1, "quoted": "$1", "n": $2, "flag": $3, "obj": $4}</format>
           <args>
             <arg evaluator="json" expression="$.name"/>
             <arg evaluator="json" expression="$.n"/>
             <arg evaluator="json" expression="$.flag"/>
             <arg evaluator="json" expression="$.obj"/>
           </args>
         </payloadFactory>
         <respond/>`,
      ),
      // JsonUtil.getNewJsonPayload: text with no '{' or '[' is not a JSON payload
      'api/notJson.xml': api('notJson', 'POST', `<payloadFactory media-type="json"><format>$1</format><args><arg evaluator="json" expression="$.name"/></args></payloadFactory><respond/>`),
      // PayloadFactoryMediatorFactory.removeIndentations: every whitespace-only text goes, a needed xmlns="" stays
      'proxy-services/Indented.xml': proxy(
        'Indented',
        `<payloadFactory media-type="xml">
           <format>
             <root>
               <keep xmlns="">
                 <blank>   </blank>
                 <sym> $1 </sym>
               </keep>
             </root>
           </format>
           <args><arg expression="//symbol"/></args>
         </payloadFactory><respond/>`,
      ),
      // content negotiation: POX in, XML out; JSON in, application/xml out; text in and out
      'proxy-services/PoxEcho.xml': proxy(
        'PoxEcho',
        `<payloadFactory media-type="xml"><format><m:got xmlns:m="urn:m"><m:sym>$1</m:sym></m:got></format><args><arg expression="//symbol"/></args></payloadFactory><respond/>`,
      ),
      'api/jsonToXml.xml': api('jsonToXml', 'POST', `<property name="messageType" value="application/xml" scope="axis2"/><respond/>`),
      'api/textIn.xml': api(
        'textIn',
        'POST',
        `<payloadFactory media-type="xml"><format><got xmlns=""><name>$1</name><ns>$2</ns><text>$3</text></got></format>
           <args><arg expression="local-name($body/*)"/><arg expression="namespace-uri($body/*)"/><arg expression="$body/*"/></args></payloadFactory>
         <property name="messageType" value="application/xml" scope="axis2"/><respond/>`,
      ),
      'api/textOut.xml': api(
        'textOut',
        'POST',
        `<payloadFactory media-type="xml"><format><text xmlns="http://ws.apache.org/commons/ns/payload">total: $1</text></format><args><arg evaluator="json" expression="$.total"/></args></payloadFactory>
         <property name="messageType" value="text/plain" scope="axis2"/><respond/>`,
      ),
    });
  });
  after(async () => {
    await s.close();
  });

  it('keeps the Synapse namespace on unprefixed format elements and drops the indentation (testJsonToXMLWithDollarMarkAndLiteralTrue)', async () => {
    // MI's test posts {"test": "test \"$\""}; json-eval($) gives the JSON as received, so a compact body is used here
    const r = await post(`${s.url}/services/pfJSONtoXMLWithDollarMarkProxy`, '{"test":"test \\"$\\""}', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.equal(r.text, '<root xmlns="http://ws.apache.org/ns/synapse"><ticketinformation>{"test":"test \\"$\\""}</ticketinformation></root>');
  });

  it('answers a JSON client with the body of an envelope format, with no xmlns="" (testJsonToXMLWithAmpersand)', async () => {
    const r = await post(`${s.url}/pfJSONtoXMLWithAmpersandAPI`, '{"test":"error &"}', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.equal(r.text, '<mediate><entity_document>{"test":"error &amp;"}</entity_document></mediate>');
  });

  it('writes text/xml to a REST client without an envelope (testJsonToXMLWithBackSlashes)', async () => {
    const r = await post(`${s.url}/pfJSONtoXMLWithBackSlashesAPI`, '', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.equal(r.text, '<text xmlns="http://ws.apache.org/commons/ns/payload">XYZ[\\]\\\\^_</text>');
  });

  it('inserts JSON text from an XPath argument into XML as escaped text (testConvertJsonStreamToXML)', async () => {
    const body = '{"location":"","parent":"","priority":"3","state":"1","number":"MN32432","impact":"2","description":"print issue"}';
    const r = await post(`${s.url}/pfConvertJsonStreamToXML`, body, JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, `<root><information>${body}</information></root>`);
  });

  it('leaves a string that starts with a brace as text (testXMLStringWithCurlyBracketsProxy)', async () => {
    const r = await post(`${s.url}/services/pfXMLStringWithCurlyBracketsProxy`, '{"test": "x"}', JSON_CT);
    assert.equal(r.text, '<root xmlns="http://ws.apache.org/ns/synapse"><apikey>{string starts with curly braces}</apikey></root>');
  });

  it('declares an inherited prefix first on an element written alone (testXMLStringWithSquareBracketsProxy)', async () => {
    const r = await post(`${s.url}/services/pfXMLStringWithSquareBracketsProxy`, '{ "data": {\n\t\t\t"address1":"[yyyy]",\n\t\t\t"address2":"xxxx"\n}\t\n}\n', JSON_CT);
    assert.equal(
      r.text,
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:hub="http://schemas.datacontract.org/2004/07/HubWebAPI" ' +
        'xmlns:tem="http://tempuri.org/"><soapenv:Header/><soapenv:Body><tem:UpdatePlayerAddress><tem:address1>[yyyy]</tem:address1></tem:UpdatePlayerAddress>' +
        '</soapenv:Body></soapenv:Envelope>',
    );
  });

  it('writes JSON arrays from properties as text into XML (testComplexJSONToXML)', async () => {
    const body = '{\n    "testroot": {\n        "caller": "Alice",\n        "callerRef": "Test",\n        "personNumbers": [\n            "860"\n        ],\n        "notifyServices":["Pager"],\n        "uuns": []\n         \n    }}';
    const r = await post(`${s.url}/services/pfConvertComplexJsonStreamToXML`, body, JSON_CT);
    assert.equal(
      r.text,
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><testroot xmlns="http://www.w3.org/2005/Atom"><event>Test</event>' +
        '<personNumber>["860"]</personNumber><notifyServices>["Pager"]</notifyServices></testroot></soapenv:Body></soapenv:Envelope>',
    );
  });

  it('sends a JSON format exactly as written, newlines included, with a literal argument escaped (testJSONToJSONConversionWithCarriageReturn)', async () => {
    const r = await post(`${s.url}/pfJSONtoJSONWithCarriageReturnAPI`, '{"CaseExchange":"workorder"}', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.equal(
      r.text,
      '{\n                    "message":{\n                    "workorderjson": "{\\"CaseExchange\\":\\"workorder\\"}"\n                    }\n                    }',
    );
  });

  it('inserts JSON text from a property as it is into a JSON format (testJSONToJSONConversion)', async () => {
    const r = await post(`${s.url}/pfJSONtoJSONAPI`, '{"test":"Hello World"}', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"Hello":[{"test":"Hello World"}]}');
  });

  it('inserts a literal XML string as text (PayloadFactoryLiteralArgumentTestCase)', async () => {
    const t = await post(`${s.url}/literal/true`, '{"extract": "<hello/>"}', JSON_CT);
    assert.equal(t.status, 200, t.text);
    assert.equal(t.text, '{ "payload": "<hello/>" }');
  });

  it('inserts a non-literal XML string as its JSON, the empty element as null, sending the invalid JSON as it is (PayloadFactoryLiteralArgumentTestCase)', async () => {
    const f = await post(`${s.url}/literal/false`, '{"extract": "<hello/>"}', JSON_CT);
    assert.equal(f.status, 200, f.text);
    // the quotes of the format make the whole invalid JSON, which MI sends unchanged
    assert.equal(f.text, '{ "payload": "{"hello":null}" }');
  });

  it('inserts JSONPath strings unquoted and escaped, or quoted under QUOTE_STRING_IN_PAYLOAD_FACTORY_JSON', async () => {
    const body = '{"name":"Ann \\"A\\"","n":12,"flag":true,"obj":{"a":[1,2]}}';
    const r = await post(`${s.url}/jsonStrings`, body, JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"name": Ann \\"A\\", "quoted": "Ann \\"A\\"", "n": 12, "flag": true, "obj": {"a":[1,2]}}');
    const q = await post(`${s.url}/jsonStrings`, body, { ...JSON_CT, 'x-quote': 'yes' });
    assert.equal(q.text, '{"name": "Ann \\"A\\"", "quoted": ""Ann \\"A\\""", "n": 12, "flag": true, "obj": {"a":[1,2]}}');
  });

  it('fails a JSON format whose output holds no { or [ (JsonUtil.getNewJsonPayload)', async () => {
    const r = await post(`${s.url}/notJson`, '{"name":"plain"}', JSON_CT);
    assert.equal(r.status, 500);
    assert.match(r.text, /Error creating JSON Payload from source plain/);
  });

  it('drops whitespace-only text of the format at deploy and keeps a needed xmlns="" (SOAP request, SOAP reply)', async () => {
    const env = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><order><symbol>IBM</symbol></order></soapenv:Body></soapenv:Envelope>';
    const r = await post(`${s.url}/services/Indented`, env, { 'content-type': 'text/xml', soapaction: 'urn:order' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.equal(
      r.text,
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
        '<root xmlns="http://ws.apache.org/ns/synapse"><keep xmlns=""><blank/><sym> IBM </sym></keep></root></soapenv:Body></soapenv:Envelope>',
    );
  });

  it('answers a POX request with plain XML, not an envelope', async () => {
    const r = await post(`${s.url}/services/PoxEcho`, '<order><symbol>IBM</symbol></order>', { 'content-type': 'application/xml' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.equal(r.text, '<m:got xmlns:m="urn:m"><m:sym>IBM</m:sym></m:got>');
  });

  it('answers a JSON request switched to application/xml with the XML of its payload, no envelope', async () => {
    const r = await post(`${s.url}/jsonToXml`, '{"order":{"symbol":"IBM"}}', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.equal(r.text, '<jsonObject><order><symbol>IBM</symbol></order></jsonObject>');
  });

  it('reads a text/plain request as Axis2 does: one <text> element of the payload namespace', async () => {
    const r = await post(`${s.url}/textIn`, 'hello <world> & all', { 'content-type': 'text/plain' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '<got><name>text</name><ns>http://ws.apache.org/commons/ns/payload</ns><text>hello &lt;world&gt; &amp; all</text></got>');
  });

  it('writes text/plain as the text of the <text> element (PlainTextFormatter)', async () => {
    const r = await post(`${s.url}/textOut`, '{"total":42}', JSON_CT);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^text\/plain/);
    assert.equal(r.text, 'total: 42');
  });

  it('answers a GET with XML built by a payloadFactory without an envelope', async () => {
    const r = await get(`${s.url}/pfJSONtoXMLWithBackSlashesAPI`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '<text xmlns="http://ws.apache.org/commons/ns/payload">XYZ[\\]\\\\^_</text>');
  });
});
