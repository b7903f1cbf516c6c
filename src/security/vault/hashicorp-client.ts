/**
 * The HTTP calls to HashiCorp Vault's API (node:http/https, one keep-alive agent): AppRole login, token
 * self-lookup and secret reads, with the token in X-Vault-Token and the namespace in X-Vault-Namespace.
 * Failures become MI_SEC_008 errors that name the address and never the token.
 */
import http from 'node:http';
import https from 'node:https';
import { Errors, MiError } from '../../errors.js';
import type { HashiCorpConfig } from './hashicorp-config.js';

/** Vault did not answer (or answered with a server error): the case a cached value is served through. */
export class VaultUnreachableError extends MiError {}

export interface VaultResponse {
  status: number;
  body: Record<string, unknown>;
}

export class HashiCorpClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(private readonly cfg: HashiCorpConfig) {
    this.secure = cfg.address.startsWith('https:');
    this.agent = this.secure
      ? new https.Agent({ keepAlive: true, ca: cfg.tls.ca, key: cfg.tls.key, cert: cfg.tls.cert })
      : new http.Agent({ keepAlive: true });
  }

  request(method: 'GET' | 'POST', apiPath: string, opts: { token?: string; namespace?: string; body?: unknown } = {}): Promise<VaultResponse> {
    const url = new URL(`${this.cfg.address}/v1/${apiPath.replace(/^\/+/, '')}`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (opts.token) headers['x-vault-token'] = opts.token;
    if (opts.namespace) headers['x-vault-namespace'] = opts.namespace;
    const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const lib = this.secure ? https : http;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, timeout: this.cfg.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.unreachable(err)));
        res.on('end', () => {
          let body: Record<string, unknown> = {};
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            if (text.trim()) body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // a proxy's HTML error page: the status says enough
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${this.cfg.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.unreachable(err)));
      req.end(payload);
    });
  }

  private unreachable(err: Error): MiError {
    const code = (err as NodeJS.ErrnoException).code;
    return new VaultUnreachableError(Errors.EXTERNAL_VAULT_UNAVAILABLE, `HashiCorp Vault at ${this.cfg.address} cannot be reached (${code ?? err.message})`);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Vault's own explanation of a failed call: `{"errors": [...]}`. */
export function vaultErrors(r: VaultResponse): string {
  const e = r.body['errors'];
  return Array.isArray(e) && e.length ? e.map(String).join('; ').slice(0, 300) : `HTTP ${r.status}`;
}
