/**
 * Micro Integrator's POXSecurityHandler: on a proxy secured by the "UsernameToken over HTTPS" policy
 * (wsu:Id UTOverTransport), a request without a wsse:Security header but with `Authorization: Basic` is
 * authenticated as a PasswordText UsernameToken (with a fresh Timestamp); without usable credentials the
 * answer is 401 with `WWW-Authenticate: BASIC realm="WSO2 Micro Integrator"`. On by default;
 * `[server] enable_basic_auth = false` turns the 401 off server-wide and the proxy parameter
 * `enableBasicAuth` per proxy (credentials that are sent are still used, as in Micro Integrator).
 */
import type { MessageContext } from '../../context/message-context.js';
import { basicCredentials, type BasicCredentials } from '../auth/basic-credentials.js';

/** The Basic credentials of the request; undefined without them or when the user or password is blank. */
export function requestBasicCredentials(mc: MessageContext): BasicCredentials | undefined {
  const h = mc.headers.get('authorization');
  const header = Array.isArray(h) ? h[0] : h;
  const c = typeof header === 'string' ? basicCredentials(header) : undefined;
  return c && c.user.trim() && c.password.trim() ? c : undefined;
}
