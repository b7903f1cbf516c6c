/**
 * A stand-in for HashiCorp Vault, which cannot be installed on this machine. It is a small node:http(s)
 * server implementing the documented Vault API endpoints the runtime calls, with Vault's answers:
 *   POST /v1/auth/approle/login        {role_id, secret_id} -> {auth: {client_token, lease_duration, ...}}
 *   GET  /v1/auth/token/lookup-self    X-Vault-Token -> {data: {ttl, ...}}, 403 for an unknown token
 *   GET  /v1/<kv1 mount>/<path>        KV version 1 -> {data: {...}}
 *   GET  /v1/<kv2 mount>/data/<path>   KV version 2 -> {data: {data: {...}, metadata: {...}}}
 * Secrets live per namespace (the X-Vault-Namespace header); a missing or expired token gets
 * 403 {"errors":["permission denied"]}, a missing secret 404 {"errors":[]}.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface VaultCall {
  method: string;
  url: string;
  token: string | undefined;
  namespace: string | undefined;
}

export class VaultStandIn {
  /** Engine version per mount. */
  readonly mounts: Record<string, 1 | 2> = { secret: 2, kv: 1 };
  /** namespace ('' for none) -> path without the data/ segment (e.g. secret/app) -> fields. */
  readonly secrets = new Map<string, Map<string, Record<string, unknown>>>();
  readonly roles = new Map<string, string>();
  readonly tokens = new Map<string, number>();
  readonly calls: VaultCall[] = [];
  leaseSeconds = 3600;
  logins = 0;
  private server: http.Server | undefined;
  port = 0;

  constructor(private readonly tls?: { key: string; cert: string }) {}

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  put(namespace: string, path: string, fields: Record<string, unknown>): void {
    if (!this.secrets.has(namespace)) this.secrets.set(namespace, new Map());
    this.secrets.get(namespace)!.set(path, fields);
  }

  rootToken(token: string): void {
    this.tokens.set(token, Infinity);
  }

  async start(port = 0): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks).toString('utf8'), res));
    };
    this.server = this.tls ? https.createServer(this.tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** An outage: connections are refused until start(port) again. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private send(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private tokenValid(token: string | undefined): boolean {
    const exp = token === undefined ? undefined : this.tokens.get(token);
    return exp !== undefined && Date.now() < exp;
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const token = req.headers['x-vault-token'] as string | undefined;
    const namespace = (req.headers['x-vault-namespace'] as string | undefined)?.replace(/^\/|\/$/g, '');
    const url = new URL(req.url ?? '/', 'http://vault');
    this.calls.push({ method: req.method ?? '', url: url.pathname, token, namespace });
    const p = url.pathname;
    if (req.method === 'POST' && p === '/v1/auth/approle/login') {
      const { role_id, secret_id } = JSON.parse(body || '{}') as { role_id?: string; secret_id?: string };
      if (!role_id || this.roles.get(role_id) !== secret_id) return this.send(res, 400, { errors: ['invalid role or secret ID'] });
      this.logins++;
      const t = `hvs.${randomUUID()}`;
      this.tokens.set(t, Date.now() + this.leaseSeconds * 1000);
      return this.send(res, 200, { auth: { client_token: t, lease_duration: this.leaseSeconds, renewable: true, policies: ['default'] } });
    }
    if (!this.tokenValid(token)) return this.send(res, 403, { errors: ['permission denied'] });
    if (req.method === 'GET' && p === '/v1/auth/token/lookup-self') {
      const exp = this.tokens.get(token!)!;
      return this.send(res, 200, { data: { ttl: exp === Infinity ? 0 : Math.round((exp - Date.now()) / 1000) } });
    }
    const parts = p.replace(/^\/v1\//, '').split('/');
    const version = this.mounts[parts[0]!];
    if (req.method !== 'GET' || !version) return this.send(res, 404, { errors: [] });
    if (version === 2 && parts[1] !== 'data') return this.send(res, 404, { errors: [] });
    const path = version === 2 ? [parts[0], ...parts.slice(2)].join('/') : parts.join('/');
    const fields = this.secrets.get(namespace ?? '')?.get(path);
    if (!fields) return this.send(res, 404, { errors: [] });
    return this.send(res, 200, version === 2 ? { data: { data: fields, metadata: { version: 1 } } } : { data: fields, lease_duration: 2764800 });
  }
}
