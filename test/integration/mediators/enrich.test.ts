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
         <enrich><source type="inline" clone="true">{"status":"shipped"}</source><target action="child" xpath="json-eval($.order)"/></enrich>
         <enrich><source type="inline" clone="true">{"audit":{"by":"mi"}}</source><target action="child" xpath="json-eval($)"/></enrich>
         <enrich><source type="custom" xpath="json-eval($.order.symbol)"/><target type="property" property="sym"/></enrich>
         <property name="X-Symbol" expression="$ctx:sym" scope="transport"/>
         <enrich><source type="property" property="cust"/><target xpath="json-eval($.order.customer)"/></enrich>`,
      ),
      'proxy-services/JsonMissingTarget.xml': proxy(
        'JsonMissingTarget',
        `<enrich><source type="inline">"shipped"</source><target xpath="json-eval($.order.status)"/></enrich>`,
      ),
      'proxy-services/PropertyArrayChild.xml': proxy(
        'PropertyArrayChild',
        `<property name="items" expression="json-eval($.items)"/>
         <enrich><source type="inline">{"sku":"c"}</source><target type="property" property="items" action="child"/></enrich>
         <enrich><source type="custom" xpath="json-eval($.extra)"/><target type="property" property="items" action="child"/></enrich>
         <enrich><source type="custom" xpath="json-eval($.pair)"/><target type="property" property="items" action="child"/></enrich>
         <enrich><source type="property" property="items"/><target type="body"/></enrich>`,
      ),
      'proxy-services/JsonArrayRefusals.xml': proxy(
        'JsonArrayRefusals',
        `<property name="obj" expression="json-eval($.customer)"/>
         <enrich><source type="inline">{"sku":"c"}</source><target type="property" property="obj" action="child"/></enrich>
         <enrich><source type="inline">{"sku":"c"}</source><target type="property" property="unset" action="child"/></enrich>
         <enrich><source type="inline">{"sku":"c"}</source><target type="property" property="obj" action="sibling"/></enrich>
         <enrich><source type="inline">{"sku":"c"}</source><target type="body" action="child"/></enrich>
         <enrich><source type="inline">"text"</source><target type="body"/></enrich>
         <enrich><source type="inline">{"sku":"c"}</source><target action="child" xpath="json-eval($.extra)"/></enrich>
         <enrich><source type="inline">{"sku":"c"}</source><target action="sibling" xpath="json-eval($.items)"/></enrich>
         <enrich><source type="property" property="obj"/><target action="child" xpath="json-eval($.customer)"/></enrich>`,
      ),
      'proxy-services/JsonPathArrayChild.xml': proxy(
        'JsonPathArrayChild',
        `<enrich><source type="inline">{"sku":"c"}</source><target action="child" xpath="json-eval($.items)"/></enrich>
         <enrich><source type="custom" xpath="json-eval($.pair)"/><target action="child" xpath="json-eval($.items)"/></enrich>
         <enrich><source type="custom" clone="false" xpath="json-eval($.extra)"/><target action="child" xpath="json-eval($.items)"/></enrich>
         <enrich><source type="inline">["z"]</source><target xpath="json-eval($.pair)"/></enrich>`,
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

  const ITEMS = JSON.stringify({ items: [{ sku: 'a' }, { sku: 'b' }], extra: 'x', pair: [1, 2], customer: { id: 7 } });
  const postJson = (name: string, body: string) => post(`${s.url}/services/${name}`, body, { 'content-type': 'application/json' });

  it('enriches a JSON body with JSONPath sources and targets, staying JSON; a string in a property keeps its JSON quotes', async () => {
    const r = await postJson('JsonEnrich', JSON.stringify({ order: { symbol: 'IBM', customer: { id: 7 } } }));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.equal(r.text, '{"order":{"symbol":"IBM","customer":{"id":7},"status":"shipped"},"audit":{"by":"mi"}}');
    assert.equal(r.headers.get('x-symbol'), '"IBM"', 'Synapse keeps the JSON string, quotes included');
  });

  it('replacing through a JSONPath that matches nothing is a fault, as in Micro Integrator (nothing is added)', async () => {
    const r = await postJson('JsonMissingTarget', JSON.stringify({ order: { symbol: 'IBM' } }));
    assert.equal(r.status, 500);
    assert.match(r.text, /json-eval\(\$\.order\.status\) matches nothing/);
  });

  it('action="child" onto a property holding a JSON array appends the source (an object, a string, an array as one element)', async () => {
    const r = await postJson('PropertyArrayChild', ITEMS);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '[{"sku":"a"},{"sku":"b"},{"sku":"c"},"x",[1,2]]');
  });

  it('what Micro Integrator refuses with a logged error leaves the message as it was (MI_MED_004), never a fault', async () => {
    const before = s.logLines.length;
    const r = await postJson('JsonArrayRefusals', ITEMS);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"items":[{"sku":"a"},{"sku":"b"}],"extra":"x","pair":[1,2],"customer":{"id":7}}', 'the body is unchanged');
    const refused = s.logLines.slice(before).filter((l) => l.level === 'ERROR' && l.message.startsWith('MI_MED_004'));
    assert.equal(refused.length, 7, refused.map((l) => l.message).join('\n'));
    assert.ok(refused.some((l) => /property 'obj': it does not hold a JSON array/.test(l.message)));
    assert.ok(refused.some((l) => /property 'unset': it is not set/.test(l.message)));
    assert.ok(refused.some((l) => /"child" is not supported for a JSON body target/.test(l.message)));
    assert.ok(refused.some((l) => /only a JSON object or array can replace the body/.test(l.message)));
    assert.ok(refused.some((l) => /cannot add a child to json-eval\(\$\.extra\)/.test(l.message)));
  });

  it('action="child" onto a JSONPath array appends; clone="false" takes the source out of the payload first', async () => {
    const r = await postJson('JsonPathArrayChild', ITEMS);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '{"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"},[1,2],"x"],"pair":["z"],"customer":{"id":7}}');
  });
});
