/**
 * The session of `mi remote`: the server URL, the access token from /management/login and the TLS choices
 * made at login, kept in `$XDG_CONFIG_HOME/mi/remote.json` (else `~/.config/mi/remote.json`), mode 0600 in
 * a 0700 folder, since the token is a credential. Calls go through undici with a dispatcher that trusts
 * the CA given with --ca, or nothing at all with -k.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { Errors, MiError } from '../errors.js';
import { writeFileAtomic } from '../config/file-write.js';

export interface Session {
  /** `https://host:9164/management` */
  readonly url: string;
  readonly user: string;
  readonly token: string;
  /** -k at login: the server certificate is not verified. */
  readonly insecure: boolean;
  /** PEM of the CA trusted with --ca at login. */
  readonly ca?: string;
}

export interface Connection {
  readonly url: string;
  readonly insecure: boolean;
  readonly ca?: string;
}

export interface RemoteReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string | string[] | undefined>;
}

export function sessionFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env['XDG_CONFIG_HOME'] ? env['XDG_CONFIG_HOME'] : path.join(os.homedir(), '.config');
  return path.join(base, 'mi', 'remote.json');
}

export function saveSession(s: Session): string {
  const file = sessionFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify(s, null, 2) + '\n', 0o600);
  return file;
}

export function loadSession(): Session {
  const file = sessionFile();
  if (!existsSync(file)) throw new MiError(Errors.REMOTE_NO_SESSION, `not logged in (no ${file}); run \`mi remote login --url https://localhost:9164 -u <user>\``);
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Session;
    if (typeof s.url !== 'string' || typeof s.token !== 'string') throw new Error('url or token missing');
    return s;
  } catch (err) {
    throw new MiError(Errors.REMOTE_NO_SESSION, `${file} is damaged (${(err as Error).message}); run \`mi remote login\` again`);
  }
}

export function forgetSession(): boolean {
  const file = sessionFile();
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** `https://host:9164`, `https://host:9164/`, `.../management` all mean the management API there. */
export function managementUrl(given: string): string {
  let u: URL;
  try {
    u = new URL(given);
  } catch {
    throw new MiError(Errors.REMOTE_CONNECT, `--url '${given}' is not a URL; use the form https://localhost:9164`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new MiError(Errors.REMOTE_CONNECT, `--url must be http:// or https://, not ${u.protocol}`);
  const p = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${p.endsWith('/management') ? p : `${p}/management`}`;
}

function agentFor(c: Connection): Agent {
  return new Agent({ connect: { rejectUnauthorized: !c.insecure, ...(c.ca ? { ca: c.ca } : {}) } });
}

const TLS_HINT = /certificate|self[- ]signed|SSL|TLS|UNABLE_TO|ERR_TLS/i;

/** One call to the management API; network and TLS failures become REMOTE_CONNECT with a hint. */
export async function call(c: Connection, method: string, resource: string, opts: { auth?: string; body?: unknown } = {}): Promise<RemoteReply> {
  const agent = agentFor(c);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.auth) headers['authorization'] = opts.auth;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const r = await request(`${c.url}${resource}`, {
      method: method as 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      dispatcher: agent,
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await r.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text for the error message
    }
    return { status: r.statusCode, body, headers: r.headers };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: Error & { code?: string } };
    const detail = [e.code, e.message, e.cause?.code, e.cause?.message].filter(Boolean).join(': ');
    const hint = TLS_HINT.test(detail)
      ? '; the server certificate is not trusted: pass --ca <its CA or certificate PEM> at login, or -k for a development key store'
      : '; is the server running, and is the URL right (https://host:9164 by default)?';
    throw new MiError(Errors.REMOTE_CONNECT, `cannot reach ${c.url}: ${detail}${hint}`, { cause: err });
  } finally {
    void agent.close();
  }
}

/** The message of an error reply (`{"Error": ..., "code": ...}`), or the status line. */
export function replyError(r: RemoteReply): { code?: string; message: string } {
  const b = r.body as { Error?: unknown; code?: unknown; error?: unknown } | string | undefined;
  if (b && typeof b === 'object') {
    const message = typeof b.Error === 'string' ? b.Error : typeof b.error === 'string' ? b.error : JSON.stringify(b);
    return { code: typeof b.code === 'string' ? b.code : undefined, message };
  }
  return { message: typeof b === 'string' && b ? b : `HTTP ${r.status}` };
}

/** The body of a 2xx reply; otherwise the server's error, with its MI_ code, as the thrown error. */
export function expectOk(r: RemoteReply): unknown {
  if (r.status >= 200 && r.status < 300) return r.body;
  const e = replyError(r);
  throw Object.assign(new Error(e.message), { code: e.code }) as Error;
}
