/** A small client for management API tests: real HTTP(S) to the server under test, JSON in and out. */
import type { TestServer } from '../helpers/server.js';

export const ADMIN = { name: 'admin', password: 'admin-Pass1' };
export const VIEWER = { name: 'viewer', password: 'viewer-Pass1' };

/** [[internal_apis.users]]: one admin and one user without the admin role. */
export const USERS_TOML = `
[[internal_apis.users]]
user.name = "${ADMIN.name}"
user.password = "${ADMIN.password}"
user.is_admin = true

[[internal_apis.users]]
user.name = "${VIEWER.name}"
user.password = "${VIEWER.password}"
`;

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function mgmt(server: Pick<TestServer, 'managementUrl'>, path: string, opts: { method?: string; auth?: string; token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.auth) headers['authorization'] = opts.auth;
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(`${server.managementUrl}${path}`, { method: opts.method ?? 'GET', headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? JSON.parse(text) : undefined };
}

export async function login(server: Pick<TestServer, 'managementUrl'>, user = ADMIN): Promise<string> {
  const r = await mgmt(server, '/login', { auth: basic(user.name, user.password) });
  if (r.status !== 200) throw new Error(`login as ${user.name} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.AccessToken as string;
}
