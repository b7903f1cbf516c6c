/**
 * The WS-Security checks of a secured proxy, run by its access phase (security/policies/ws-security.ts)
 * before mediation, as Rampart does in Micro Integrator's Axis2 phases (so before the synapse handlers and
 * the in-sequence; a refused request never reaches the fault sequence). The transport requirements (HTTPS,
 * a client certificate) are policies of their own that run first and answer through refuseTransport().
 * Then: the wsse:Security header read from the raw bytes (Timestamp and UsernameToken), or the Basic-auth
 * bridge; freshness with skew;
 * authentication through the runtime's authentication service (its cache keeps repeated PasswordText
 * tokens at one HMAC); allowed roles; the nonce against replays. On success the user is in USERNAME
 * (default scope) and `username` (axis2 scope, Rampart's name) and the header is cut out of the bytes,
 * so the body still passes through unparsed.
 */
import type { MessageContext, Reply } from '../../context/message-context.js';
import { releaseStream } from '../../context/message-context.js';
import { kindOfContentType } from '../../context/payload.js';
import type { SoapVersion } from '../../context/soap.js';
import { defaultFaultReply, setErrorProperties } from '../../context/fault.js';
import { Errors } from '../../errors.js';
import { rememberRequestSecret } from '../../logging/request-secrets.js';
import type { AuthenticatedUser, AuthOutcome } from '../auth/authenticator.js';
import { requestBasicCredentials } from './basic-bridge.js';
import { scanEnvelope, type ScannedElement } from './envelope-scanner.js';
import { challengeReply, failureReply, wssFailure, type WssFailure } from './faults.js';
import type { NonceStore } from './nonce-store.js';
import { digestMatches } from './password-digest.js';
import type { WsSecurityPlan } from './policy-plan.js';
import type { ProxySecurity } from './proxy-security.js';
import { readSecurityHeader, selectSecurityHeader, type UsernameTokenData } from './security-header.js';

export const WSS_LOGGER = 'org.apache.rampart.RampartEngine';

/** Default-scope property with the authenticated user (and USER_ROLES, comma-separated). */
export const USERNAME_PROPERTY = 'USERNAME';
export const USER_ROLES_PROPERTY = 'USER_ROLES';
/** Rampart's RampartMessageData.USERNAME, an axis2-scope property in Micro Integrator. */
export const RAMPART_USERNAME_PROPERTY = 'username';


/**
 * The WS-Security check of a secured proxy (the UsernameToken, Timestamp and nonce; the transport
 * requirements run first as their own policies). Undefined admits the request. With
 * preserveSecurityHeader the token's secrets stay in the message, so they are masked
 * where this request's content is logged (request-secrets.ts), until the exchange ends.
 */
export async function checkWsSecurity(mc: MessageContext, sec: ProxySecurity, nonces: NonceStore): Promise<Reply | undefined> {
  const secrets: string[] | undefined = sec.preserveHeader ? [] : undefined;
  const refused = await admit(mc, sec, secrets, nonces);
  if (refused) return refused;
  if (secrets?.length) {
    const forget = secrets.map((s) => rememberRequestSecret(mc.inbound, s));
    mc.exchange.onEnd(() => {
      for (const f of forget) f();
    });
  }
  return undefined;
}

/** The transport requirements of a WS-Security policy (HTTPS, a client certificate), refused as WS-Security faults. */
export function refuseTransport(mc: MessageContext, what: 'https' | 'certificate'): Reply {
  const version: SoapVersion = kindOfContentType(mc.payload.contentType) === 'soap12' ? '1.2' : '1.1';
  const f =
    what === 'https'
      ? wssFailure('InvalidSecurity', Errors.WSS_HTTPS_REQUIRED, 'plain HTTP to a proxy whose policy requires HTTPS', 'Expected transport is "https" but incoming transport found : "http"')
      : wssFailure('InvalidSecurity', Errors.WSS_HTTPS_REQUIRED, 'no TLS client certificate, which the policy requires', 'the policy requires a TLS client certificate');
  return refuse(mc, version, f, true);
}

function isFailure(x: unknown): x is WssFailure {
  return typeof x === 'object' && x !== null && 'fault' in x;
}

