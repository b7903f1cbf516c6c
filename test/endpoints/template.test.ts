/**
 * Endpoint templates over real HTTP: a <template> holding an <endpoint> with $placeholders, used by named
 * and inline template endpoints, as Synapse's TemplateEndpoint fills them in.
 */
import assert from 'node:assert/strict';
import { unlinkSync } from 'node:fs';
import { startBackend, startTestServer, get, post, SYN, type Backend, type TestServer } from '../helpers/server.js';

const TEMPLATE = `<template ${SYN} name="StockTemplate">
  <parameter name="name"/>
  <parameter name="uri"/>
  <parameter name="method"/>
  <parameter name="timeout"/>
  <endpoint name="$name">
    <http uri-template="$uri" method="$method">
      <timeout><duration>$timeout</duration></timeout>
    </http>
  </endpoint>
</template>`;

async function eventually(check: () => Promise<boolean>, ms = 4000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('endpoint templates over HTTP', function () {
  this.timeout(20000);
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url }));
    });
    s = await startTestServer(
      {
        'templates/StockTemplate.xml': TEMPLATE,
        // MI's own artifact shape: prefixed <parameter>s, $name and $uri
        'templates/MainTemplate.xml': `<template xmlns="http://ws.apache.org/ns/synapse" name="MainTemplate">
          <axis2ns10:parameter xmlns:axis2ns10="http://ws.apache.org/ns/synapse" name="name"/>
          <axis2ns11:parameter xmlns:axis2ns11="http://ws.apache.org/ns/synapse" name="uri"/>
          <endpoint name="$name"><address uri="$uri" format="rest"><timeout><duration>5000</duration><responseAction>fault</responseAction></timeout></address></endpoint>
        </template>`,
        'endpoints/QuoteEP.xml': `<endpoint ${SYN} name="QuoteEP" template="StockTemplate" uri="${backend.url}/quotes/{uri.var.symbol}">
          <parameter name="method" value="PUT"/><parameter name="timeout" value="3000"/></endpoint>`,
        'endpoints/Test_Endpoint_html.xml': `<endpoint ${SYN} name="Test_Endpoint_html" template="MainTemplate" uri="${backend.url}/wiki/Wso2"/>`,
        'api/Quotes.xml': `<api ${SYN} name="Quotes" context="/quotes">
          <resource methods="GET" uri-template="/named/{symbol}"><inSequence><call><endpoint key="QuoteEP"/></call><respond/></inSequence></resource>
          <resource methods="GET" uri-template="/inline/{symbol}"><inSequence>
            <call><endpoint template="StockTemplate" uri="${backend.url}/inline/{uri.var.symbol}"><parameter name="method" value="DELETE"/><parameter name="timeout" value="3000"/><parameter name="undeclared" value="x"/></endpoint></call>
            <respond/></inSequence></resource>
          <resource methods="GET" uri-template="/main"><inSequence><call><endpoint key="Test_Endpoint_html"/></call><respond/></inSequence></resource>
        </api>`,
        'api/Orphan.xml': `<api ${SYN} name="Orphan" context="/orphan"><resource methods="GET"><inSequence>
          <call><endpoint template="LaterTemplate" uri="${backend.url}/later"><parameter name="timeout" value="3000"/></endpoint></call><respond/></inSequence></resource></api>`,
        'api/NoUri.xml': `<api ${SYN} name="NoUri" context="/nouri"><resource methods="GET"><inSequence>
          <call><endpoint template="MainTemplate"/></call><respond/></inSequence></resource></api>`,
        'templates/StockTemplateSeq.xml': `<template ${SYN} name="StockTemplate"><sequence><log/></sequence></template>`,
      },
      '[server]\nhot_deployment = true\n',
    );
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('a named template endpoint fills $name, $uri and <parameter> placeholders from its attributes and parameters', async () => {
    const r = await get(`${s.url}/quotes/named/IBM`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { method: 'PUT', url: '/quotes/IBM' });
  });

  it('an inline template endpoint works the same; a parameter the template does not declare changes nothing', async () => {
    const r = await get(`${s.url}/quotes/inline/MSFT`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { method: 'DELETE', url: '/inline/MSFT' });
  });

  it('Micro Integrator\'s MainTemplate and Test_Endpoint_html deploy and send', async () => {
    const r = await get(`${s.url}/quotes/main`);
    assert.equal(r.status, 200, r.text);
    // an address endpoint appends the request path after the API context (REST_URL_POSTFIX), as in Micro Integrator
    assert.equal(JSON.parse(r.text).url, '/wiki/Wso2/main');
  });

  it('a template endpoint whose template is not deployed is refused, then deploys when the template appears', async () => {
    assert.equal((await get(`${s.url}/orphan`)).status, 404);
    assert.ok(s.logLines.some((l) => /Orphan\.xml:\d+:\d+ +MI_ART_009 +endpoint template 'LaterTemplate' is not deployed/.test(l.message)));
    const p = s.write('templates/LaterTemplate.xml', TEMPLATE.replace('StockTemplate', 'LaterTemplate').replace('method="$method"', ''));
    await eventually(async () => (await get(`${s.url}/orphan`)).status === 200);
    assert.equal(JSON.parse((await get(`${s.url}/orphan`)).text).url, '/later');
    unlinkSync(p);
    await eventually(async () => (await get(`${s.url}/orphan`)).status === 404);
  });

  it('a filled-in endpoint that is not valid is a deploy error of the artifact that uses it, naming the template', async () => {
    assert.equal((await get(`${s.url}/nouri`)).status, 404);
    const line = s.logLines.find((l) => l.message.includes('NoUri.xml'));
    assert.ok(line, 'NoUri.xml is reported');
    assert.match(line.message, /endpoint template 'MainTemplate' \(.*MainTemplate\.xml:\d+:\d+\) with these parameters: .*\$uri/);
  });

  it('sequence and endpoint templates share one set of names: the second StockTemplate is refused', async () => {
    assert.ok(s.logLines.some((l) => /StockTemplateSeq\.xml.*MI_ART_011/.test(l.message)));
    // the endpoint template keeps serving
    assert.equal((await post(`${s.url}/quotes/named/IBM`, '')).status, 405);
  });
});
