/**
 * The one page of the authorization code flow: a plain sign-in form for the users of the user store. It
 * reflects nothing from the request (the only dynamic text is the application's registered name, escaped);
 * the form posts back to its own URL with a token bound to the login interaction (an HMAC of its uid), and
 * the interaction cookie is SameSite=Lax, so another site cannot submit it. The page forbids framing and scripts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const MAX_FORM_BYTES = 8 * 1024;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function csrfToken(secret: Buffer, uid: string): string {
  return createHmac('sha256', secret).update(`login:${uid}`).digest('base64url');
}

export function csrfMatches(secret: Buffer, uid: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(csrfToken(secret, uid));
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

export function renderLogin(res: ServerResponse, status: number, action: string, csrf: string, appName: string, failed: boolean): void {
  const body = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Sign in</title>
<style>body{font-family:sans-serif;max-width:22em;margin:4em auto}label,input,button{display:block;width:100%;margin:.4em 0}</style></head>
<body><h1>Sign in</h1><p>to continue to ${escapeHtml(appName)}</p>${failed ? '<p role="alert">Wrong user name or password.</p>' : ''}
<form method="post" action="${escapeHtml(action)}" autocomplete="off">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<label>User name <input name="username" required autofocus></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button></form></body></html>`;
  res.writeHead(status, { ...HEADERS, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function plainError(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The posted form (application/x-www-form-urlencoded, at most 8 KiB); undefined for anything else. */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (!String(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_FORM_BYTES) {
      req.resume();
      return undefined;
    }
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