function refuse(mc: MessageContext, v: SoapVersion, f: WssFailure, soapRequest: boolean): Reply {
  releaseStream(mc.payload.takeStream());
  mc.runtime.logs.get(WSS_LOGGER).log('WARN', `${f.spec.code}  ${mc.entry.logPrefix}request refused: ${f.log} (client ${mc.inbound.remoteAddress || 'unknown'})`, undefined, mc.correlationId);
  return failureReply(v, f, soapRequest);
}

async function admit(mc: MessageContext, sec: ProxySecurity, secrets: string[] | undefined, nonces: NonceStore): Promise<Reply | undefined> {
  const plan = sec.plan;
  let version: SoapVersion = kindOfContentType(mc.payload.contentType) === 'soap12' ? '1.2' : '1.1';
  try {
    await mc.payload.load();
  } catch (err) {
    setErrorProperties(mc, err);
    defaultFaultReply(mc, err);
    return mc.reply!;
  }
  const kind = mc.payload.kind;
  let soap = false;
  let block: ScannedElement | undefined;
  if (kind === 'soap11' || kind === 'soap12') {
    const scan = scanEnvelope(mc.payload.rawBytes!, mc.runtime.config.server.maxXmlDepth);
    if (scan.kind === 'malformed') {
      const f = wssFailure('InvalidSecurity', Errors.WSS_INVALID_SECURITY, `a malformed SOAP envelope (${scan.reason})`, `the message is not well-formed: ${scan.reason}`);
      return refuse(mc, version, f, true);
    }
    if (scan.kind === 'soap') {
      soap = true;
      version = scan.version;
      const selected = selectSecurityHeader(scan.securityHeaders, scan.version);
      if (isFailure(selected)) return refuse(mc, version, selected, true);
      block = selected;
    }
  }
  const now = Date.now();
  let token: UsernameTokenData | undefined;
  let bridged = false;
  if (block) {
    const header = readSecurityHeader(block);
    if (isFailure(header)) return refuse(mc, version, header, soap);
    const failure = checkHeader(header.timestamp, header.timestampIndex, header.childCount, plan, now);
    if (failure) return refuse(mc, version, failure, soap);
    token = header.token;
    if (plan.usernameToken && !token) return refuse(mc, version, invalidSecurity('no UsernameToken in the Security header', 'the policy requires a wsse:UsernameToken'), soap);
  } else if (plan.usernameToken || plan.requireTimestamp) {
    const creds = sec.basicBridge ? requestBasicCredentials(mc) : undefined;
    if (creds) {
      token = { username: creds.user, password: creds.password, passwordType: 'text', nonceText: undefined, nonce: undefined, createdText: undefined, createdMs: undefined };
      bridged = true;
    } else if (sec.basicBridge && (sec.basicAuth ?? mc.runtime.config.server.enableBasicAuth)) {
      releaseStream(mc.payload.takeStream());
      mc.runtime.logs.get(WSS_LOGGER).log('WARN', `${Errors.WSS_AUTH_FAILED.code}  ${mc.entry.logPrefix}request refused: no wsse:Security header and no Basic credentials; 401 challenge sent`, undefined, mc.correlationId);
      return challengeReply();
    } else {
      return refuse(mc, version, invalidSecurity('no wsse:Security header', 'Missing wsse:Security header in request'), soap);
    }
  }
  let user: AuthenticatedUser | undefined;
  if (token) {
    const result = await verifyToken(mc, plan, token, now);
    if (isFailure(result)) {
      const answer401 = bridged && (sec.basicAuth ?? mc.runtime.config.server.enableBasicAuth);
      return refuse(mc, version, answer401 ? { ...result, bridged: true } : result, soap);
    }
    user = result;
    if (token.nonceText !== undefined) {
      const f = await checkNonce(mc, nonces, plan, user.name, token.nonceText, now);
      if (f) return refuse(mc, version, f, soap);
    }
    mc.props.set(USERNAME_PROPERTY, user.name);
    mc.props.set(USER_ROLES_PROPERTY, user.roles.join(','));
    mc.axis2.set(RAMPART_USERNAME_PROPERTY, user.name);
    if (secrets && !bridged) {
      secrets.push(token.password);
      if (token.nonceText) secrets.push(token.nonceText);
    }
  }
  if (block && !secrets) {
    // the verified header is cut out of the bytes; everything else stays byte for byte
    const raw = mc.payload.rawBytes!;
    mc.payload.setRaw(Buffer.concat([raw.subarray(0, block.start), raw.subarray(block.end)]), mc.payload.contentType);
  }
  return undefined;
}

