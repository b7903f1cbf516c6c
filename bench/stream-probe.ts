/**
 * Does a pass-through proxy forward a request body before it has all of it? A backend in this process
 * notes how many body bytes reached it; the client sends the first half of a body, waits for the backend
 * to see bytes (up to `waitMs`), then sends the rest. A proxy that buffers the body shows the backend
 * nothing until the client's last byte.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProbeBackend {
  port: number;
  /** Body bytes received by the backend for the request in flight. */
  received(): number;
  /** Resolves when the backend has seen body bytes, or after `ms`. */
  seen(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export async function probeBackend(): Promise<ProbeBackend> {
  let got = 0;
  let waiters: (() => void)[] = [];
  const server = http.createServer((req, res) => {
    got = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      got += c.length;
      chunks.push(c);
      for (const w of waiters) w();
      waiters = [];
    });
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/xml', 'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    received: () => got,
    seen: (ms) =>
      got > 0
        ? Promise.resolve(true)
        : new Promise((resolve) => {
            const t = setTimeout(() => resolve(got > 0), ms);
            waiters.push(() => {
              clearTimeout(t);
              resolve(true);
            });
          }),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface ProbeResult {
  /** Bytes the backend had received when the client still held back the second half. */
  beforeRest: number;
  status: number;
  answerBytes: number;
}

/** POSTs `body` chunked to `url` in two halves, the second only once the backend saw bytes or `waitMs` passed. */
export function sendInTwoHalves(url: string, body: Buffer, headers: Record<string, string>, backend: ProbeBackend, waitMs: number): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'transfer-encoding': 'chunked' } }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve({ beforeRest, status: res.statusCode ?? 0, answerBytes: n }));
      res.on('error', reject);
    });
    let beforeRest = 0;
    req.on('error', reject);
    const half = body.length >> 1;
    req.write(body.subarray(0, half));
    void backend.seen(waitMs).then(() => {
      beforeRest = backend.received();
      req.end(body.subarray(half));
    });
  });
}
