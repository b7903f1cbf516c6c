/**
 * API security as WSO2 API Manager's gateway enforces it (APIAuthenticationHandler and its authenticators),
 * for an API or one resource: the schemes a declaration accepts (see api-security-declaration.ts), checked
 * in the access phase before any handler or mediator, with API Manager's faults (gateway-fault.ts).
 *
 * - mutualssl: a TLS client certificate. Mandatory: without one the call is refused whatever else it
 *   carries; optional: one is enough when application security is optional.
 * - application security, the first scheme whose credential the request carries: `oauth2` (a JWT bearer
 *   token), `basic_auth` (the runtime's users), `api_key` (a key issued by `mi api-key issue` for this API,
 *   in a header or a query parameter). None carried: 900902, unless application security is
 *   optional and the certificate passed. A credential that does not verify: 900901. Scopes: the token (or
 *   the user's roles through `[api_security.scope_roles]`) must hold ANY of the scheme's scopes, as API
 *   Manager and Micro Integrator check them (900910); roles of basic_auth likewise (900908).
 *
 * After admission the message carries `api.ut.userId` (the end user), `Scopes` (`[a, b]`, as Micro
 * Integrator's OAuth2AuthorizationHandler sets it) and, for a token, `jwt_token_claims` (the claims); the
 * credential header is removed before the backend sees the message (RemoveOAuthHeadersFromOutMessage).
 * A cached token or login keeps the check synchronous.
 */
import type { MessageContext } from '../../context/message-context.js';
import type { AuthOutcome } from '../auth/authenticator.js';
import { basicCredentials } from '../auth/basic-credentials.js';
import { faultDescription, FaultCodes, faultStatusOf, gatewayFaultReply, type GatewayRefusal } from '../gateway/gateway-fault.js';
import type { GatewaySecurity } from '../gateway/gateway-security.js';
import type { TokenOutcome } from '../gateway/jwt-verifier.js';
import type { CallerIdentity } from '../gateway/backend-jwt.js';
import type { ApiKeyOutcome } from '../gateway/api-key-verifier.js';
import type { AccessPolicy, AccessServices, AccessVerdict } from './access-policy.js';
import { authServiceRefusal } from './basic-auth.js';
import { rememberRequestSecret } from '../../logging/request-secrets.js';
import { findApiKey, removeApiKey, type ApiKeyScheme, type FoundApiKey } from './api-key-credential.js';

export type { ApiKeyLocation, ApiKeyScheme } from './api-key-credential.js';

export const API_SECURITY_POLICY = 'api_security';
export const API_SECURITY_PRIORITY = 2000;

export interface OAuth2Scheme {
  /** The token must hold any of them; empty: no scope is needed. */
  readonly scopes: readonly string[];
}

export interface BasicAuthScheme {
  readonly scopes: readonly string[];
  /** The user must hold any of them (lower case); undefined: any user. */
  readonly roles: ReadonlySet<string> | undefined;
}

export interface SecurityDeclaration {
  readonly oauth2: OAuth2Scheme | undefined;
  readonly basicAuth: BasicAuthScheme | undefined;
  readonly apiKey?: ApiKeyScheme | undefined;
  /** undefined: no client certificate is asked for. */
  readonly mutualSsl: { readonly mandatory: boolean } | undefined;
  /** Whether one of the application schemes (oauth2, basic_auth, api_key) must pass. */
  readonly applicationMandatory: boolean;
  /** Remove the credential header before the message goes on (API Manager's default). */
  readonly removeCredentials: boolean;
}

type CertificateState = 'valid' | 'invalid' | 'absent';

/** Message properties naming the registered certificate that admitted the call, for throttling by tier. */
export const CLIENT_CERT_TIER_PROPERTY = 'api.ut.clientCertificateTier';
export const CLIENT_CERT_ALIAS_PROPERTY = 'api.ut.clientCertificateAlias';

const REALM = 'realm="WSO2 API Manager"';
const MISSING: GatewayRefusal = Object.freeze({ code: FaultCodes.MISSING_CREDENTIALS, reason: 'Invalid Credentials' });
const INVALID: GatewayRefusal = Object.freeze({ code: FaultCodes.INVALID_CREDENTIALS, reason: 'Invalid Credentials' });

