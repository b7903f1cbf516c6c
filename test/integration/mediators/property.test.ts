import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const QUOTE = soap11('<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol><m:price>3.0</m:price></m:request></m:getQuote>');

/** A proxy whose in-sequence is `body` followed by a JSON echo of the given expressions and <respond/>. */
function echoProxy(name: string, body: string, echo: Record<string, string> = {}, raw: string[] = []): string {
  const keys = Object.keys(echo);
  const fields = keys.map((k, i) => (raw.includes(k) ? `"${k}":$${i + 1}` : `"${k}":"$${i + 1}"`)).join(',');
  const args = keys.map((k) => `<arg expression="${echo[k]!.replace(/"/g, '&quot;')}"/>`).join('');
  const pf = keys.length ? `<payloadFactory media-type="json"><format>{${fields}}</format><args>${args}</args></payloadFactory>` : '';
  return `<proxy ${SYN} name="${name}"><target><inSequence>${body}${pf}<respond/></inSequence></target></proxy>`;
}

describe('property mediator over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    s = await startTestServer({
      'proxy-services/Default.xml': echoProxy(
        'Default',
        `<property name="p1" value="hello"/><property name="p2" expression="//m:symbol" xmlns:m="http://services.samples"/>
         <property name="p3" scope="default" expression="fn:concat($ctx:p1, '-', get-property('p2'))"/>`,
        { p1: "get-property('p1')", p2: '$ctx:p2', p3: "get-property('default','p3')" },
      ),
      'proxy-services/TransportOut.xml': `<proxy ${SYN} name="TransportOut"><target><inSequence>
          <property name="X-Custom" value="custom-value" scope="transport"/>
          <property name="X-From-Body" expression="//symbol" scope="transport"/>
          <call><endpoint><address uri="${backend.url}/hdr"/></endpoint></call>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/TransportReply.xml': `<proxy ${SYN} name="TransportReply"><target><inSequence>
          <property name="X-Reply" value="r1" scope="transport"/>
          <payloadFactory media-type="xml"><format><ok xmlns="">1</ok></format><args/></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/StatusCode.xml': `<proxy ${SYN} name="StatusCode"><target><inSequence>
          <property name="HTTP_SC" value="418" scope="axis2"/>
          <payloadFactory media-type="xml"><format><teapot xmlns="">yes</teapot></format><args/></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/NoBody.xml': `<proxy ${SYN} name="NoBody"><target><inSequence>
          <property name="NO_ENTITY_BODY" value="true" type="BOOLEAN" scope="axis2"/>
          <property name="HTTP_SC" value="204" scope="axis2"/>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/MessageType.xml': `<proxy ${SYN} name="MessageType"><target><inSequence>
          <payloadFactory media-type="xml"><format><order xmlns=""><symbol>$1</symbol><qty>7</qty></order></format><args><arg value="IBM"/></args></payloadFactory>
          <property name="messageType" value="application/json" scope="axis2"/>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/MessageTypeOut.xml': `<proxy ${SYN} name="MessageTypeOut"><target><inSequence>
          <property name="messageType" value="application/xml" scope="axis2"/>
          <call><endpoint><address uri="${backend.url}/pox"/></endpoint></call>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Operation.xml': echoProxy('Operation', `<property name="op" value="in-operation" scope="operation"/>`, {
        op: "get-property('operation','op')",
        dflt: "get-property('op')",
      }),
      'proxy-services/System.xml': echoProxy('System', `<property name="mi.it.system.prop" value="sys-value" scope="system"/>`, {
        sys: "get-property('system','mi.it.system.prop')",
        dflt: "get-property('mi.it.system.prop')",
      }),
      'proxy-services/Types.xml': echoProxy(
        'Types',
        `<property name="s" value="007" type="STRING"/>
         <property name="i" expression="//m:price" type="INTEGER" xmlns:m="http://services.samples"/>
         <property name="iv" value="42" type="INTEGER"/>
         <property name="b1" value="yes" type="BOOLEAN"/>
         <property name="b2" expression="//m:symbol" type="BOOLEAN" xmlns:m="http://services.samples"/>
         <property name="d" value="1.25" type="DOUBLE"/>
         <property name="l" value="1234567890123" type="LONG"/>
         <property name="j" value='{"a":[1,2],"b":"x"}' type="JSON"/>
         <property name="jstr" value='"Hello"' type="JSON"/>`,
        { s: '$ctx:s', i: '$ctx:i', iv: '$ctx:iv', b1: '$ctx:b1', b2: '$ctx:b2', d: '$ctx:d', l: '$ctx:l', j: '$ctx:j', jstr: '$ctx:jstr' },
        ['i', 'iv', 'b1', 'b2', 'd', 'l', 'j'],
      ),
      'proxy-services/OmType.xml': `<proxy ${SYN} name="OmType"><target><inSequence>
          <property name="om" type="OM" value="&lt;item&gt;&lt;n&gt;1&lt;/n&gt;&lt;/item&gt;"/>
          <property name="om2" type="OM" expression="$body/*[1]"/>
          <property name="om3" type="OM"><inline xmlns="urn:inline"><v>3</v></inline></property>
          <payloadFactory media-type="xml"><format><out xmlns="">$1<copy>$2</copy>$3</out></format>
            <args><arg expression="$ctx:om"/><arg expression="$ctx:om2"/><arg expression="$ctx:om3"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Pattern.xml': echoProxy(
        'Pattern',
        `<property name="h" value="Bearer abc.def"/>
         <property name="token" expression="$ctx:h" pattern="Bearer (.*)" group="1"/>
         <property name="whole" expression="$ctx:h" pattern="abc"/>
         <property name="all" expression="$ctx:h" pattern="Bearer .*"/>
         <property name="fromValue" value="id-42" pattern="id-(\\d+)" group="1"/>`,
        { token: '$ctx:token', whole: '$ctx:whole', all: '$ctx:all', fromValue: '$ctx:fromValue' },
      ),
      'proxy-services/Remove.xml': `<proxy ${SYN} name="Remove"><target><inSequence>
          <property name="gone" value="x"/><property name="gone" action="remove"/>
          <property name="X-Drop" action="remove" scope="transport"/>
          <property name="X-Kept" value="k" scope="transport"/>
          <property name="X-Kept2" value="k2" scope="transport"/>
          <property name="X-Kept2" action="remove" scope="transport"/>
          <payloadFactory media-type="json"><format>{"gone":"$1","trp":"$2"}</format><args><arg expression="get-property('gone')"/><arg expression="$trp:X-Drop"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/RemoveHeaders.xml': `<proxy ${SYN} name="RemoveHeaders"><target><inSequence>
          <property name="TRANSPORT_HEADERS" action="remove" scope="axis2"/>
          <property name="X-After" value="after" scope="transport"/>
          <call><endpoint><address uri="${backend.url}/nohdr"/></endpoint></call>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/Dynamic.xml': echoProxy(
        'Dynamic',
        `<property name="which" value="target"/>
         <property name="{get-property('which')}" value="dynamic-value"/>
         <property name="{$trp:X-Name}" value="from-header"/>`,
        { target: '$ctx:target', named: '$ctx:named' },
      ),
      'proxy-services/BadConversion.xml': `<proxy ${SYN} name="BadConversion"><target><inSequence>
          <property name="n" expression="//symbol" type="INTEGER"/>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/BadScope.xml': `<proxy ${SYN} name="BadScope"><target><inSequence>
          <property name="x" value="1" scope="env"/><respond/></inSequence></target></proxy>`,
      'proxy-services/BadStaticType.xml': `<proxy ${SYN} name="BadStaticType"><target><inSequence>
          <property name="x" value="abc" type="INTEGER"/><respond/></inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
    delete process.env['mi.it.system.prop'];
  });

  it('sets default-scope properties from a value and from an expression, read with get-property and $ctx', async () => {
    const r = await post(`${s.url}/services/Default`, QUOTE);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { p1: 'hello', p2: 'IBM', p3: 'hello-IBM' });
  });

  it('sends transport-scope properties as HTTP headers to the backend', async () => {
    const r = await post(`${s.url}/services/TransportOut`, soap11('<order><symbol>MSFT</symbol></order>'));
    assert.equal(r.status, 200);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/hdr');
    assert.equal(seen.headers['x-custom'], 'custom-value');
    assert.equal(seen.headers['x-from-body'], 'MSFT');
  });

  it('returns transport-scope properties as HTTP headers in a reply built by respond', async () => {
    const r = await post(`${s.url}/services/TransportReply`, QUOTE, { 'X-Request-Only': 'no-echo' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-reply'), 'r1');
    assert.equal(r.headers.get('x-request-only'), null, 'request headers are not echoed back');
  });

  it('uses axis2 HTTP_SC as the reply status', async () => {
    const r = await post(`${s.url}/services/StatusCode`, QUOTE);
    assert.equal(r.status, 418);
    assert.match(r.text, /<teapot(?: xmlns="")?>yes<\/teapot>/);
  });

  it('sends no body when axis2 NO_ENTITY_BODY is true', async () => {
    const r = await post(`${s.url}/services/NoBody`, QUOTE);
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
  });

  it('converts the reply to the axis2 messageType (XML payload out as JSON)', async () => {
    const r = await post(`${s.url}/services/MessageType`, QUOTE);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(JSON.parse(r.text), { order: { symbol: 'IBM', qty: 7 } });
  });

  it('converts the request for the backend to the axis2 messageType (SOAP in, POX out)', async () => {
    const r = await post(`${s.url}/services/MessageTypeOut`, QUOTE);
    assert.equal(r.status, 200);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/pox');
    assert.match(String(seen.headers['content-type']), /^application\/xml/);
    assert.doesNotMatch(seen.body, /Envelope/);
    assert.match(seen.body, /^<m:getQuote xmlns:m="http:\/\/services.samples">/);
  });

  it('keeps operation-scope properties apart from the default scope', async () => {
    const r = await post(`${s.url}/services/Operation`, QUOTE);
    assert.deepEqual(JSON.parse(r.text), { op: 'in-operation', dflt: '' });
  });

  it('sets system-scope properties read back with get-property(system, name)', async () => {
    const r = await post(`${s.url}/services/System`, QUOTE);
    assert.deepEqual(JSON.parse(r.text), { sys: 'sys-value', dflt: '' });
  });

  it('converts STRING, INTEGER (3.0 from an expression is 3), BOOLEAN, DOUBLE, LONG and JSON values', async () => {
    const r = await post(`${s.url}/services/Types`, QUOTE);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), {
      s: '007',
      i: 3,
      iv: 42,
      b1: true,
      b2: false,
      d: 1.25,
      l: 1234567890123,
      j: { a: [1, 2], b: 'x' },
      jstr: '"Hello"', // a JSON string property prints as JSON, quotes included
    });
  });

  it('keeps OM properties as XML (from a value, an expression and an inline element)', async () => {
    const r = await post(`${s.url}/services/OmType`, QUOTE);
    assert.equal(r.status, 200, r.text);
    const text = r.text.replace(/ xmlns=""/g, ''); // a redundant undeclaration is allowed
    assert.match(text, /<out><item><n>1<\/n><\/item><copy><m:getQuote xmlns:m="http:\/\/services.samples"><m:request><m:symbol>IBM<\/m:symbol>/);
    assert.match(text, /<inline xmlns="urn:inline"><v>3<\/v><\/inline><\/out>/);
  });

  it('applies pattern with whole-string matching and group', async () => {
    const r = await post(`${s.url}/services/Pattern`, QUOTE);
    assert.deepEqual(JSON.parse(r.text), { token: 'abc.def', whole: '', all: 'Bearer abc.def', fromValue: '42' });
  });

  it('removes properties and transport headers with action="remove"', async () => {
    const r = await post(`${s.url}/services/Remove`, QUOTE, { 'X-Drop': 'dropped' });
    assert.deepEqual(JSON.parse(r.text), { gone: '', trp: '' });
    assert.equal(r.headers.get('x-kept'), 'k');
    assert.equal(r.headers.get('x-kept2'), null);
  });

  it('drops every request header when axis2 TRANSPORT_HEADERS is removed', async () => {
    await post(`${s.url}/services/RemoveHeaders`, QUOTE, { 'X-Client': 'c', SOAPAction: 'urn:getQuote' });
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/nohdr');
    assert.equal(seen.headers['x-client'], undefined);
    assert.equal(seen.headers['x-after'], 'after', 'headers set afterwards are still sent');
  });

  it('resolves dynamic property names written as {expression}', async () => {
    const r = await post(`${s.url}/services/Dynamic`, QUOTE, { 'X-Name': 'named' });
    assert.deepEqual(JSON.parse(r.text), { target: 'dynamic-value', named: 'from-header' });
  });

  it('answers a fault when an expression value cannot be converted to the type', async () => {
    const r = await post(`${s.url}/services/BadConversion`, soap11('<order><symbol>IBM</symbol></order>'));
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.match(r.text, /<faultstring>[^<]*cannot be converted into the specified type/);
    assert.ok(s.logLines.some((l) => l.level === 'ERROR' && /ERROR_CODE = MI_MED_003/.test(l.message)), 'the fault sequence logs the error code');
  });

  it('rejects an unsupported scope and a bad static value at deploy time', async () => {
    const diags = s.deployer.last!.diagnostics.filter((d) => d.severity === 'error');
    const scope = diags.find((d) => d.file.endsWith('BadScope.xml'));
    assert.ok(scope, 'BadScope.xml has an error');
    assert.equal(scope.code, 'MI_ART_007');
    assert.match(scope.message, /scope 'env'/);
    const type = diags.find((d) => d.file.endsWith('BadStaticType.xml'));
    assert.equal(type?.code, 'MI_ART_007');
    assert.equal((await post(`${s.url}/services/BadScope`, QUOTE)).status, 404);
    assert.equal((await post(`${s.url}/services/BadStaticType`, QUOTE)).status, 404);
    assert.ok(s.logLines.some((l) => l.level === 'ERROR' && l.message.includes('BadScope.xml') && l.message.includes('MI_ART_007')));
  });
});
