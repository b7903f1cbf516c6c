/**
 * Starts the runtime on a temporary home built from fixture artifacts, listening on a free loopback port,
 * with logs captured in memory. Backends are real node:http servers on loopback.
 */
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, type Server } from '../../src/main.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';

export interface TestServer extends Server {
  home: string;
  url: string;
  logLines: { name: string; level: string; message: string }[];
  write(rel: string, content: string): string;
  /** Writes HOME/extensions/<rel> (TypeScript handlers, class mediators) and returns its path. */
  ext(rel: string, content: string): string;
  close(): Promise<void>;
}

/** files: path relative to synapse-configs/default -> XML text; extensions: path under HOME/extensions -> code. */
export async function startTestServer(
  files: Record<string, string>,
  toml = '[server]\nhot_deployment = false\n',
  extensions: Record<string, string> = {},
): Promise<TestServer> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mi-test-'));
  const dir = path.join(home, 'synapse-configs', 'default');
  mkdirSync(path.join(home, 'deployment'), { recursive: true });
  writeFileSync(path.join(home, 'deployment', 'deployment.toml'), toml);
  const write = (rel: string, content: string): string => {
    const p = path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  };
  const ext = (rel: string, content: string): string => {
    const p = path.join(home, 'extensions', rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  };
  mkdirSync(dir, { recursive: true });
  for (const [rel, content] of Object.entries(extensions)) ext(rel, content);
  for (const [rel, content] of Object.entries(files)) write(rel, content);
  const logs = memoryLoggerFactory();
  const server = await startServer({ home, logs, httpPort: 0, managementPort: 0, host: '127.0.0.1' });
  return Object.assign(server, {
    home,
    url: `http://127.0.0.1:${server.httpPort}`,
    logLines: logs.lines,
    write,
    ext,
    async close() {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  });
}

export interface Backend {
  url: string;
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

export type BackendHandler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

/** A real HTTP backend on loopback. The default handler echoes the body with the request content type. */
export async function startBackend(handler?: BackendHandler): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (handler) return handler(req, body, res);
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain', 'x-backend': 'echo' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

export function soap11(body: string, header = ''): string {
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">${header ? `<soapenv:Header>${header}</soapenv:Header>` : ''}<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml', ...headers } });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { headers });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

/** A request through node:http, which (unlike fetch) lets a test send any header, hop-by-hop ones included. */
export function rawRequest(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'POST', headers: opts.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
