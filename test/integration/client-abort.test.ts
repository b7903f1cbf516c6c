import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startBackend, startTestServer, post, SYN, type Backend, type TestServer } from '../helpers/server.js';

/** Sends the head and half of a chunked body, then destroys the socket. Resolves once the socket is gone. */
function abortMidUpload(url: string, path: string): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const sock = net.connect(Number(u.port), u.hostname, () => {
      sock.write(`POST ${path} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n`);
      sock.write('10\r\n<order><id>1</id>\r\n');
      // the runtime has opened the backend request and is streaming the body when the client goes
      setTimeout(() => {
        sock.destroy();
        resolve();
      }, 150);
    });
    sock.on('error', () => {});
  });
}

describe('a client that drops its upload to a pass-through proxy', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    s = await startTestServer({
      'endpoints/Backend.xml': `<endpoint ${SYN} name="Backend"><address uri="${backend.url}/echo"/></endpoint>`,
      'proxy-services/Stream.xml': `<proxy ${SYN} name="Stream"><target><endpoint key="Backend"/></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('does not suspend the endpoint: the next request gets the backend, and the log blames the client', async () => {
    const [, innocent] = await Promise.all([abortMidUpload(s.url, '/services/Stream'), post(`${s.url}/services/Stream`, '<innocent/>')]);
    assert.equal(innocent.status, 200);
    assert.equal(innocent.text, '<innocent/>');
    await new Promise((r) => setTimeout(r, 200));
    const r = await post(`${s.url}/services/Stream`, '<ok/>');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '<ok/>');
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /Client closed the connection while its request was being sent/);
    assert.match(logged, /MI_REQ_010/);
    assert.doesNotMatch(logged, /Suspending endpoint|Connection reset by/);
  });
});

describe('a backend that resets while a client streams its upload', () => {
  let s: TestServer;
  let resets: http.Server;
  before(async () => {
    // reads the head, then drops the connection while the body is still coming
    resets = http.createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => resets.listen(0, '127.0.0.1', () => r()));
    const port = (resets.address() as { port: number }).port;
    s = await startTestServer({
      'endpoints/Resets.xml': `<endpoint ${SYN} name="Resets"><address uri="http://127.0.0.1:${port}/echo"/></endpoint>`,
      'proxy-services/ToResets.xml': `<proxy ${SYN} name="ToResets"><target><endpoint key="Resets"/></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    resets.closeAllConnections();
    await new Promise((r) => resets.close(r));
  });

  it('still counts against the endpoint (the client did nothing wrong)', async () => {
    const u = new URL(s.url);
    const outcome = await new Promise<string>((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, agent: false, method: 'POST', path: '/services/ToResets', headers: { 'content-type': 'text/xml' } }, (res) => {
        res.resume();
        resolve(String(res.statusCode));
      });
      req.on('error', (e) => resolve(e.message));
      req.write('<order>');
      setTimeout(() => req.end('</order>'), 300);
    });
    assert.equal(outcome, '502');
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.doesNotMatch(logged, /Client closed the connection/);
    assert.match(logged, /Suspending endpoint : Resets/);
  });
});

describe('a backend that breaks off its answer after the head (pass-through)', () => {
  let halfway: net.Server;
  let s: TestServer;
  before(async () => {
    // promises 2000 bytes, sends 100, then resets the connection
    halfway = net.createServer((sock) => {
      sock.once('data', () => {
        sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 2000\r\n\r\n<r>' + 'x'.repeat(97));
        setTimeout(() => sock.resetAndDestroy(), 100);
      });
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => halfway.listen(0, '127.0.0.1', r));
    const port = (halfway.address() as net.AddressInfo).port;
    s = await startTestServer({
      'proxy-services/Halfway.xml': `<proxy ${SYN} name="Halfway"><target><endpoint><address uri="http://127.0.0.1:${port}/half"/></endpoint></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await new Promise((r) => halfway.close(r));
  });

  /** One request to the proxy: its status, the body bytes that arrived, and how the body ended (or 'waiting'). */
  function request(): Promise<{ status: number; bytes: number; how: string }> {
    const u = new URL(s.url);
    return new Promise((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, agent: false, method: 'POST', path: '/services/Halfway', headers: { 'content-type': 'text/xml' } }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode!, bytes, how: 'end' }));
        res.on('error', (e) => resolve({ status: res.statusCode!, bytes, how: e.message }));
        setTimeout(() => {
          resolve({ status: res.statusCode!, bytes, how: 'waiting' });
          req.destroy();
        }, 5000);
      });
      req.on('error', (e) => resolve({ status: 0, bytes: 0, how: e.message }));
      req.end('<order/>');
    });
  }

  it('cuts the client off at once instead of leaving it waiting for the rest, and goes on serving', async () => {
    for (let i = 0; i < 2; i++) {
      const outcome = await request();
      assert.equal(outcome.status, 200);
      assert.equal(outcome.bytes, 100, 'the bytes that came before the break are forwarded');
      assert.equal(outcome.how, 'aborted', 'the client learns that the answer broke off');
    }
  });
});
