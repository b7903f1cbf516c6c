/**
 * A client that sends its whole request and leaves before the answer: the backend's response is not read
 * by anyone, so its connection must be freed at once (not left in CLOSE-WAIT) and the server must still
 * stop promptly.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startTestServer, SYN } from '../helpers/server.js';

describe('a client that leaves before its answer', () => {
  it('frees the backend connection and lets the server stop', async () => {
    let backendClosed!: () => void;
    const closed = new Promise<void>((r) => (backendClosed = r));
    const backend = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // answer after the client has gone, with a body larger than the socket buffers, never ending by itself
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          res.write(Buffer.alloc(256 * 1024, 1));
        }, 300);
      });
      res.on('close', () => backendClosed());
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const port = (backend.address() as net.AddressInfo).port;
    const s = await startTestServer({
      'proxy-services/Pass.xml': `<proxy ${SYN} name="Pass"><target><endpoint><address uri="http://127.0.0.1:${port}/svc"/></endpoint></target></proxy>`,
    });
    try {
      const u = new URL(s.url);
      const sock = net.connect(Number(u.port), u.hostname);
      await new Promise<void>((r) => sock.once('connect', () => r()));
      const body = 'x'.repeat(1000);
      sock.write(`POST /services/Pass HTTP/1.1\r\nhost: x\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      await new Promise((r) => setTimeout(r, 100));
      sock.destroy();
      const freed = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      assert.equal(freed, true, 'the backend connection was not released after the client left');
    } finally {
      const t0 = Date.now();
      await s.close();
      assert.ok(Date.now() - t0 < 8000, `stop took ${Date.now() - t0} ms`);
      backend.closeAllConnections();
      await new Promise<void>((r) => backend.close(() => r()));
    }
  });
});

describe('a request line cut short by CR LF (HTTP/0.9)', () => {
  it('is never mediated: the connection is closed without an answer', async () => {
    let reached = 0;
    const backend = http.createServer((_req, res) => {
      reached++;
      res.end('backend');
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const port = (backend.address() as net.AddressInfo).port;
    const s = await startTestServer({
      'proxy-services/Pass.xml': `<proxy ${SYN} name="Pass"><target><endpoint><address uri="http://127.0.0.1:${port}/svc"/></endpoint></target></proxy>`,
    });
    try {
      const u = new URL(s.url);
      for (const line of ['GET /services/Pass\r\nX-Injected: 1 HTTP/1.1\r\n\r\n', 'GET /services/Pass\nX-Injected: 1 HTTP/1.1\r\n\r\n']) {
        const sock = net.connect(Number(u.port), u.hostname);
        let answer = '';
        sock.on('data', (c: Buffer) => (answer += c.toString('latin1')));
        sock.write(line);
        await new Promise<void>((r) => sock.once('close', () => r()));
        assert.doesNotMatch(answer, /backend/);
        assert.doesNotMatch(answer, /^HTTP\/1\.1 200/);
      }
      assert.equal(reached, 0);
    } finally {
      await s.close();
      backend.closeAllConnections();
      await new Promise<void>((r) => backend.close(() => r()));
    }
  });
});
