import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const ORDER = soap11('<order><symbol>IBM</symbol><qty>12</qty></order>');
const proxy = (name: string, body: string) => `<proxy ${SYN} name="${name}"><target><inSequence>${body}<respond/></inSequence></target></proxy>`;
const bodyOf = (env: string) => (/<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '').replace(/ xmlns=""/g, '');

describe('enrich over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'proxy-services/ToProperty.xml': proxy(
        'ToProperty',
        `<enrich><source type="custom" clone="true" xpath="//order/symbol"/><target type="property" property="sym"/></enrich>
         <enrich><source type="body" clone="true"/><target type="property" property="wholeBody"/></enrich>
         <payloadFactory media-type="xml"><format><r xmlns=""><sym>$1</sym><copy>$2</copy></r></format><args><arg expression="$ctx:sym"/><arg expression="$ctx:wholeBody"/></args></payloadFactory>`,
      ),
      'proxy-services/PropertyToBody.xml': proxy(
        'PropertyToBody',
        `<property name="saved" type="OM" expression="$body/order"/>
         <payloadFactory media-type="xml"><format><temp xmlns="">x</temp></format><args/></payloadFactory>
         <enrich><source type="property" property="saved"/><target type="body"/></enrich>`,
      ),
      'proxy-services/InlineChild.xml': proxy(
        'InlineChild',
        `<enrich><source type="inline" clone="true"><status xmlns="">accepted</status></source><target action="child" xpath="//order"/></enrich>`,
      ),
      'proxy-services/InlineSibling.xml': proxy(
        'InlineSibling',
        `<enrich><source type="inline"><note xmlns="">after symbol</note></source><target action="sibling" xpath="//order/symbol"/></enrich>`,
      ),
      'proxy-services/Move.xml': proxy(
        'Move',
        `<enrich><source type="custom" clone="false" xpath="//order/qty"/><target action="child" xpath="//order/moved"/></enrich>`,
      ),
      'proxy-services/TextReplace.xml': proxy(
        'TextReplace',
        `<property name="newQty" value="99"/>
         <enrich><source type="property" property="newQty"/><target xpath="//order/qty"/></enrich>`,
      ),
      'proxy-services/JsonEnrich.xml': proxy(
        'JsonEnrich',
        `<enrich><source type="custom" xpath="json-eval($.order.customer)"/><target type="property" property="cust"/></enrich>
         <enrich><source type="inline" clone="true">"shipped"</source><target xpath="json-eval($.order.status)"/></enrich>
         <enrich><source type="inline" clone="true">{"audit":{"by":"mi"}}</source><target type="body" action="child"/></enrich>
         <enrich><source type="property" property="cust"/><target xpath="json-eval($.copy)"/></enrich>`,
      ),
    });
  });
  after(async () => {
    await s.close();
  });

  it('copies an XPath selection into a property (text and whole body)', async () => {
    const r = await post(`${s.url}/services/ToProperty`, ORDER);
    assert.equal(r.status, 200, r.text);
    assert.equal(bodyOf(r.text), '<r><sym>IBM</sym><copy><order><symbol>IBM</symbol><qty>12</qty></order></copy></r>');
  });

  it('puts an XML property back as the body', async () => {
    const r = await post(`${s.url}/services/PropertyToBody`, ORDER);
    assert.equal(r.status, 200, r.text);
    assert.equal(bodyOf(r.text), '<order><symbol>IBM</symbol><qty>12</qty></order>');
  });

  it('adds inline XML as a child of the target', async () => {
    const r = await post(`${s.url}/services/InlineChild`, ORDER);
    assert.equal(bodyOf(r.text), '<order><symbol>IBM</symbol><qty>12</qty><status>accepted</status></order>');
  });

  it('adds inline XML as a sibling after the target', async () => {
    const r = await post(`${s.url}/services/InlineSibling`, ORDER);
    assert.equal(bodyOf(r.text), '<order><symbol>IBM</symbol><note>after symbol</note><qty>12</qty></order>');
  });

  it('moves the source nodes with clone="false"', async () => {
    const r = await post(`${s.url}/services/Move`, soap11('<order><symbol>IBM</symbol><qty>12</qty><moved/></order>'));
    assert.equal(bodyOf(r.text), '<order><symbol>IBM</symbol><moved><qty>12</qty></moved></order>');
  });

  it('replaces the text of the target element with a string property', async () => {
    const r = await post(`${s.url}/services/TextReplace`, ORDER);
    assert.equal(bodyOf(r.text), '<order><symbol>IBM</symbol><qty>99</qty></order>');
  });

  it('enriches a JSON body with JSONPath sources and targets, staying JSON', async () => {
    const r = await post(`${s.url}/services/JsonEnrich`, JSON.stringify({ order: { symbol: 'IBM', customer: { id: 7 } } }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(JSON.parse(r.text), {
      order: { symbol: 'IBM', customer: { id: 7 }, status: 'shipped' },
      audit: { by: 'mi' },
      copy: { id: 7 },
    });
  });
});
