import assert from 'node:assert/strict';
import { startBackend, startTestServer, get, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HASH_GEN = '<hashGenerator>org.wso2.carbon.mediator.cache.digest.HttpRequestHashGenerator</hashGenerator>';

/** An API whose in-sequence holds `finder` before a send to the backend, and whose out-sequence collects. */
const api = (name: string, context: string, backend: string, finder: string) => `<api ${SYN} name="${name}" context="${context}">
  <resource methods="GET POST PUT DELETE" url-mapping="/*">
    <inSequence>${finder}<send><endpoint><address uri="${backend}"/></endpoint></send></inSequence>
    <outSequence><cache collector="true"/><respond/></outSequence>
  </resource></api>`;

describe('cache mediator over HTTP', function () {
  this.timeout(60_000);
  let s: TestServer;
  let backend: Backend;
  let hits = 0;
  before(async () => {
    backend = await startBackend((req, _body, res) => {
      hits++;
      const u = new URL(req.url ?? '/', 'http://x');
      const headers: Record<string, string> = { 'content-type': 'application/json', 'x-backend': 'yes' };
      const cc = u.searchParams.get('cc');
      if (cc) headers['cache-control'] = cc;
      if (u.searchParams.get('etag')) headers['etag'] = '"v1"';
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        return res.end();
      }
      const code = Number(u.searchParams.get('code') ?? 200);
      const pad = u.searchParams.get('pad') ?? '';
      res.writeHead(code, headers);
      res.end(JSON.stringify({ n: hits, method: req.method, path: u.pathname, pad }));
    });
    const b = backend.url;
    s = await startTestServer({
      'api/Plain.xml': api('Plain', '/plain', b, `<cache collector="false" timeout="60"><protocol type="HTTP"><methods>GET, POST</methods><headersToExcludeInHash>x-trace</headersToExcludeInHash><responseCodes>2[0-9][0-9]</responseCodes>${HASH_GEN}</protocol><implementation maxSize="100"/></cache>`),
      'api/Hit.xml': api('Hit', '/hit', b, `<cache collector="false" timeout="60"><onCacheHit><property name="X-From-Cache" value="yes" scope="transport"/><respond/></onCacheHit></cache>`),
      'api/HitSeq.xml': api('HitSeq', '/hitseq', b, `<cache collector="false"><onCacheHit sequence="onHit"/></cache>`),
      'sequences/onHit.xml': `<sequence ${SYN} name="onHit"><property name="X-Hit-Seq" value="yes" scope="transport"/><respond/></sequence>`,
      'api/Short.xml': api('Short', '/short', b, `<cache collector="false" timeout="2"/>`),
      'api/Control.xml': api('Control', '/control', b, `<cache collector="false" timeout="60"><protocol type="HTTP"><enableCacheControl>true</enableCacheControl><includeAgeHeader>true</includeAgeHeader></protocol></cache>`),
      'api/NoAge.xml': api('NoAge', '/noage', b, `<cache collector="false" timeout="60"><protocol type="HTTP"><enableCacheControl>true</enableCacheControl></protocol></cache>`),
      'api/Small.xml': api('Small', '/small', b, `<cache collector="false" timeout="60" maxMessageSize="60"/>`),
      'api/Lru.xml': api('Lru', '/lru', b, `<cache collector="false" timeout="60"><implementation maxSize="2"/></cache>`),
      'api/Include.xml': api('Include', '/include', b, `<cache collector="false" timeout="60"><protocol type="HTTP"><headersToIncludeInHash>x-tenant</headersToIncludeInHash></protocol></cache>`),
      'api/Legacy.xml': api('Legacy', '/legacy', b, `<cache collector="false" timeout="60" scope="per-host" hashGenerator="${'org.wso2.carbon.mediator.cache.digest.HttpRequestHashGenerator'}"><implementation type="memory" maxSize="10"/></cache>`),
      'api/WrongFlow.xml': `<api ${SYN} name="WrongFlow" context="/wrongflow"><resource methods="GET"><inSequence><cache collector="true"/><respond/></inSequence>
        <faultSequence><payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format><args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory><property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence></resource></api>`,
      'api/BadGen.xml': api('BadGen', '/badgen', b, `<cache collector="false"><protocol type="HTTP"><hashGenerator>org.wso2.carbon.mediator.cache.digest.DOMHASHGenerator</hashGenerator></protocol></cache>`),
      'api/NoCollector.xml': api('NoCollector', '/nocollector', b, `<cache timeout="10"/>`),
      'api/BadMethod.xml': api('BadMethod', '/badmethod', b, `<cache collector="false"><protocol type="HTTP"><methods>GET POST</methods></protocol></cache>`),
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });
  beforeEach(() => (hits = 0));

  it('answers a repeated GET from the cache with the original status, headers and body, without calling the backend', async () => {
    const a = await get(`${s.url}/plain/items?q=1`);
    const b = await get(`${s.url}/plain/items?q=1`);
    assert.equal(hits, 1, 'the backend was called once');
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(b.text, a.text);
    assert.equal(b.headers.get('x-backend'), 'yes');
    assert.match(b.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(b.headers.get('age'), null, 'no Age header without includeAgeHeader');
    const other = await get(`${s.url}/plain/items?q=2`);
    assert.equal(hits, 2, 'another query is another entry');
    assert.notEqual(other.text, a.text);
  });

  it('hashes POST bodies: the same body is a hit, another body a miss', async () => {
    const body = '{"order":1}';
    const h = { 'content-type': 'application/json' };
    const a = await post(`${s.url}/plain/orders`, body, h);
    const b = await post(`${s.url}/plain/orders`, body, h);
    const c = await post(`${s.url}/plain/orders`, '{"order":2}', h);
    assert.equal(b.text, a.text);
    assert.notEqual(c.text, a.text);
    assert.equal(hits, 2);
  });

  it('stores only the methods listed and only response codes matching responseCodes', async () => {
    await fetch(`${s.url}/plain/put`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } }).then((r) => r.text());
    await fetch(`${s.url}/plain/put`, { method: 'PUT', body: 'x', headers: { 'content-type': 'text/plain' } }).then((r) => r.text());
    assert.equal(hits, 2, 'PUT is not in <methods>');
    const e1 = await get(`${s.url}/plain/err?code=500`);
    const e2 = await get(`${s.url}/plain/err?code=500`);
    assert.equal(e1.status, 500);
    assert.equal(e2.status, 500);
    assert.equal(hits, 4, '500 does not match 2[0-9][0-9]');
    const n1 = await get(`${s.url}/plain/created?code=201`);
    const n2 = await get(`${s.url}/plain/created?code=201`);
    assert.equal(n2.status, 201, 'the stored status comes back');
    assert.equal(n2.text, n1.text);
    assert.equal(hits, 5);
  });

  it('never answers a DELETE with the cached GET of the same URL', async () => {
    await get(`${s.url}/hit/thing`);
    const d = await fetch(`${s.url}/hit/thing`, { method: 'DELETE' });
    assert.equal(((await d.json()) as { method: string }).method, 'DELETE');
    assert.equal(hits, 2);
  });

  it('leaves headersToExcludeInHash out of the hash and keeps the other headers in it', async () => {
    await get(`${s.url}/plain/h`, { 'x-trace': 'a' });
    await get(`${s.url}/plain/h`, { 'x-trace': 'b' });
    assert.equal(hits, 1, 'x-trace is excluded');
    await get(`${s.url}/plain/h`, { 'x-trace': 'a', 'x-other': '1' });
    await get(`${s.url}/plain/h`, { 'x-trace': 'a', 'x-other': '2' });
    assert.equal(hits, 3, 'x-other is hashed');
  });

  it('hashes only headersToIncludeInHash when given', async () => {
    await get(`${s.url}/include/t`, { 'x-tenant': 'a', 'x-noise': '1' });
    await get(`${s.url}/include/t`, { 'x-tenant': 'a', 'x-noise': '2' });
    assert.equal(hits, 1);
    await get(`${s.url}/include/t`, { 'x-tenant': 'b' });
    assert.equal(hits, 2);
  });

  it('runs an inline onCacheHit on a hit, with the cached response as the message', async () => {
    const a = await get(`${s.url}/hit/x`);
    assert.equal(a.headers.get('x-from-cache'), null);
    const b = await get(`${s.url}/hit/x`);
    assert.equal(b.headers.get('x-from-cache'), 'yes');
    assert.equal(b.text, a.text);
    assert.equal(hits, 1);
  });

  it('runs an onCacheHit sequence named by key', async () => {
    await get(`${s.url}/hitseq/y`);
    const b = await get(`${s.url}/hitseq/y`);
    assert.equal(b.headers.get('x-hit-seq'), 'yes');
    assert.equal(hits, 1);
  });

  it('forgets an entry after timeout seconds', async () => {
    await get(`${s.url}/short/z`);
    await get(`${s.url}/short/z`);
    assert.equal(hits, 1);
    await sleep(2600);
    await get(`${s.url}/short/z`);
    assert.equal(hits, 2);
  });

  it('with enableCacheControl: does not store no-store responses', async () => {
    await get(`${s.url}/control/ns?cc=no-store`);
    await get(`${s.url}/control/ns?cc=no-store`);
    assert.equal(hits, 2);
  });

  it('with includeAgeHeader: adds Age to a cached response; max-age sends an expired entry back to the backend', async () => {
    const a = await get(`${s.url}/control/ma?cc=max-age%3D3`);
    assert.equal(a.headers.get('age'), null, 'a response from the backend has no Age');
    const b = await get(`${s.url}/control/ma?cc=max-age%3D3`);
    assert.equal(hits, 1);
    assert.match(b.headers.get('age') ?? '', /^[0-2]$/);
    await sleep(4200);
    const c = await get(`${s.url}/control/ma?cc=max-age%3D3`);
    assert.equal(hits, 2, 'past max-age the backend answers');
    assert.notEqual(c.text, a.text);
  });

  it('with enableCacheControl: revalidates a no-cache entry with its ETag, and a 304 answers with the stored body', async () => {
    const a = await get(`${s.url}/control/et?cc=no-cache&etag=1`);
    const b = await get(`${s.url}/control/et?cc=no-cache&etag=1`);
    assert.equal(hits, 2, 'the backend was asked again');
    assert.equal(backend.requests.at(-1)!.headers['if-none-match'], '"v1"');
    assert.equal(b.status, 200);
    assert.equal(b.text, a.text, 'the 304 was answered with the stored response');
  });

  it('keeps cache control off without <includeAgeHeader>, as Micro Integrator, and warns at deploy (MI_ART_062)', async () => {
    await get(`${s.url}/noage/ns?cc=no-store`);
    await get(`${s.url}/noage/ns?cc=no-store`);
    assert.equal(hits, 1, 'no-store was not honoured');
    assert.match(s.logLines.map((l) => l.message).join('\n'), /NoAge\.xml:\d+:\d+.*MI_ART_062/);
  });

  it('does not store a response larger than maxMessageSize', async () => {
    await get(`${s.url}/small/a`);
    await get(`${s.url}/small/a`);
    assert.equal(hits, 1, 'a small response is stored');
    await get(`${s.url}/small/b?pad=${'x'.repeat(100)}`);
    await get(`${s.url}/small/b?pad=${'x'.repeat(100)}`);
    assert.equal(hits, 3, 'a large one is not');
  });

  it('keeps at most maxSize entries, dropping the least recently used', async () => {
    await get(`${s.url}/lru/1`);
    await get(`${s.url}/lru/2`);
    await get(`${s.url}/lru/1`); // 1 is now the most recent
    await get(`${s.url}/lru/3`); // drops 2
    assert.equal(hits, 3);
    await get(`${s.url}/lru/1`);
    assert.equal(hits, 3, '1 is still there');
    await get(`${s.url}/lru/2`);
    assert.equal(hits, 4, '2 was dropped');
  });

  it('accepts the older form with scope and the hashGenerator attribute', async () => {
    await get(`${s.url}/legacy/l`);
    await get(`${s.url}/legacy/l`);
    assert.equal(hits, 1);
  });

  it('faults a collector that gets a request (MI_MED_060) with Micro Integrator\'s message', async () => {
    const r = await get(`${s.url}/wrongflow`);
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.text), { code: 'MI_MED_060', message: 'Request messages cannot be handled in a collector cache' });
  });

  it('refuses at deploy another hashGenerator (MI_ART_060), a missing collector and an unknown method', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /BadGen\.xml:\d+:\d+.*MI_ART_060.*org\.wso2\.carbon\.mediator\.cache\.digest\.DOMHASHGenerator/);
    assert.match(logged, /NoCollector\.xml:\d+:\d+.*MI_ART_006.*The collector attribute must be specified/);
    assert.match(logged, /BadMethod\.xml:\d+:\d+.*MI_ART_007.*Unexpected method type: GET POST/);
    assert.equal((await get(`${s.url}/badgen/x`)).status, 404);
  });
});

