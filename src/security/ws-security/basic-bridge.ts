/**
 * Micro Integrator's POXSecurityHandler: on a proxy secured by the "UsernameToken over HTTPS" policy
 * (wsu:Id UTOverTransport), a request without a wsse:Security header but with `Authorization: Basic` is
 * authenticated as a PasswordText UsernameToken (with a fresh Timestamp); without usable credentials the
 * answer is 401 with `WWW-Authenticate: BASIC realm="WSO2 Micro Integrator"`. On by default;
 * `[server] enable_basic_auth = false` turns the 401 off server-wide and the proxy parameter
 * `enableBasicAuth` per proxy (credentials that are sent are still used, as in Micro Integrator).
 */
import type { MessageContext } from '../../context/message-context.js';
import type { Runtime } from '../../runtime.js';

export interface BasicCredentials {
  readonly user: string;
  readonly password: string;
}

/** The Basic credentials of the request; undefined without them or when the user or password is blank. */
export function basicCredentials(mc: MessageContext): BasicCredentials | undefined {
  const h = mc.headers.get('authorization');
  const header = Array.isArray(h) ? h[0] : h;
  if (typeof header !== 'string') return undefined;
  const t = header.trim();
  if (!t.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(t.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (!user.trim() || !password.trim()) return undefined;
  return { user, password };
}

const serverSetting = new WeakMap<Runtime, boolean>();

/** `[server] enable_basic_auth` (default true), read once per runtime. */
export function basicAuthEnabled(runtime: Runtime): boolean {
  let v = serverSetting.get(runtime);
  if (v === undefined) {
    const server = runtime.config.toml['server'] as Record<string, unknown> | undefined;
    const raw = server?.['enable_basic_auth'];
    v = raw === undefined ? true : raw === true || raw === 'true';
    serverSetting.set(runtime, v);
  }
  return v;
}
