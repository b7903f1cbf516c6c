/**
 * validate with a JSON schema, as Micro Integrator does it (its ValidateMediator's JSON branch, and the
 * examples and integration tests of its documentation: StockQuoteSchema.json, ERROR_MESSAGE and ERROR_DETAIL).
 */
import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const STOCK_QUOTE = JSON.stringify({
  $schema: 'http://json-schema.org/draft-04/schema#',
  type: 'object',
  properties: {
    getQuote: {
      type: 'object',
      properties: { request: { type: 'object', properties: { symbol: { type: 'string' } }, required: ['symbol'] } },
      required: ['request'],
    },
  },
  required: ['getQuote'],
});
/** No $schema: draft 4, as in Micro Integrator. */
const ORDER = JSON.stringify({
  type: 'object',
  required: ['id', 'lines'],
  properties: {
    id: { type: 'string', pattern: '^[A-Z][\\w\\-]*$' },
    price: { type: 'number', maximum: 100, exclusiveMaximum: true },
    lines: { type: 'array', minItems: 1, items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' }, qty: { type: 'integer' } } } },
    kind: { enum: ['retail', 'trade'] },
    contact: { anyOf: [{ type: 'string', format: 'email' }, { type: 'object', required: ['phone'] }] },
  },
  additionalProperties: false,
});
const DRAFT7 = JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { v: { const: 2 } } });

/** on-fail answers what a user's fault handling would look at, as Micro Integrator's documentation does. */
const ON_FAIL = `<on-fail>
    <payloadFactory media-type="json"><format>{"Error":"$1","Error Details":"$2"}</format>
      <args><arg evaluator="xml" expression="$ctx:ERROR_MESSAGE"/><arg evaluator="xml" expression="$ctx:ERROR_DETAIL"/></args></payloadFactory>
    <property name="HTTP_SC" value="500" scope="axis2"/><respond/></on-fail>`;
const FAULT_JSON = `<faultSequence>
  <payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format>
    <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory>
  <property name="HTTP_SC" value="502" scope="axis2"/><respond/></faultSequence>`;
const proxy = (name: string, validate: string) =>
  `<proxy ${SYN} name="${name}"><target><inSequence>${validate}<property name="X-Valid" value="yes" scope="transport"/><respond/></inSequence>${FAULT_JSON}</target></proxy>`;
const entry = (key: string, json: string) => `<localEntry ${SYN} key="${key}"><![CDATA[${json}]]></localEntry>`;
const XSD = `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:string"/></xs:schema>`;

const JSON_CT = { 'content-type': 'application/json' };

