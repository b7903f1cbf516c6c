import assert from 'node:assert/strict';
import { startTestServer, post, get, soap11, SYN, type TestServer } from '../../helpers/server.js';

/**
 * Expressions as users write them in property/payloadFactory: each proxy evaluates a set of expressions and
 * answers them as a JSON object, so a test sees exactly what each expression produced for a real request.
 */
function echo(name: string, exprs: Record<string, string>, before = '', nsDecl = '', raw: string[] = []): string {
  const keys = Object.keys(exprs);
  const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  const props = keys.map((k) => `<property name="${k}" expression="${attr(exprs[k]!)}"${nsDecl}/>`).join('');
  const fields = keys.map((k, i) => (raw.includes(k) ? `"${k}":$${i + 1}` : `"${k}":"$${i + 1}"`)).join(',');
  const args = keys.map((k) => `<arg expression="$ctx:${k}"/>`).join('');
  return `<proxy ${SYN} name="${name}"><target><inSequence>${before}${props}
    <payloadFactory media-type="json"><format>{${fields}}</format><args>${args}</args></payloadFactory><respond/></inSequence></target></proxy>`;
}

const ROUTING = '<t:routing xmlns:t="http://someuri">xadmin;server1</t:routing>';
const QUOTE = soap11('<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol></m:request></m:getQuote>', ROUTING);
const M = ' xmlns:m="http://services.samples"';

