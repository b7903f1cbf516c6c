/**
 * After a call the in-flow keeps request direction with the backend's response as its message, as in Micro
 * Integrator: loopback then runs the out-sequence, and send there answers the client with the backend's
 * status, headers and body. A call in an out-sequence leaves the message a response.
 */
import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, SYN, type Backend, type TestServer } from '../helpers/server.js';

describe('direction after call', () => {
  let s: TestServer;
  let backend: Backend;
  before(async () => {
    backend = await startBackend((_req, _body, res) => {
      res.writeHead(201, { 'content-type': 'application/xml', 'x-backend': 'yes' });
      res.end('<created><id>42</id></created>');
    });
    const ep = `<endpoint><address uri="${backend.url}/orders"/></endpoint>`;
    s = await startTestServer({
      'api/Loop.xml': `<api ${SYN} name="Loop" context="/loop"><resource methods="POST"><inSequence><call>${ep}</call><loopback/></inSequence><outSequence><send/></outSequence></resource></api>`,
      'proxy-services/OutCall.xml': `<proxy ${SYN} name="OutCall"><target><inSequence><send>${ep}</send></inSequence><outSequence><call>${ep}</call><send/></outSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('loopback after a call runs the out-sequence, whose send answers with the backend status, headers and body', async () => {
    const r = await post(`${s.url}/loop`, '<order/>', { 'content-type': 'application/xml' });
    assert.equal(r.status, 201);
    assert.equal(r.headers.get('x-backend'), 'yes');
    assert.equal(r.text, '<created><id>42</id></created>');
  });

  it('a call in an out-sequence leaves a response that send returns to the client', async () => {
    const r = await post(`${s.url}/services/OutCall`, '<order/>', { 'content-type': 'application/xml' });
    assert.equal(r.status, 201);
    assert.equal(r.text, '<created><id>42</id></created>');
    assert.equal(backend.requests.length >= 2, true);
  });
});
