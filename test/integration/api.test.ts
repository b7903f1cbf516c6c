import assert from 'node:assert/strict';
import { startBackend, startTestServer, get, SYN, type Backend, type TestServer } from '../helpers/server.js';

describe('REST APIs over HTTP', () => {
  let s: TestServer;
  let backend: Backend;
  before(async () => {
    backend = await startBackend();
    const echoProps = (names: string[]) =>
      `<payloadFactory media-type="json"><format>{${names.map((n, i) => `"${n}":"$${i + 1}"`).join(',')}}</format><args>${names
        .map((n) => `<arg expression="get-property('${n}')"/>`)
        .join('')}</args></payloadFactory><respond/>`;
    s = await startTestServer({
      'api/Stock.xml': `<api ${SYN} name="StockAPI" context="/stock">
        <resource methods="GET" uri-template="/quote/{symbol}">
          <inSequence>${echoProps(['uri.var.symbol', 'query.param.currency', 'REST_METHOD', 'REST_API_CONTEXT', 'REST_FULL_REQUEST_PATH', 'REST_SUB_REQUEST_PATH', 'SYNAPSE_REST_API'])}</inSequence>
        </resource>
        <resource methods="GET" uri-template="/search?q={query}&amp;limit={limit}">
          <inSequence>${echoProps(['uri.var.query', 'uri.var.limit'])}</inSequence>
        </resource>
        <resource methods="POST PUT" url-mapping="/orders/*">
          <inSequence>${echoProps(['REST_METHOD'])}</inSequence>
        </resource>
      </api>`,
      'api/Versioned.xml': `<api ${SYN} name="Versioned" context="/v" version="2.0" version-type="url">
        <resource methods="GET" uri-template="/ping"><inSequence>${echoProps(['SYNAPSE_REST_API_VERSION', 'SYNAPSE_REST_API'])}</inSequence></resource></api>`,
      'api/CtxVersioned.xml': `<api ${SYN} name="CtxVersioned" context="/c/{version}/x" version="1" version-type="context">
        <resource methods="GET" url-mapping="/ping"><inSequence>${echoProps(['REST_API_CONTEXT'])}</inSequence></resource></api>`,
      'api/Backend.xml': `<api ${SYN} name="BackendAPI" context="/proxyapi">
        <resource methods="GET" uri-template="/items/{id}">
          <inSequence><call><endpoint><http method="get" uri-template="${backend.url}/items/{uri.var.id}?v={query.param.v}"/></endpoint></call><respond/></inSequence>
        </resource></api>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('binds uri-template variables, query parameters and the REST_* properties', async () => {
    const r = await get(`${s.url}/stock/quote/IBM?currency=USD`);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), {
      'uri.var.symbol': 'IBM',
      'query.param.currency': 'USD',
      REST_METHOD: 'GET',
      REST_API_CONTEXT: '/stock',
      REST_FULL_REQUEST_PATH: '/stock/quote/IBM?currency=USD',
      REST_SUB_REQUEST_PATH: '/quote/IBM?currency=USD',
      SYNAPSE_REST_API: 'StockAPI',
    });
  });

  it('decodes percent-encoded path variables', async () => {
    const r = await get(`${s.url}/stock/quote/A%20B`);
    assert.equal(JSON.parse(r.text)['uri.var.symbol'], 'A B');
  });

  it('matches query templates with parameters in any order', async () => {
    const r = await get(`${s.url}/stock/search?limit=5&q=ibm&extra=1`);
    assert.deepEqual(JSON.parse(r.text), { 'uri.var.query': 'ibm', 'uri.var.limit': '5' });
  });

  it('a query template needs each name= in the request, as Synapse: an empty value matches, a bare name or no name is 404', async () => {
    const empty = await get(`${s.url}/stock/search?q=&limit=`);
    assert.equal(empty.status, 200);
    assert.deepEqual(JSON.parse(empty.text), { 'uri.var.query': '', 'uri.var.limit': '' });
    for (const q of ['', '?q=ibm', '?q&limit=5', '?q=ibm&limit', '?Q=ibm&limit=5']) {
      const r = await get(`${s.url}/stock/search${q}`);
      assert.equal(r.status, 404, `/stock/search${q}`);
      assert.equal(r.text, '', 'an empty 404, as Micro Integrator');
    }
  });

  it('matches url-mapping prefixes and the listed methods', async () => {
    const r = await fetch(`${s.url}/stock/orders/1/lines`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { REST_METHOD: 'PUT' });
  });

  it('answers 405 when the path matches but the method does not, and 404 when no resource matches', async () => {
    const r = await fetch(`${s.url}/stock/quote/IBM`, { method: 'DELETE' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
    assert.equal((await get(`${s.url}/stock/unknown`)).status, 404);
    assert.equal((await get(`${s.url}/stockquote/quote/IBM`)).status, 404, 'context must match on a segment boundary');
  });

  it('serves versioned APIs under context/version and with {version} in the context', async () => {
    const r = await get(`${s.url}/v/2.0/ping`);
    assert.deepEqual(JSON.parse(r.text), { SYNAPSE_REST_API_VERSION: '2.0', SYNAPSE_REST_API: 'Versioned:v2.0' });
    assert.equal((await get(`${s.url}/v/ping`)).status, 404);
    const c = await get(`${s.url}/c/1/x/ping`);
    assert.deepEqual(JSON.parse(c.text), { REST_API_CONTEXT: '/c/1/x' });
  });

  it('calls an http endpoint whose uri-template uses uri.var and query.param', async () => {
    const r = await get(`${s.url}/proxyapi/items/42?v=3`);
    assert.equal(r.status, 200);
    assert.equal(backend.requests.at(-1)!.url, '/items/42?v=3');
    assert.equal(backend.requests.at(-1)!.method, 'GET');
  });
});
