import assert from 'node:assert/strict';
import { post, soap11, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';

async function postJson(url: string, body: unknown): Promise<{ status: number; type: string; text: string }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

describe('scatter-gather over HTTP', () => {
  let a: Backend;
  let b: Backend;
  let slow: Backend;
  let s: TestServer;
  before(async () => {
    // two services answering JSON for a JSON request and XML for an XML one
    const service = (name: string) => (req: { headers: Record<string, unknown> }, body: string, res: import('node:http').ServerResponse) => {
      if (String(req.headers['content-type']).includes('json')) {
        const q = JSON.parse(body) as { symbol: string };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"service":"${name}","symbol":"${q.symbol}","price":${name === 'a' ? '12.50' : '12345678901234567890'},"ok":${name === 'a'}}`);
      } else {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(`<quote xmlns="http://quotes/${name}"><service>${name}</service><last>1.5</last></quote>`);
      }
    };
    a = await startBackend(service('a'));
    b = await startBackend(service('b'));
    slow = await startBackend((_req, _body, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"service":"slow"}');
      }, 5000).unref();
    });
    const call = (be: Backend) => `<call><endpoint><address uri="${be.url}/q"/></endpoint></call>`;
    s = await startTestServer({
      'apis/Quotes.xml': `<api ${SYN} name="Quotes" context="/quotes">
          <resource methods="POST" uri-template="/json"><inSequence>
            <property name="before" value="kept"/>
            <scatter-gather parallel-execution="true" target="Body" result-content-type="JSON">
              <aggregation expression="\${payload}"/>
              <sequence>${call(a)}</sequence>
              <sequence>${call(b)}</sequence>
            </scatter-gather>
            <property name="X-Before" expression="$ctx:before" scope="transport"/>
            <respond/></inSequence></resource>
          <resource methods="POST" uri-template="/xml"><inSequence>
            <scatter-gather parallel-execution="false" result-content-type="XML" result-enclosing-element="Results">
              <aggregation expression="\${xpath('$body/*')}"/>
              <sequence><property name="messageType" value="application/xml" scope="axis2"/>${call(a)}</sequence>
              <sequence><property name="messageType" value="application/xml" scope="axis2"/>${call(b)}</sequence>
            </scatter-gather>
            <respond/></inSequence></resource>
          <resource methods="POST" uri-template="/condition"><inSequence>
            <scatter-gather result-content-type="JSON">
              <aggregation expression="\${payload.service}" condition="\${payload.ok}"/>
              <sequence>${call(a)}</sequence>
              <sequence>${call(b)}</sequence>
            </scatter-gather>
            <respond/></inSequence></resource>
          <resource methods="POST" uri-template="/timeout"><inSequence>
            <scatter-gather result-content-type="JSON">
              <aggregation expression="json-eval($.service)" timeout="300"/>
              <sequence>${call(a)}</sequence>
              <sequence>${call(slow)}</sequence>
            </scatter-gather>
            <respond/></inSequence></resource>
          <resource methods="POST" uri-template="/refused"><inSequence>
            <scatter-gather result-content-type="JSON">
              <sequence>${call(a)}</sequence>
              <sequence><call><endpoint><address uri="http://127.0.0.1:1/q"/></endpoint></call></sequence>
            </scatter-gather>
            <respond/></inSequence>
            <faultSequence>
              <payloadFactory media-type="json"><format>{"error":"$1","code":"$2"}</format>
                <args><arg expression="get-property('ERROR_MESSAGE')"/><arg expression="get-property('ERROR_CODE')"/></args></payloadFactory>
              <property name="HTTP_SC" value="502" scope="axis2"/><respond/>
            </faultSequence></resource>
          <resource methods="POST" uri-template="/notxml"><inSequence>
            <scatter-gather result-content-type="XML" result-enclosing-element="R">
              <aggregation expression="\${payload}"/>
              <sequence>${call(a)}</sequence>
            </scatter-gather>
            <respond/></inSequence></resource>
        </api>`,
      'sequences/Variable.xml': `<sequence ${SYN} name="Variable">
          <scatter-gather target="Variable" target-variable="out" result-content-type="JSON"><sequence><log/></sequence></scatter-gather></sequence>`,
      'sequences/NoRoot.xml': `<sequence ${SYN} name="NoRoot">
          <scatter-gather result-content-type="XML"><sequence><log/></sequence></scatter-gather></sequence>`,
      'sequences/Expression.xml': `<sequence ${SYN} name="Expression">
          <scatter-gather result-content-type="JSON"><aggregation expression="\${vars.x + 1}"/><sequence><log/></sequence></scatter-gather></sequence>`,
    });
  });
  after(async () => {
    await s?.close();
    await Promise.all([a?.close(), b?.close(), slow?.close()]);
  });

  it('parallel: the two answers aggregated as a JSON array (JSON numbers kept), and the flow goes on after the mediator', async () => {
    const r = await postJson(`${s.url}/quotes/json`, { symbol: 'IBM' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.type, /^application\/json/);
    const arr = JSON.parse(r.text.replace('12345678901234567890', '"big"')) as { service: string }[];
    assert.deepEqual(arr.map((x) => x.service).sort(), ['a', 'b']);
    assert.ok(r.text.includes('"price":12.50') && r.text.includes('"price":12345678901234567890'), r.text);
    // exactly MI's shape: [<answer a>,<answer b>] in the order they arrived
    const first = r.text.indexOf('"service":"a"') < r.text.indexOf('"service":"b"') ? 'a' : 'b';
    const one = (n: string) => `{"service":"${n}","symbol":"IBM","price":${n === 'a' ? '12.50' : '12345678901234567890'},"ok":${n === 'a'}}`;
    assert.equal(r.text, `[${one(first)},${one(first === 'a' ? 'b' : 'a')}]`);
  });

  it('keeps the properties of the message (the last copy carries on)', async () => {
    const r = await fetch(`${s.url}/quotes/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbol":"X"}' });
    await r.text();
    assert.equal(r.headers.get('x-before'), 'kept');
  });

  it('sequential XML: each answer inside result-enclosing-element, in sequence order, as application/xml', async () => {
    const r = await post(`${s.url}/quotes/xml`, '<q><symbol>IBM</symbol></q>', { 'content-type': 'application/xml' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/xml/);
    assert.equal(
      r.text,
      '<Results><quote xmlns="http://quotes/a"><service>a</service><last>1.5</last></quote><quote xmlns="http://quotes/b"><service>b</service><last>1.5</last></quote></Results>',
    );
  });

  it('aggregates only the copies whose condition is "true"', async () => {
    const r = await postJson(`${s.url}/quotes/condition`, { symbol: 'IBM' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '["a"]');
  });

  it('completes at the timeout with the answers that arrived', async () => {
    const started = Date.now();
    const r = await postJson(`${s.url}/quotes/timeout`, { symbol: 'IBM' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '["a"]');
    assert.ok(Date.now() - started < 4500, 'did not wait for the slow service');
  });

  it('a copy whose call fails runs the fault sequence, which answers the client', async () => {
    const r = await postJson(`${s.url}/quotes/refused`, { symbol: 'IBM' });
    assert.equal(r.status, 502, r.text);
    assert.deepEqual(JSON.parse(r.text), { error: 'Error connecting to the back end', code: '101503' });
  });

  it('a value that is not XML for result-content-type="XML" is a fault', async () => {
    const r = await postJson(`${s.url}/quotes/notxml`, { symbol: 'IBM' });
    assert.equal(r.status, 500);
    assert.equal(JSON.parse(r.text).code, 'MI_MED_075');
    assert.equal(JSON.parse(r.text).message, 'Error reading XML element: ${payload}');
  });

  it('refuses target="Variable", XML without result-enclosing-element and other Synapse expressions at deploy', () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /Variable\.xml:\d+:\d+\s+MI_ART_074\s+target="Variable" \(target-variable="out"\): Micro Integrator 4\.4 variables are not supported/);
    assert.match(logged, /NoRoot\.xml:\d+:\d+\s+MI_ART_073\s+The 'result-enclosing-element' attribute is required/);
    assert.match(logged, /Expression\.xml:\d+:\d+\s+MI_ART_075\s+the Synapse expression '\$\{vars\.x \+ 1\}' is not supported/);
  });

  it('a SOAP request aggregated as JSON answers JSON', async () => {
    const r = await post(`${s.url}/quotes/json`, soap11('<q><symbol>IBM</symbol></q>'));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  });
});