function invalidSecurity(log: string, detail: string): WssFailure {
  return wssFailure('InvalidSecurity', Errors.WSS_INVALID_SECURITY, log, detail);
}

function expired(log: string, detail: string): WssFailure {
  return wssFailure('MessageExpired', Errors.WSS_MESSAGE_EXPIRED, log, detail);
}

/** Timestamp presence, layout and freshness. */
function checkHeader(ts: { createdMs: number; expiresMs: number | undefined } | undefined, tsIndex: number, count: number, plan: WsSecurityPlan, now: number): WssFailure | undefined {
  if (!ts) return plan.requireTimestamp ? invalidSecurity('no wsu:Timestamp in the Security header', 'the policy requires a wsu:Timestamp') : undefined;
  if (plan.layout === 'LaxTsFirst' && tsIndex !== 0) return invalidSecurity('the Timestamp is not first (LaxTsFirst)', 'the policy layout requires the wsu:Timestamp first in the header');
  if (plan.layout === 'LaxTsLast' && tsIndex !== count - 1) return invalidSecurity('the Timestamp is not last (LaxTsLast)', 'the policy layout requires the wsu:Timestamp last in the header');
  const skew = plan.maxSkewMs;
  if (ts.createdMs > now + skew) return expired(`a Timestamp created ${Math.round((ts.createdMs - now) / 1000)} s in the future`, 'the wsu:Timestamp Created is in the future');
  if (ts.expiresMs !== undefined && ts.expiresMs < now - skew) return expired('an expired Timestamp (Expires has passed)', 'the wsu:Timestamp has expired');
  if (ts.createdMs < now - plan.timestampTtlMs - skew) return expired(`a Timestamp created ${Math.round((now - ts.createdMs) / 1000)} s ago (timestampTTL ${plan.timestampTtlMs / 1000} s)`, 'the wsu:Timestamp is older than the policy allows');
  return undefined;
}

/** Freshness of the token's Created, the password (text or digest) and the allowed roles. */
async function verifyToken(mc: MessageContext, plan: WsSecurityPlan, token: UsernameTokenData, now: number): Promise<AuthenticatedUser | WssFailure> {
  if (plan.usernameToken?.digestOnly && token.passwordType === 'text') {
    return invalidSecurity(`a PasswordText token for '${token.username}' where the policy requires PasswordDigest`, 'the policy requires a PasswordDigest');
  }
  if (token.createdMs !== undefined) {
    // with a nonce the token may be no older than the nonce is remembered, or its replay would pass later
    const window = token.nonce ? plan.nonceLifetimeMs : plan.timestampTtlMs;
    if (token.createdMs > now + plan.maxSkewMs) return expired(`a UsernameToken for '${token.username}' created in the future`, 'the UsernameToken Created is in the future');
    if (token.createdMs < now - window - plan.maxSkewMs) return expired(`a UsernameToken for '${token.username}' created ${Math.round((now - token.createdMs) / 1000)} s ago`, 'the UsernameToken is older than the policy allows');
  }
  const auth = mc.runtime.auth;
  const client = mc.inbound.remoteAddress;
  let outcome: AuthOutcome;
  if (token.passwordType === 'text') {
    outcome = auth.cached(token.username, token.password, client) ?? (await auth.authenticate(token.username, token.password, client));
  } else {
    const known = auth.knownPassword(token.username);
    if (known !== undefined && digestMatches(token.password, token.nonce!, token.createdText!, known)) {
      outcome = auth.cached(token.username, known, client) ?? (await auth.authenticate(token.username, known, client));
    } else {
      if (known === undefined) await explainDigest(mc, token.username);
      // a wrong digest counts as a failed login, so the rate limit covers digests too
      const reason = auth.recordFailure(token.username, client);
      return wssFailure('FailedAuthentication', Errors.WSS_AUTH_FAILED, `PasswordDigest for '${token.username}' not verified${reason === 'rate-limited' ? ' (rate limited)' : ''}`, DIGEST_NOTE);
    }
  }
  if (!outcome.ok) {
    if (outcome.reason === 'unavailable') {
      return wssFailure('server', Errors.WSS_USER_STORE_UNAVAILABLE, `the user store is unavailable while checking '${token.username}'`, 'The user store is unavailable; try again later');
    }
    return wssFailure('FailedAuthentication', Errors.WSS_AUTH_FAILED, `wrong password or unknown user '${token.username}'${outcome.reason === 'rate-limited' ? ' (rate limited after repeated failures)' : ''}`, token.passwordType === 'digest' ? DIGEST_NOTE : undefined);
  }
  const allowed = plan.allowedRoles;
  if (allowed && !outcome.user.roles.some((r) => allowed.has(r.toLowerCase()))) {
    return wssFailure('FailedAuthentication', Errors.WSS_AUTH_FAILED, `user '${outcome.user.name}' has none of the allowed roles (${[...allowed].join(', ')})`, token.passwordType === 'digest' ? DIGEST_NOTE : undefined);
  }
  return outcome.user;
}

