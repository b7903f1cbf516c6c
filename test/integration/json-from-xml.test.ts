/**
 * XML element names that are Object.prototype members come out of the XML-to-JSON mapping as plain keys,
 * through real HTTP: no inherited function taken for a repeated key, no prototype change.
 */
import assert from 'node:assert/strict';
import { startTestServer, post, SYN, type TestServer } from '../helpers/server.js';

describe('JSON from XML with prototype-named elements', function () {
  this.timeout(30_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'api/Proto.xml': `<api ${SYN} name="Proto" context="/proto">
        <resource methods="POST" uri-template="/json"><inSequence>
          <log level="full"/><property name="messageType" value="application/json" scope="axis2"/><respond/></inSequence></resource>
        <resource methods="POST" uri-template="/eval"><inSequence>
          <payloadFactory media-type="json"><format>{"toString":"$1","proto":"$2","missing":"$3"}</format><args>
            <arg evaluator="json" expression="$.r.toString"/><arg evaluator="json" expression="$.r.__proto__"/><arg evaluator="json" expression="$.r.valueOf"/>
          </args></payloadFactory><respond/></inSequence></resource>
      </api>`,
    });
  });
  after(() => s.close());

  it('<constructor/>, <toString>, <__proto__>, <hasOwnProperty> become ordinary keys', async () => {
    const xml = '<r><constructor/><toString>x</toString><__proto__><polluted>1</polluted></__proto__><hasOwnProperty>y</hasOwnProperty><constructor>2</constructor></r>';
    const r = await post(`${s.url}/proto/json`, xml, { 'content-type': 'application/xml' });
    assert.equal(r.status, 200, r.text);
    // as Micro Integrator writes it: an empty element is null, and a repeat that is not adjacent repeats the key
    assert.equal(r.text, '{"r":{"constructor":null,"toString":"x","__proto__":{"polluted":1},"hasOwnProperty":"y","constructor":2}}');
    const v = JSON.parse(r.text) as { r: Record<string, unknown> };
    assert.deepEqual(Object.keys(v.r), ['constructor', 'toString', '__proto__', 'hasOwnProperty']);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });

  it('json-eval reads them as keys, and an absent one stays absent', async () => {
    const xml = '<r><toString>x</toString><__proto__>1</__proto__></r>';
    const r = await post(`${s.url}/proto/eval`, xml, { 'content-type': 'application/xml' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { toString: 'x', proto: '1', missing: '' });
  });
});
