/**
 * `?swagger.json` and `?swagger.yaml` over HTTP, as Micro Integrator answers them: the definition an API
 * publishes (publishSwagger) as written or converted, else the one MI generates from the API's resources
 * (OpenAPIProcessor), byte for byte in JSON.
 */
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { rawRequest, startTestServer, SYN, type TestServer } from '../helpers/server.js';

const PUBLISHED = JSON.stringify({
  openapi: '3.0.1',
  info: { title: 'Store', version: '2.1' },
  paths: { '/orders': { get: { responses: { '200': { description: 'the orders' } } } } },
});

describe('?swagger.json and ?swagger.yaml', function () {
  this.timeout(60000);
  let s: TestServer;
  let port: number;

  before(async () => {
    s = await startTestServer({
      'api/Pets.xml': `<api ${SYN} name="Pets" context="/pets" version="1.0.0" version-type="url">
        <resource methods="GET" uri-template="/pet/{petId}"><inSequence><respond/></inSequence></resource>
        <resource methods="POST PUT" uri-template="/pet"><inSequence><respond/></inSequence></resource>
        <resource methods="GET" uri-template="/pet/findByStatus?status={status}"><inSequence><respond/></inSequence></resource>
        <resource methods="DELETE GET" url-mapping="/store/*"><inSequence><respond/></inSequence></resource>
        <resource methods="PATCH" uri-template="/pet/{petId}/tags/{tag}"><inSequence><respond/></inSequence></resource>
      </api>`,
      'api/Described.xml': `<api ${SYN} name="Described" context="/described"><description>Opening hours of the shops</description>
        <resource methods="GET" uri-template="/"><inSequence><respond/></inSequence></resource></api>`,
      'api/Store.xml': `<api ${SYN} name="Store" context="/store" publishSwagger="file:synapse-configs/default/definitions/store.json">
        <resource methods="GET" uri-template="/orders"><inSequence><respond/></inSequence></resource></api>`,
      'definitions/store.json': PUBLISHED,
    });
    port = Number(new URL(s.url).port);
  });
  after(async () => s?.close());

  const get = (path: string) => rawRequest(`${s.url}${path}`, { method: 'GET' });

  it("generates MI's OpenAPI 3.0 definition from the resources when the API publishes none", async () => {
    const r = await get('/Pets?swagger.json');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    const ok = '"responses":{"default":{"description":"Default response"}}';
    const body = '"requestBody":{"description":"Sample Payload","content":{"application/json":{"schema":{"type":"object","properties":{"payload":{"type":"object"}}}}},"required":false}';
    const petId = '{"name":"petId","in":"path","required":true,"schema":{"type":"string"}}';
    assert.equal(
      r.text,
      '{"openapi":"3.0.1","info":{"title":"Pets","description":"API Definition of Pets","version":"1.0.0"},' +
        `"servers":[{"url":"http://127.0.0.1:${port}/pets/1.0.0"}],"paths":{` +
        `"/pet/{petId}":{"get":{"parameters":[${petId}],${ok}}},` +
        `"/pet":{"put":{${body},${ok}},"post":{${body},${ok}}},` +
        `"/pet/findByStatus":{"get":{"parameters":[{"name":"status","in":"query","schema":{"type":"string"}}],${ok}}},` +
        `"/store/*":{"get":{${ok}},"delete":{${ok}}},` +
        `"/pet/{petId}/tags/{tag}":{"patch":{"parameters":[${petId},{"name":"tag","in":"path","required":true,"schema":{"type":"string"}}],${body},${ok}}}}}`,
    );
  });

  it('answers the same in YAML, by name or by context, with the API description as info.description', async () => {
    const yaml = await get('/pets/1.0.0?swagger.yaml');
    assert.equal(yaml.status, 200);
    assert.equal(yaml.headers['content-type'], 'application/x-yaml');
    assert.match(yaml.text, /^openapi: 3\.0\.1\ninfo:\n  title: Pets\n  description: API Definition of Pets\n  version: 1\.0\.0\nservers:\n- url: http:\/\/127\.0\.0\.1:\d+\/pets\/1\.0\.0\npaths:\n  \/pet\/\{petId\}:\n    get:\n      parameters:\n      - name: petId\n/);
    assert.deepEqual(parse(yaml.text), JSON.parse((await get('/Pets?swagger.json')).text));
    const described = JSON.parse((await get('/described?swagger.json')).text);
    assert.deepEqual(described.info, { title: 'Described', description: 'Opening hours of the shops', version: '1.0.0' });
    assert.deepEqual(described.paths, { '/': { get: { responses: { default: { description: 'Default response' } } } } });
  });

  it('serves a published definition as written, and converted to the other form', async () => {
    const json = await get('/Store?swagger.json');
    assert.equal(json.text, PUBLISHED);
    const yaml = await get('/store?swagger.yaml');
    assert.equal(yaml.headers['content-type'], 'application/x-yaml');
    assert.deepEqual(parse(yaml.text), JSON.parse(PUBLISHED));
    assert.match(yaml.text, /^openapi: 3\.0\.1\ninfo:\n  title: Store\n  version: "2\.1"\n/);
  });

  it('leaves other queries and paths that name no API to the usual dispatch', async () => {
    assert.equal((await get('/Nothing?swagger.json')).status, 404);
    assert.equal((await get('/pets/1.0.0/pet/7?swagger.json')).status, 200, 'a resource path is no API');
    assert.equal((await rawRequest(`${s.url}/Pets?swagger.json`, { method: 'POST', body: '' })).status, 404, 'only GET asks for the definition');
  });
});
