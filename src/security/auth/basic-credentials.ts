/**
 * HTTP Basic credentials (RFC 7617) from an Authorization header: the scheme is case-insensitive, the
 * Base64 value is `user:password` split at the first colon (a password may hold colons). One reading for
 * every place that takes them: API Basic auth, the WS-Security Basic bridge, the management API, log masking.
 */
export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** The credentials, or undefined when the header is not Basic or its value has no colon. */
export function basicCredentials(header: string): BasicCredentials | undefined {
  const t = header.trim();
  const sp = t.indexOf(' ');
  if (sp <= 0 || t.slice(0, sp).toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(t.slice(sp + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