describe('expressions over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/greeting.xml': `<localEntry ${SYN} key="greeting">hello from an entry</localEntry>`,
      'proxy-services/Vars.xml': echo(
        'Vars',
        {
          body: '$body/m:getQuote/m:request/m:symbol',
          header: '$header/t:routing',
          ctx: '$ctx:seed',
          trp: '$trp:x-mixed-case',
          trpGet: "get-property('transport','X-MIXED-CASE')",
          url: '$url:Symbol',
          url2: '$url:q2',
          axis2: '$axis2:myAxis2',
          axis2Get: "get-property('axis2','myAxis2')",
          env: "name($env/*[local-name()='Body']/..)",
        },
        `<property name="seed" value="seeded"/><property name="myAxis2" value="a2" scope="axis2"/>`,
        `${M} xmlns:t="http://someuri"`,
      ),
      'proxy-services/Specials.xml': echo('Specials', {
        to: "get-property('To')",
        format: "get-property('MESSAGE_FORMAT')",
        date: "get-property('SYSTEM_DATE', 'yyyy-MM-dd')",
        entry: "get-property('greeting')",
        registry: "get-property('registry', 'greeting')",
        action: "get-property('Action')",
        missing: "get-property('no.such.thing')",
      }),
      'proxy-services/Functions.xml': echo(
        'Functions',
        {
          concat: "fn:concat('sym=', //m:symbol, '!')",
          b64: "base64Encode('user:pässword')",
          back: "base64Decode('aGVsbG8gd29ybGQ=')",
          roundTrip: "base64Decode(base64Encode(//m:symbol))",
          urlenc: "url-encode('a b/c&d=é+f')",
          urlencQuery: "url-encode('/p q?x=a b+c')",
          upper: 'fn:upper-case(//m:symbol)',
          count: 'count(//m:symbol)',
          bool: "boolean(//m:symbol = 'IBM')",
        },
        '',
        M,
      ),
      'proxy-services/Json.xml': echo('Json', {
        jsonEval: 'json-eval($.order.symbol)',
        jsonEvalNum: 'json-eval($.order.qty)',
        jsonEvalArr: 'json-eval($.order.tags[1])',
        jsonEvalObj: 'json-eval($.order.customer)',
        xpathJson: '//jsonObject/order/symbol',
        xpathBody: '$body/jsonObject/order/qty',
        xpathArr: 'count(//order/tags)',
      }, '', '', ['jsonEvalObj']),
      'proxy-services/JsonFlat.xml': echo('JsonFlat', { sym: '//jsonObject/symbol', viaBody: '$body/jsonObject/price', name: 'local-name($body/*)' }),
      'proxy-services/NsOnElement.xml': `<proxy ${SYN} name="NsOnElement"><target><inSequence>
          <property name="a" expression="//q:symbol" xmlns:q="http://services.samples"/>
          <property name="b" expression="//m:symbol"${M}/>
          <payloadFactory media-type="json"><format>{"a":"$1","b":"$2"}</format><args><arg expression="$ctx:a"/><arg expression="$ctx:b"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/UndeclaredNs.xml': `<proxy ${SYN} name="UndeclaredNs"><target><inSequence>
          <property name="a" expression="//zz:symbol"/><respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
  });

  it('reads $body, $header, $env, $ctx:, $trp: (any case), $url: and $axis2:', async () => {
    const r = await post(`${s.url}/services/Vars?symbol=A%20B&q2=x%2By`, QUOTE, { 'X-Mixed-Case': 'MiXeD' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), {
      body: 'IBM',
      header: 'xadmin;server1',
      ctx: 'seeded',
      trp: 'MiXeD',
      trpGet: 'MiXeD',
      url: 'A B',
      url2: 'x+y',
      axis2: 'a2',
      axis2Get: 'a2',
      env: 'soapenv:Envelope',
    });
  });

  it('answers get-property specials: To, MESSAGE_FORMAT, SYSTEM_DATE with a format, local entries, Action', async () => {
    const started = new Date();
    const r = await post(`${s.url}/services/Specials?x=1`, QUOTE, { SOAPAction: '"urn:getQuote"' });
    assert.equal(r.status, 200, r.text);
    const v = JSON.parse(r.text);
    assert.equal(v.to, '/services/Specials?x=1');
    assert.equal(v.format, 'soap11');
    const pad = (n: number) => String(n).padStart(2, '0');
    const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
    assert.ok([day(started), day(new Date())].includes(v.date), `SYSTEM_DATE ${v.date} is today in yyyy-MM-dd`);
    assert.equal(v.entry, 'hello from an entry');
    assert.equal(v.registry, 'hello from an entry');
    assert.equal(v.action, 'urn:getQuote');
    assert.equal(v.missing, '');
  });

  it('reports MESSAGE_FORMAT soap12 for SOAP 1.2 and pox for plain XML', async () => {
    const soap12 = `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><a>1</a></soap:Body></soap:Envelope>`;
    const r12 = await post(`${s.url}/services/Specials`, soap12, { 'content-type': 'application/soap+xml; charset=UTF-8' });
    assert.equal(JSON.parse(r12.text).format, 'soap12');
    const pox = await post(`${s.url}/services/Specials`, '<a>1</a>', { 'content-type': 'application/xml' });
    assert.equal(JSON.parse(pox.text).format, 'pox');
  });

  it('evaluates fn:concat, base64Encode/Decode, url-encode and XPath core functions', async () => {
    const r = await post(`${s.url}/services/Functions`, QUOTE);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), {
      concat: 'sym=IBM!',
      b64: Buffer.from('user:pässword', 'utf8').toString('base64'),
      back: 'hello world',
      roundTrip: 'IBM',
      urlenc: 'a%20b/c&d=%C3%A9%2Bf',
      urlencQuery: '/p%20q?x=a%20b+c',
      upper: 'IBM',
      count: '1',
      bool: 'true',
    });
  });

  it('evaluates json-eval and XPath (through the jsonObject mapping) on a JSON request', async () => {
    const body = JSON.stringify({ order: { symbol: 'IBM', qty: 12, tags: ['a', 'b'], customer: { id: 7 } } });
    const r = await post(`${s.url}/services/Json`, body, { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    const v = JSON.parse(r.text);
    assert.equal(v.jsonEval, 'IBM');
    assert.equal(v.jsonEvalNum, '12');
    assert.equal(v.jsonEvalArr, 'b');
    assert.deepEqual(v.jsonEvalObj, { id: 7 }, 'a JSON object argument goes into a JSON format as JSON');
    assert.equal(v.xpathJson, 'IBM');
    assert.equal(v.xpathBody, '12');
    assert.equal(v.xpathArr, '2');
  });

  it('maps a JSON request to <jsonObject> for XPath', async () => {
    const r = await post(`${s.url}/services/JsonFlat`, '{"symbol":"IBM","price":1.5}', { 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(r.text), { sym: 'IBM', viaBody: '1.5', name: 'jsonObject' });
  });

  it('uses the namespace prefixes declared on the mediator element', async () => {
    const r = await post(`${s.url}/services/NsOnElement`, QUOTE);
    assert.deepEqual(JSON.parse(r.text), { a: 'IBM', b: 'IBM' });
  });

  it('rejects an expression with an undeclared prefix at deploy time', async () => {
    const d = s.deployer.last!.diagnostics.find((x) => x.file.endsWith('UndeclaredNs.xml') && x.severity === 'error');
    assert.ok(d, 'UndeclaredNs.xml has an error');
    assert.match(d.message, /zz/);
    assert.equal((await post(`${s.url}/services/UndeclaredNs`, QUOTE)).status, 404);
  });

  it('reports MESSAGE_FORMAT get for a GET request', async () => {
    const r = await get(`${s.url}/services/Specials`);
    assert.equal(r.status, 200, r.text);
    assert.equal(JSON.parse(r.text).format, 'get');
  });
});
