import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, SYN, type Backend, type TestServer } from '../helpers/server.js';

const KEY = 'api-key-Zq81xT';

describe('{expression} parts in endpoint addresses', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    process.env['MI_TEST_API_KEY'] = KEY;
    backend = await startBackend();
    s = await startTestServer({
      'proxy-services/Keyed.xml': `<proxy ${SYN} name="Keyed"><target><endpoint>
          <address uri="${backend.url}/quote?apikey={wso2:vault-lookup('MI_TEST_API_KEY', 'ENV', 'false')}"/></endpoint></target></proxy>`,
      'proxy-services/Down.xml': `<proxy ${SYN} name="Down"><target><endpoint>
          <address uri="http://127.0.0.1:1/quote?apikey={wso2:vault-lookup('MI_TEST_API_KEY', 'ENV', 'false')}"/></endpoint></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
    delete process.env['MI_TEST_API_KEY'];
  });

  it('resolves a vault-lookup inside the uri for each message', async () => {
    const r = await post(`${s.url}/services/Keyed`, '<a/>', { 'content-type': 'application/xml' });
    assert.equal(r.status, 200);
    assert.equal(backend.requests.at(-1)!.url, `/quote?apikey=${KEY}`);
  });

  it('shows the uri template, never the resolved secret, when the backend fails', async () => {
    const r = await post(`${s.url}/services/Down`, '<a/>', { 'content-type': 'application/xml' });
    assert.equal(r.status, 502);
    assert.ok(!r.text.includes(KEY), r.text);
    assert.match(r.text, /vault-lookup/);
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.ok(!logged.includes(KEY));
  });
});
