/** Small loopback backends and an endpoint parser for the endpoint tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ParseAbort, ParseContext } from '../../src/artifacts/parse-context.js';
import type { Endpoint } from '../../src/endpoints/endpoint.js';
import { parseEndpoint } from '../../src/endpoints/parse.js';
import { parseXml } from '../../src/xml/dom.js';

export interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Backend {
  url: string;
  seen: Seen[];
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void;

/** A backend on 127.0.0.1:<random port> that records each request (after reading its body) and calls `handler`. */
export async function startBackend(handler: Handler): Promise<Backend> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  return listen(server, seen);
}

export async function listen(server: http.Server, seen: Seen[] = []): Promise<Backend> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening (connections are refused). */
export async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export const noMediators = { parseMediator: () => undefined };

/** Parses endpoint XML; `ep` is undefined when parsing was abandoned (see ctx.diagnostics). */
export function parse(xml: string, file = 'ep.xml'): { ep: Endpoint | undefined; ctx: ParseContext } {
  const ctx = new ParseContext(file, noMediators);
  const doc = parseXml(xml);
  try {
    return { ep: parseEndpoint(doc.documentElement, ctx), ctx };
  } catch (err) {
    if (err instanceof ParseAbort) return { ep: undefined, ctx };
    throw err;
  }
}

/** Parses XML that must be valid. */
export function endpoint(xml: string): Endpoint {
  const { ep, ctx } = parse(xml);
  const errors = ctx.diagnostics.filter((d) => d.severity === 'error');
  if (!ep || errors.length) throw new Error('unexpected parse errors: ' + JSON.stringify(ctx.diagnostics));
  return ep;
}

/** Runs `fn` and returns the error it throws (fails when it does not throw). */
export async function rejection(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

export const SOAP_REQUEST =
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol></m:request></m:getQuote>' +
  '</soapenv:Body></soapenv:Envelope>';