/** Said on every failed digest alike, so it tells nothing about which users exist or how they are stored. */
const DIGEST_NOTE = 'PasswordDigest works only for users whose password the server knows; others must send PasswordText over HTTPS';

/** The log line for operators when a digest names a database user, whose password is only stored hashed. */
async function explainDigest(mc: MessageContext, name: string): Promise<void> {
  let source: string | undefined;
  try {
    source = (await mc.runtime.auth.user(name))?.source;
  } catch {
    return; // the authentication that follows reports the outage
  }
  if (source === 'database') {
    mc.runtime.logs
      .get(WSS_LOGGER)
      .log('WARN', `${Errors.WSS_DIGEST_UNAVAILABLE.code}  ${mc.entry.logPrefix}user '${name}' sent a PasswordDigest, but database users' passwords are stored hashed, so a digest cannot be checked; that client must send PasswordText over HTTPS`, undefined, mc.correlationId);
  }
}

const lastFullLog = new WeakMap<object, number>();

async function checkNonce(mc: MessageContext, store: NonceStore, plan: WsSecurityPlan, user: string, nonce: string, now: number): Promise<WssFailure | undefined> {
  // the token may be up to nonceLifeTime + skew old and skew in the future: remember the nonce that long
  let verdict = store.seen(`${mc.entry.name}\u0000${user.toLowerCase()}\u0000${nonce}`, now + plan.nonceLifetimeMs + 2 * plan.maxSkewMs);
  if (typeof verdict !== 'string') verdict = await verdict;
  if (verdict === 'new') return undefined;
  if (verdict === 'replay') return wssFailure('InvalidSecurity', Errors.WSS_MESSAGE_EXPIRED, `a replayed nonce from '${user}'`, 'the Nonce was already used (replay)');
  // the shared store logged its outage once; each refusal still has its WARN line like any other
  if (verdict === 'unavailable') return wssFailure('server', Errors.WSS_NONCE_STORE_UNAVAILABLE, `the nonce store cannot be reached to check a nonce from '${user}'`, 'The server cannot check the nonce right now; try again later');
  const last = lastFullLog.get(store) ?? 0;
  if (now - last > 10_000) {
    lastFullLog.set(store, now);
    mc.runtime.logs.get(WSS_LOGGER).error(`${Errors.WSS_NONCE_CACHE_FULL.code}  the nonce cache is full of unexpired nonces; UsernameTokens with a nonce are refused until entries expire (rampart:nonceLifeTime ${plan.nonceLifetimeMs / 1000} s)`);
  }
  return wssFailure('server', Errors.WSS_NONCE_CACHE_FULL, `nonce cache full for '${user}'`, 'The server cannot accept more nonces right now; try again later');
}
