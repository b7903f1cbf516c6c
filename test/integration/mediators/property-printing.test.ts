/**
 * Typed properties read back through every expression form ($ctx:, get-property(), and both inside an XPath)
 * print as Micro Integrator prints them: Java's Double/Float/Long toString, and an XML (OM) property as the
 * XPath string of its element.
 */
import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const QUOTE = soap11('<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol><m:qty>9223372036854775806</m:qty></m:request></m:getQuote>');

/** Every property in `names` read four ways, each into a response header X-<name>-<form>. */
function readBack(names: string[]): string {
  return names
    .map(
      (n) =>
        `<property name="X-${n}-ctx" expression="$ctx:${n}" scope="transport"/>` +
        `<property name="X-${n}-get" expression="get-property('${n}')" scope="transport"/>` +
        `<property name="X-${n}-xctx" expression="concat($ctx:${n}, '')" scope="transport"/>` +
        `<property name="X-${n}-xget" expression="concat(get-property('default', '${n}'), '')" scope="transport"/>`,
    )
    .join('');
}

describe('typed properties print as Micro Integrator prints them', () => {
  let s: TestServer;
  const numbers: Record<string, string> = {
    d2: '2.0',
    dFrac: '1.25',
    dBig: '1.0E7',
    dSmall: '1.0E-4',
    dNeg: '-3.5E10',
    f2: '2.0',
    fTenth: '0.1',
    lMax: '9223372036854775807',
    lMin: '-9223372036854775808',
    lExpr: '9223372036854775806',
    i: '42',
    sh: '-7',
    b: 'true',
  };
  before(async () => {
    s = await startTestServer({
      'proxy-services/Numbers.xml': `<proxy ${SYN} name="Numbers"><target><inSequence>
          <property name="d2" value="2" type="DOUBLE"/>
          <property name="dFrac" value="1.25" type="DOUBLE"/>
          <property name="dBig" value="10000000" type="DOUBLE"/>
          <property name="dSmall" value="0.0001" type="DOUBLE"/>
          <property name="dNeg" expression="'-3.5e10'" type="DOUBLE"/>
          <property name="f2" value="2" type="FLOAT"/>
          <property name="fTenth" value="0.1" type="FLOAT"/>
          <property name="lMax" value="9223372036854775807" type="LONG"/>
          <property name="lMin" value="-9223372036854775808" type="LONG"/>
          <property name="lExpr" expression="//m:qty" type="LONG" xmlns:m="http://services.samples"/>
          <property name="i" value="42" type="INTEGER"/>
          <property name="sh" value="-7" type="SHORT"/>
          <property name="b" value="TRUE" type="BOOLEAN"/>
          ${readBack(Object.keys(numbers))}
          <respond/></inSequence></target></proxy>`,
      'proxy-services/OmText.xml': `<proxy ${SYN} name="OmText"><target><inSequence>
          <property name="sym" type="OM" expression="//m:symbol" xmlns:m="http://services.samples"/>
          <property name="req" type="OM" expression="//m:request" xmlns:m="http://services.samples"/>
          <property name="lit" type="OM" value="&lt;a&gt;text&lt;/a&gt;"/>
          ${readBack(['sym', 'req', 'lit'])}
          <respond/></inSequence></target></proxy>`,
      'proxy-services/LongOutOfRange.xml': `<proxy ${SYN} name="LongOutOfRange"><target><inSequence>
          <property name="l" expression="'9223372036854775808'" type="LONG"/>
          <respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
  });

  it('DOUBLE, FLOAT and LONG as Java prints them (2.0, 1.0E7, 1.0E-4, all 64 bits of a long), INTEGER, SHORT, BOOLEAN plainly', async () => {
    const r = await post(`${s.url}/services/Numbers`, QUOTE);
    assert.equal(r.status, 200, r.text);
    for (const [name, expected] of Object.entries(numbers)) {
      for (const form of ['ctx', 'get', 'xctx', 'xget']) {
        assert.equal(r.headers.get(`x-${name}-${form}`), expected, `${name} read as ${form}`);
      }
    }
  });

  it('an XML (OM) property reads as its element\'s text through $ctx: and get-property(), or the element when it has no text', async () => {
    const r = await post(`${s.url}/services/OmText`, QUOTE);
    assert.equal(r.status, 200, r.text);
    for (const form of ['ctx', 'get', 'xctx', 'xget']) {
      assert.equal(r.headers.get(`x-sym-${form}`), 'IBM', `sym read as ${form}`);
      assert.equal(r.headers.get(`x-lit-${form}`), 'text', `lit read as ${form}`);
    }
    // the whole expression's value: the element itself when it has no text of its own (SynapseXPath.stringValueOf)
    for (const form of ['ctx', 'get']) {
      assert.equal(
        r.headers.get(`x-req-${form}`),
        '<m:request xmlns:m="http://services.samples"><m:symbol>IBM</m:symbol><m:qty>9223372036854775806</m:qty></m:request>',
        `req read as ${form}`,
      );
    }
    // inside an XPath function it is a node, so XPath's string-value (all its text) applies, as in Jaxen
    for (const form of ['xctx', 'xget']) assert.equal(r.headers.get(`x-req-${form}`), 'IBM9223372036854775806', `req read as ${form}`);
  });

  it('a LONG outside the 64-bit range is a conversion fault (MI_MED_003)', async () => {
    const r = await post(`${s.url}/services/LongOutOfRange`, QUOTE);
    assert.equal(r.status, 500);
    assert.match(r.text, /MI_MED_003/);
  });
});