/** Whether the header's scheme (before `space`) is `lower`, in any case, without cutting a string per request. */
function isScheme(header: string, space: number, lower: string): boolean {
  if (space !== lower.length) return false;
  for (let i = 0; i < space; i++) if ((header.charCodeAt(i) | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

function resourcePath(mc: MessageContext): string {
  const r = mc.exchange.resource;
  return r?.uriTemplate ?? r?.urlMapping ?? '/*';
}

class ApiSecurityPolicy implements AccessPolicy {
  readonly name = API_SECURITY_POLICY;
  readonly priority = API_SECURITY_PRIORITY;
  /** WWW-Authenticate of a 401: the accepted schemes' challenges, as APIAuthenticationHandler joins them. */
  private readonly challenge: string;

  constructor(private readonly d: SecurityDeclaration) {
    const parts: string[] = [];
    if (d.oauth2) parts.push(`OAuth2 ${REALM}`);
    if (d.basicAuth) parts.push(`Basic ${REALM}`);
    if (d.apiKey) parts.push(`API Key ${REALM}`);
    this.challenge = parts.map((p) => p + ', ').join('').trim();
    this.description = describeDeclaration(d);
    this.asksClientCertificate = d.mutualSsl !== undefined;
  }

  readonly description: string;
  readonly asksClientCertificate: boolean;

  /**
   * API Manager's rule (APIAuthenticationHandler): the certificate first; valid, it admits unless the
   * application schemes are mandatory too; failed or absent, it refuses only when it is mandatory, and the
   * application schemes decide. 900902 only when no credential at all came, 900901 otherwise.
   */
  check(mc: MessageContext, services: AccessServices): AccessVerdict | Promise<AccessVerdict> {
    const d = this.d;
    const g = services.gateway;
    let certificate: CertificateState = 'absent';
    if (d.mutualSsl) {
      certificate = this.certificate(mc, services);
      if (certificate === 'valid') {
        if (!d.applicationMandatory || !this.hasApplicationScheme) return undefined;
      } else if (d.mutualSsl.mandatory) {
        return this.refuse(mc, g, certificate === 'absent' && !this.carriesApplicationCredential(mc, g) ? MISSING : INVALID);
      }
    }
    if (!this.hasApplicationScheme) return undefined;
    const header = mc.headers.get(g.authorizationKey);
    if (typeof header === 'string') {
      const space = header.indexOf(' ');
      if (d.oauth2 && isScheme(header, space, 'bearer')) {
        const token = header.slice(space + 1).trim();
        if (token === '') return this.refuse(mc, g, INVALID);
        const outcome = g.tokens.check(token);
        return outcome instanceof Promise ? outcome.then((o) => this.admitToken(mc, g, o, token)) : this.admitToken(mc, g, outcome, token);
      }
      if (d.basicAuth && isScheme(header, space, 'basic')) return this.basic(mc, g, header);
    }
    if (d.apiKey) {
      const found = findApiKey(mc, d.apiKey, g.settings.apiKeyHeader);
      if (found !== undefined) return this.apiKey(mc, services, found);
    }
    // a certificate that came and failed is a credential sent: invalid, not missing
    return this.refuse(mc, g, certificate === 'invalid' ? INVALID : MISSING);
  }

  private get hasApplicationScheme(): boolean {
    return this.d.oauth2 !== undefined || this.d.basicAuth !== undefined || this.d.apiKey !== undefined;
  }

  /** Whether the request carries a credential of an application scheme (checked or not). */
  private carriesApplicationCredential(mc: MessageContext, g: GatewaySecurity): boolean {
    if (!this.hasApplicationScheme) return false;
    if (typeof mc.headers.get(g.authorizationKey) === 'string') return true;
    return this.d.apiKey !== undefined && findApiKey(mc, this.d.apiKey, g.settings.apiKeyHeader) !== undefined;
  }

  /**
   * The client certificate (verified against the trust store by the listener); when certificates are
   * registered for the API (`mi api-cert add`), it must be one of them, and its tier goes on the message.
   */
  private certificate(mc: MessageContext, services: AccessServices): CertificateState {
    const cert = mc.clientCertificate;
    if (cert === undefined) return 'absent';
    const registry = services.apiCertificates;
    if (registry === undefined) return 'valid';
    const found = registry.match(mc.exchange.api?.name ?? '', cert);
    if (found === false) return 'invalid';
    if (found !== true) {
      mc.props.set(CLIENT_CERT_TIER_PROPERTY, found.tier);
      mc.props.set(CLIENT_CERT_ALIAS_PROPERTY, found.alias);
    }
    return 'valid';
  }

  private apiKey(mc: MessageContext, services: AccessServices, found: FoundApiKey): AccessVerdict | Promise<AccessVerdict> {
    const g = services.gateway;
    const keys = services.apiKeys;
    if (found.key === '') return this.refuse(mc, g, INVALID);
    // masked wherever this request's content is logged, as its Authorization header is
    rememberRequestSecret(mc.inbound, found.key);
    if (keys === undefined) return this.refuse(mc, g, NO_KEY_STORE);
    const api = mc.exchange.api?.name ?? '';
    const outcome = keys.check(api, found.key);
    return outcome instanceof Promise ? outcome.then((o) => this.admitKey(mc, g, o, found)) : this.admitKey(mc, g, outcome, found);
  }

  private admitKey(mc: MessageContext, g: GatewaySecurity, o: ApiKeyOutcome, found: FoundApiKey): AccessVerdict {
    if (o.failed) return this.refuse(mc, g, o);
    mc.props.set('api.ut.userId', o.label);
    mc.props.set('Scopes', '[]');
    if (this.d.removeCredentials) removeApiKey(mc, found);
    admitCaller(mc, g, 'k', o.id, o.label, () => ({ scheme: 'api_key', user: o.label, scopes: [], keyId: o.id }));
    return undefined;
  }

  private admitToken(mc: MessageContext, g: GatewaySecurity, o: TokenOutcome, token: string): AccessVerdict {
    if (o.failed) return this.refuse(mc, g, o);
    const required = this.d.oauth2!.scopes;
    if (required.length && !required.some((s) => o.scopes.has(s))) return this.refuse(mc, g, scopeRefusal(mc));
    mc.props.set('api.ut.userId', o.user);
    mc.props.set('Scopes', o.scopesText);
    mc.props.set('jwt_token_claims', o.claims);
    if (this.d.removeCredentials) mc.removeProperty(g.authorizationKey, 'transport');
    admitCaller(mc, g, 'o', token, token, () => ({ scheme: 'oauth2', user: o.user, scopes: [...o.scopes], claims: o.claims }));
    return undefined;
  }

  private basic(mc: MessageContext, g: GatewaySecurity, header: string): AccessVerdict | Promise<AccessVerdict> {
    const creds = basicCredentials(header);
    if (!creds || creds.user === '') return this.refuse(mc, g, INVALID);
    const auth = mc.runtime.auth;
    const client = mc.inbound.remoteAddress;
    const hit = auth.cached(creds.user, creds.password, client);
    if (hit) return this.admitUser(mc, g, hit);
    return auth.authenticate(creds.user, creds.password, client).then((o) => this.admitUser(mc, g, o));
  }

  private admitUser(mc: MessageContext, g: GatewaySecurity, outcome: AuthOutcome): AccessVerdict {
    if (!outcome.ok) {
      if (outcome.reason === 'invalid') return this.refuse(mc, g, INVALID);
      return authServiceRefusal(outcome);
    }
    const b = this.d.basicAuth!;
    const roles = outcome.user.roles;
    if (b.roles && !roles.some((r) => b.roles!.has(r.toLowerCase()))) {
      return this.refuse(mc, g, { code: FaultCodes.FORBIDDEN, reason: `User is NOT authorized to access the Resource: ${resourcePath(mc)}. Role validation failed.` });
    }
    const scopes = g.scopesOfRoles(roles);
    if (b.scopes.length && !b.scopes.some((s) => scopes.includes(s))) return this.refuse(mc, g, scopeRefusal(mc));
    mc.props.set('api.ut.userId', outcome.user.name);
    mc.props.set('Scopes', `[${scopes.join(', ')}]`);
    if (this.d.removeCredentials) mc.removeProperty(g.authorizationKey, 'transport');
    admitCaller(mc, g, 'b', outcome.user.name, roles, () => ({ scheme: 'basic_auth', user: outcome.user.name, scopes, roles: [...roles] }));
    return undefined;
  }

  private refuse(mc: MessageContext, g: GatewaySecurity, r: GatewayRefusal): AccessVerdict {
    const s = g.settings;
    const description = faultDescription(r, s.authorizationHeader, s.apiKeyHeader);
    return gatewayFaultReply(mc, r.code, description, faultStatusOf(r.code, s.scopeFaultStatus), this.challenge);
  }
}

/**
 * Names the caller on the message; with `[apim.jwt]`, with its backend JWT (made once per credential and
 * resource, see backend-jwt.ts), set as a transport header of the request as API Manager sets it. It is not
 * marked as set by a mediator, so a reply made from the request (respond, loopback) does not echo it to the
 * client; a header of that name the client sent is replaced. `kind` and `id` (o: a token, b: a user, k: a
 * key id) and `proof` (what must match as well: the token, the user's roles, the key's name) are only
 * read when the backend JWT is on.
 */
function admitCaller(mc: MessageContext, g: GatewaySecurity, kind: 'o' | 'b' | 'k', id: string, proof: string | readonly string[], identity: () => CallerIdentity): void {
  const b = g.backendJwt;
  if (b === undefined) {
    mc.caller = identity();
    return;
  }
  // a token is keyed by the end of its signature (short), and must match whole
  const credential = kind + (kind === 'o' && id.length > 64 ? id.slice(-32) : id);
  const caller = b.callerFor(mc.exchange.api, mc.exchange.resource, credential, typeof proof === 'string' ? proof : proof.join('\n'), identity);
  mc.caller = caller;
  mc.headers.set(b.headerKey, caller.backendJwt!);
  mc.backendJwtHeaders = mc.headers;
}

const NO_KEY_STORE: GatewayRefusal = Object.freeze({ code: FaultCodes.GENERAL_ERROR, reason: 'API keys cannot be checked: no key store' });

/** What a declaration accepts, in words, for `mi validate`: `oauth2 (scopes: a, b) | basic_auth | api_key (header apikey)`. */
export function describeDeclaration(d: SecurityDeclaration): string {
  const alternatives: string[] = [];
  const scopes = (s: readonly string[]) => (s.length ? ` (scopes: ${s.join(', ')})` : '');
  if (d.oauth2) alternatives.push(`oauth2${scopes(d.oauth2.scopes)}`);
  if (d.basicAuth) {
    const roles = d.basicAuth.roles ? ` (roles: ${[...d.basicAuth.roles].join(', ')})` : '';
    alternatives.push(`basic_auth${scopes(d.basicAuth.scopes)}${roles}`);
  }
  if (d.apiKey) alternatives.push(`api_key (${d.apiKey.locations.map((l) => `${l.in} ${l.name ?? 'apikey'}`).join(', ')})`);
  let text = alternatives.join(' | ');
  if (d.mutualSsl) {
    if (!text) text = 'client certificate';
    else if (d.mutualSsl.mandatory) text = d.applicationMandatory ? `${text}, client certificate required` : `client certificate required (${text} not checked)`;
    else if (!d.applicationMandatory) text = `${text}, or a client certificate`;
    // optional certificate, mandatory application scheme: the certificate changes nothing
  }
  return text;
}

function scopeRefusal(mc: MessageContext): GatewayRefusal {
  return { code: FaultCodes.INVALID_SCOPE, reason: `User is NOT authorized to access the Resource: ${resourcePath(mc)}. Scope validation failed.` };
}

export function apiSecurityPolicy(d: SecurityDeclaration): AccessPolicy {
  return new ApiSecurityPolicy(d);
}
