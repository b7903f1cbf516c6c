import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const bodyOf = (env: string) => /<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '';
const XS = 'xmlns:xs="http://www.w3.org/2001/XMLSchema"';

/** on-fail answers what the fault sequence of a user would look at: ERROR_MESSAGE and ERROR_DETAIL. */
const ON_FAIL = `<on-fail>
    <payloadFactory media-type="json"><format>{"message":"$1","detail":"$2"}</format>
      <args><arg expression="get-property('ERROR_MESSAGE')"/><arg expression="get-property('ERROR_DETAIL')"/></args></payloadFactory>
    <property name="HTTP_SC" value="400" scope="axis2"/><respond/></on-fail>`;
const proxy = (name: string, validate: string) =>
  `<proxy ${SYN} name="${name}"><target><inSequence>${validate}<property name="X-Valid" value="yes" scope="transport"/><respond/></inSequence></target></proxy>`;

const ORDER_XSD = `<xs:schema ${XS} targetNamespace="urn:orders" xmlns="urn:orders" elementFormDefault="qualified">
  <xs:include schemaLocation="types/common.xsd"/>
  <xs:element name="order"><xs:complexType><xs:sequence>
    <xs:element name="symbol" type="symbolType"/><xs:element name="qty" type="xs:positiveInteger"/>
  </xs:sequence></xs:complexType></xs:element></xs:schema>`;
const COMMON_XSD = `<xs:schema ${XS} targetNamespace="urn:orders" xmlns="urn:orders" elementFormDefault="qualified">
  <xs:simpleType name="symbolType"><xs:restriction base="xs:string"><xs:pattern value="[A-Z]{1,5}"/></xs:restriction></xs:simpleType></xs:schema>`;
const CUSTOMER_XSD = `<xs:schema ${XS} targetNamespace="urn:customers" elementFormDefault="qualified">
  <xs:element name="customer" type="xs:string"/></xs:schema>`;

describe('validate mediator over HTTP', function () {
  this.timeout(60_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/order_xsd.xml': `<localEntry ${SYN} key="order_xsd">${ORDER_XSD}</localEntry>`,
      'local-entries/common_xsd.xml': `<localEntry ${SYN} key="common_xsd">${COMMON_XSD}</localEntry>`,
      'local-entries/customer_xsd.xml': `<localEntry ${SYN} key="customer_xsd">${CUSTOMER_XSD}</localEntry>`,
      'proxy-services/Orders.xml': proxy('Orders', `<validate><schema key="order_xsd"/><resource location="types/common.xsd" key="common_xsd"/><feature name="http://javax.xml.XMLConstants/feature/secure-processing" value="true"/>${ON_FAIL}</validate>`),
      'proxy-services/Inner.xml': proxy('Inner', `<validate source="//o:order" xmlns:o="urn:orders"><schema key="order_xsd"/><resource location="types/common.xsd" key="common_xsd"/>${ON_FAIL}</validate>`),
      'proxy-services/Missing.xml': proxy('Missing', `<validate source="//missing"><schema key="customer_xsd"/>${ON_FAIL}</validate>`),
      'proxy-services/TwoSchemas.xml': proxy('TwoSchemas', `<validate source="//*[local-name()='customer']"><schema key="customer_xsd"/><schema key="order_xsd"/><resource location="types/common.xsd" key="common_xsd"/>${ON_FAIL}</validate>`),
      'proxy-services/Dynamic.xml': proxy('Dynamic', `<validate><schema key="{//@schema}"/>${ON_FAIL}</validate>`),
      'local-entries/bad_xsd.xml': `<localEntry ${SYN} key="bad_xsd"><xs:schema ${XS}><xs:element name="a" type="noSuchType"/></xs:schema></localEntry>`,
      'proxy-services/BadSchema.xml': proxy('BadSchema', `<validate><schema key="bad_xsd"/>${ON_FAIL}</validate>`),
      'proxy-services/NoOnFail.xml': proxy('NoOnFail', `<validate><schema key="customer_xsd"/></validate>`),
    });
  });
  after(() => s.close());

  it('lets a valid message through', async () => {
    const msg = '<order xmlns="urn:orders"><symbol>IBM</symbol><qty>5</qty></order>';
    const r = await post(`${s.url}/services/Orders`, soap11(msg));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-valid'), 'yes');
    assert.equal(bodyOf(r.text), msg);
  });

  it('runs on-fail with every problem in ERROR_MESSAGE, each ending in a newline, as Synapse joins them', async () => {
    const r = await post(`${s.url}/services/Orders`, soap11('<order xmlns="urn:orders"><symbol>ibm</symbol><qty>0</qty><extra/></order>'));
    assert.equal(r.status, 400);
    assert.equal(r.headers.get('x-valid'), null);
    const body = JSON.parse(r.text) as { message: string; detail: string };
    assert.equal(
      body.message,
      "Element '{urn:orders}symbol': [facet 'pattern'] The value 'ibm' is not accepted by the pattern '[A-Z]{1,5}'.\n" +
        "Element '{urn:orders}qty': '0' is not a valid value of the atomic type 'xs:positiveInteger'.\n" +
        "Element '{urn:orders}extra': This element is not expected.\n",
    );
    assert.equal(body.detail, "Element '{urn:orders}extra': This element is not expected.");
  });

  it('validates the element `source` selects, and sends a source that selects nothing to on-fail', async () => {
    const ok = await post(`${s.url}/services/Inner`, soap11('<wrap><order xmlns="urn:orders"><symbol>SUN</symbol><qty>1</qty></order></wrap>'));
    assert.equal(ok.headers.get('x-valid'), 'yes');
    const missing = await post(`${s.url}/services/Missing`, soap11('<wrap/>'));
    assert.equal(missing.status, 400);
    assert.equal((JSON.parse(missing.text) as { message: string }).message, 'Error occurred while accessing source element: //missing');
  });

  it('validates against several schemas at once, and against a schema named by a dynamic key', async () => {
    const r = await post(`${s.url}/services/TwoSchemas`, soap11('<c:customer xmlns:c="urn:customers">Ann</c:customer>'));
    assert.equal(r.headers.get('x-valid'), 'yes');
    const d = await post(`${s.url}/services/Dynamic`, soap11('<c:customer xmlns:c="urn:customers" schema="customer_xsd">Ann</c:customer>'));
    assert.equal(d.headers.get('x-valid'), null, 'the attribute is not in the schema');
    assert.equal((JSON.parse(d.text) as { message: string }).message, "Element '{urn:customers}customer', attribute 'schema': The attribute 'schema' is not allowed.\n");
  });

  it('refuses at deploy a schema that is not valid, and a validate without on-fail', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /BadSchema\.xml:\d+:\d+.*MI_ART_052.*schema 'bad_xsd' is not valid: element decl\. 'a', attribute 'type': The QName value 'noSuchType' does not resolve to a\(n\) type definition\./);
    assert.match(logged, /NoOnFail\.xml:\d+:\d+.*A non-empty <on-fail> child element is required/);
    const r = await post(`${s.url}/services/BadSchema`, soap11('<a/>'));
    assert.notEqual(r.status, 200);
  });
});