describe('validate mediator with JSON schemas over HTTP', function () {
  this.timeout(60_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/StockQuoteSchema.xml': entry('StockQuoteSchema', STOCK_QUOTE),
      'local-entries/order_schema.xml': entry('order_schema', ORDER),
      'local-entries/draft7_schema.xml': entry('draft7_schema', DRAFT7),
      'local-entries/bad_schema.xml': entry('bad_schema', '{"type": "no-such-type"}'),
      'local-entries/an_xsd.xml': `<localEntry ${SYN} key="an_xsd">${XSD}</localEntry>`,
      'proxy-services/validateRequest.xml': proxy('validateRequest', `<validate cache-schema="true"><schema key="StockQuoteSchema"/>${ON_FAIL}</validate>`),
      'proxy-services/validateSource.xml': proxy('validateSource', `<validate cache-schema="true" source="json-eval($.msg)"><schema key="StockQuoteSchema"/>${ON_FAIL}</validate>`),
      'proxy-services/Orders.xml': proxy('Orders', `<validate><schema key="order_schema"/>${ON_FAIL}</validate>`),
      'proxy-services/Draft7.xml': proxy('Draft7', `<validate><schema key="draft7_schema"/>${ON_FAIL}</validate>`),
      'proxy-services/Dynamic.xml': proxy('Dynamic', `<validate><schema key="{$trp:X-Schema}"/>${ON_FAIL}</validate>`),
      'proxy-services/XsdForJson.xml': proxy('XsdForJson', `<validate><schema key="an_xsd"/>${ON_FAIL}</validate>`),
      'proxy-services/XPathSource.xml': proxy('XPathSource', `<validate source="//msg"><schema key="StockQuoteSchema"/>${ON_FAIL}</validate>`),
      'proxy-services/BadSchema.xml': proxy('BadSchema', `<validate><schema key="bad_schema"/>${ON_FAIL}</validate>`),
    });
  });
  after(() => s.close());

  const send = async (service: string, body: unknown, headers: Record<string, string> = {}) => {
    const r = await post(`${s.url}/services/${service}`, typeof body === 'string' ? body : JSON.stringify(body), { ...JSON_CT, ...headers });
    return { ...r, json: (): Record<string, string> => JSON.parse(r.text) as Record<string, string> };
  };

  it('lets a valid JSON payload through', async () => {
    const r = await send('validateRequest', { getQuote: { request: { symbol: 'WSO2' } } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-valid'), 'yes');
    assert.deepEqual(JSON.parse(r.text), { getQuote: { request: { symbol: 'WSO2' } } });
  });

  it("sets ERROR_MESSAGE and ERROR_DETAIL as Micro Integrator's documentation shows them", async () => {
    const r = await send('validateRequest', { getQuote: { requests: { symbol: 'WSO2' } } });
    assert.equal(r.status, 500);
    assert.equal(r.headers.get('x-valid'), null);
    assert.deepEqual(r.json(), {
      Error: 'object has missing required properties (["request"])',
      'Error Details':
        'Error while validating Json message error: object has missing required properties (["request"])\n    level: "error"\n    schema: {"loadingURI":"#","pointer":"/properties/getQuote"}\n    instance: {"pointer":"/getQuote"}\n    domain: "validation"\n    keyword: "required"\n    required: ["request"]\n    missing: ["request"]\n',
    });
    // an empty object misses getQuote (Micro Integrator's inValidRequestEmptyJSONMessageTest)
    assert.equal((await send('validateRequest', {})).json()['Error'], 'object has missing required properties (["getQuote"])');
  });

  it('validates what a json-eval() source selects; nothing selected is {}', async () => {
    assert.equal((await send('validateSource', { msg: { getQuote: { request: { symbol: 'WSO2' } } } })).headers.get('x-valid'), 'yes');
    const bad = await send('validateSource', { msg: { getQuote: { request: { symbol1: 'WSO2' } } } });
    assert.equal(bad.json()['Error'], 'object has missing required properties (["symbol"])');
    assert.match(bad.json()['Error Details']!, /instance: \{"pointer":"\/getQuote\/request"\}/);
    const none = await send('validateSource', { body: { getQuote: { request: { symbol: 'WSO2' } } } });
    assert.equal(none.json()['Error'], 'object has missing required properties (["getQuote"])');
  });

  it('reports the first problem in the order Micro Integrator finds them, in its words', async () => {
    const first = async (body: unknown) => (await send('Orders', body)).json()['Error'];
    // a node's own keywords (alphabetically) before its members, members by name
    assert.equal(await first({ id: 5 }), 'object has missing required properties (["lines"])');
    assert.equal(await first({ id: 5, lines: [{ sku: 'a' }], zz: 1 }), 'object instance has properties which are not allowed by the schema: ["zz"]');
    assert.equal(await first({ id: 5, lines: [{ sku: 'a' }], price: 'x' }), 'instance type (integer) does not match any allowed primitive type (allowed: ["string"])');
    assert.equal(await first({ id: 'A-1', lines: [{ sku: 'a' }], price: 'x' }), 'instance type (string) does not match any allowed primitive type (allowed: ["integer","number"])');
    assert.equal(await first({ id: 'a', lines: [{ sku: 'a' }] }), 'ECMA 262 regex "^[A-Z][\\w\\-]*$" does not match input string "a"');
    assert.equal(await first({ id: 'A', lines: [{ sku: 'a' }], price: 100 }), 'numeric instance is not strictly lower than the required maximum 100');
    assert.equal(await first({ id: 'A', lines: [{ sku: 'a' }], price: 150.5 }), 'numeric instance is greater than the required maximum (maximum: 100, found: 150.5)');
    assert.equal(await first({ id: 'A', lines: [] }), 'array is too short: must have at least 1 elements but instance has 0 elements');
    assert.equal(await first({ id: 'A', lines: [{ qty: 1 }, { sku: 'b', qty: 1.5 }] }), 'object has missing required properties (["sku"])');
    assert.equal(await first({ id: 'A', lines: [{ sku: 'a', qty: 1.5 }] }), 'instance type (number) does not match any allowed primitive type (allowed: ["integer"])');
    assert.equal(await first({ id: 'A', lines: [{ sku: 'a' }], kind: 'other' }), 'instance value ("other") not found in enum (possible values: ["retail","trade"])');
  });

  it('words anyOf as one problem with the reports of each branch', async () => {
    const r = await send('Orders', { id: 'A', lines: [{ sku: 'a' }], contact: 'not-an-email' });
    assert.equal(r.json()['Error'], 'instance failed to match at least one required schema among 2');
    const detail = r.json()['Error Details']!;
    assert.match(detail, /keyword: "anyOf"\n    nrSchemas: 2\n    reports: \{"\/properties\/contact\/anyOf\/0":\[\{"level":"error",.*"keyword":"format","attribute":"email","message":"string \\"not-an-email\\" is not a valid email address","value":"not-an-email"\}\],"\/properties\/contact\/anyOf\/1":\[\{.*"keyword":"type","message":"instance type \(string\) does not match any allowed primitive type \(allowed: \[\\"object\\"\]\)"/);
  });

  it('honours the draft the schema names ($schema draft-07: const), where Micro Integrator reads every schema as draft 4', async () => {
    assert.equal((await send('Draft7', { v: 2 })).headers.get('x-valid'), 'yes');
    assert.equal((await send('Draft7', { v: 3 })).json()['Error'], 'must be equal to constant');
  });

  it('names the schema by a dynamic key, compiled on first use', async () => {
    const ok = await send('Dynamic', { getQuote: { request: { symbol: 'X' } } }, { 'X-Schema': 'StockQuoteSchema' });
    assert.equal(ok.headers.get('x-valid'), 'yes');
    const missing = await send('Dynamic', {}, { 'X-Schema': 'nope' });
    assert.deepEqual(missing.json(), { code: 'MI_MED_053', message: 'Can not find JSON Schema nope' });
  });

  it('faults what Micro Integrator faults: an XML Schema for JSON, a JSON schema for XML, an XPath source, JSON that is not JSON', async () => {
    assert.deepEqual((await send('XsdForJson', { a: 1 })).json(), { code: 'MI_MED_053', message: 'Can not find valid JSON Schema content' });
    const xml = await post(`${s.url}/services/validateRequest`, soap11('<getQuote/>'));
    assert.deepEqual(JSON.parse(xml.text), { code: 'MI_MED_053', message: 'Error creating a new schema objects for schemas : [StockQuoteSchema]' });
    assert.deepEqual((await send('XPathSource', { msg: {} })).json(), { code: 'MI_MED_053', message: 'Could not find the JSONPath evaluator for Source' });
    assert.deepEqual((await send('validateRequest', '{"getQuote": ')).json(), { code: 'MI_MED_053', message: 'Error while validating the JSON Schema' });
  });

  it('refuses at deploy a JSON schema that is not valid', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /BadSchema\.xml:\d+:\d+.*MI_ART_053.*JSON schema 'bad_schema' is not valid: /);
    assert.notEqual((await send('BadSchema', {})).status, 200);
  });
});