describe('cache mediator on a SOAP proxy', function () {
  this.timeout(30_000);
  let s: TestServer;
  let backend: Backend;
  before(async () => {
    let n = 0;
    backend = await startBackend((_req, _body, res) => {
      n++;
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(soap11(`<r:quote xmlns:r="urn:q"><r:n>${n}</r:n></r:quote>`));
    });
    s = await startTestServer({
      'proxy-services/Quote.xml': `<proxy ${SYN} name="Quote"><target>
        <inSequence><cache collector="false" timeout="60"/><send><endpoint><address uri="${backend.url}"/></endpoint></send></inSequence>
        <outSequence><cache collector="true"/><send/></outSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('hashes the SOAP Body only: requests that differ in their SOAP headers (WS-Addressing MessageID) share an entry', async () => {
    const wsa = (id: string) => `<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">${id}</wsa:MessageID>`;
    const body = '<q:get xmlns:q="urn:q"><q:symbol>IBM</q:symbol></q:get>';
    const h = { SOAPAction: 'urn:get' };
    const a = await post(`${s.url}/services/Quote`, soap11(body, wsa('urn:uuid:1')), h);
    const b = await post(`${s.url}/services/Quote`, soap11(body, wsa('urn:uuid:2')), h);
    const c = await post(`${s.url}/services/Quote`, soap11('<q:get xmlns:q="urn:q"><q:symbol>SUN</q:symbol></q:get>'), h);
    assert.equal(backend.requests.length, 2);
    assert.equal(b.text, a.text);
    assert.match(a.text, /<r:n>1<\/r:n>/);
    assert.match(c.text, /<r:n>2<\/r:n>/);
  });
});
