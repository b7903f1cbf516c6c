import assert from 'node:assert/strict';
import { startBackend, startTestServer, get, post, soap11, SYN, type Backend, type TestServer } from '../helpers/server.js';
import { login, mgmt, USERS_TOML } from '../management/client.js';

// characters that JSON, XML and URLs each escape differently
const KEY = 'k3y-"Zq81"&<x>/+=';
const ENV = 'MI_TEST_REPLY_SECRET';
const LOOKUP = `wso2:vault-lookup('${ENV}', 'ENV', 'false')`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Every form of the secret a reply could carry it in. */
function leaks(text: string): string[] {
  const basic = b64(`orders:${KEY}`);
  const forms = [KEY, encodeURIComponent(KEY), encodeURI(KEY), JSON.stringify(KEY).slice(1, -1), b64(KEY), encodeURIComponent(b64(KEY)), basic, encodeURIComponent(basic)];
  // the part of the Basic value that only the secret's bytes decide (the 'orders:' prefix is 7 bytes)
  forms.push(basic.slice(10), encodeURIComponent(basic.slice(10)));
  return forms.filter((f) => text.includes(f));
}

describe('no secret reaches a client in a reply the runtime writes', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    process.env[ENV] = KEY;
    backend = await startBackend();
    const down = 'http://127.0.0.1:1';
    s = await startTestServer(
      {
        'api/Keyed.xml': `<api ${SYN} name="Keyed" context="/keyed">
          <resource methods="GET" uri-template="/plain"><inSequence>
            <property name="key" expression="${LOOKUP}"/>
            <send><endpoint><http method="get" uri-template="${down}/quote?apikey={key}"/></endpoint></send></inSequence></resource>
          <resource methods="GET" uri-template="/fresh"><inSequence>
            <property name="key" expression="${LOOKUP}"/>
            <send><endpoint><http method="get" uri-template="${down}/fresh?apikey={key}"/></endpoint></send></inSequence></resource>
          <resource methods="GET" uri-template="/base64"><inSequence>
            <property name="token" expression="base64Encode(${LOOKUP})"/>
            <send><endpoint><http method="get" uri-template="${down}/quote?token={token}"/></endpoint></send></inSequence></resource>
          <resource methods="GET" uri-template="/basic"><inSequence>
            <property name="auth" expression="fn:concat('Basic ', base64Encode(fn:concat('orders:', ${LOOKUP})))"/>
            <send><endpoint><http method="get" uri-template="${down}/quote?auth={auth}&amp;raw={+auth}"/></endpoint></send></inSequence></resource>
          <resource methods="GET" uri-template="/built"><inSequence>
            <property name="key" expression="${LOOKUP}"/>
            <payloadFactory media-type="text"><format>the user chose to send $1</format><args><arg expression="$ctx:key"/></args></payloadFactory>
            <respond/></inSequence></resource>
        </api>`,
        'proxy-services/KeyedSoap.xml': `<proxy ${SYN} name="KeyedSoap"><target><inSequence>
            <property name="key" expression="${LOOKUP}"/>
            <send><endpoint><http uri-template="${down}/soap?apikey={+key}"/></endpoint></send></inSequence></target></proxy>`,
        'endpoints/HardCoded.xml': `<endpoint ${SYN} name="HardCoded"><address uri="${backend.url}/q?apikey=${encodeURIComponent(KEY)}"/></endpoint>`,
      },
      `[server]\nhot_deployment = false\n${USERS_TOML}`,
    );
  });
  after(async () => {
    await s.close();
    await backend.close();
    delete process.env[ENV];
  });

  for (const path of ['/keyed/plain', '/keyed/base64', '/keyed/basic']) {
    it(`masks the secret, its Base64 and a Basic value built from it in the JSON 502 (${path})`, async () => {
      const r = await get(`${s.url}${path}`);
      assert.equal(r.status, 502);
      const body = JSON.parse(r.text) as { code: string; message: string; correlationId: string };
      assert.equal(body.code, '101503');
      assert.match(body.message, /127\.0\.0\.1:1\/quote\?/);
      assert.match(body.message, /\*\*\*\*\*/);
      assert.deepEqual(leaks(r.text), []);
    });
  }

  it('masks the secret in a SOAP fault, escaped as XML', async () => {
    const r = await post(`${s.url}/services/KeyedSoap`, soap11('<ping/>'), { SOAPAction: 'urn:ping' });
    assert.equal(r.status, 502);
    assert.match(r.text, /<faultstring>[^<]*\*\*\*\*\*/);
    assert.deepEqual(leaks(r.text), []);
    assert.ok(!r.text.includes('k3y-&quot;Zq81&quot;&amp;&lt;x&gt;'), r.text);
  });

  it('leaves a payload a mediator built alone, while a concurrent fault is masked', async () => {
    const [built, fault] = await Promise.all([get(`${s.url}/keyed/built`), get(`${s.url}/keyed/fresh`)]);
    assert.equal(built.status, 200);
    assert.equal(built.text, `the user chose to send ${KEY}`);
    assert.equal(fault.status, 502);
    assert.deepEqual(leaks(fault.text), []);
  });

  it('masks revealed secrets in management API replies', async () => {
    await get(`${s.url}/keyed/plain`); // reveals the secret
    const token = await login(s);
    const r = await mgmt(s, '/endpoints?endpointName=HardCoded', { token });
    assert.equal(r.status, 200);
    const text = JSON.stringify(r.body);
    assert.match(text, /apikey=\*\*\*\*\*/);
    assert.deepEqual(leaks(text), []);
  });
});
