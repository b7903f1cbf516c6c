/**
 * What API security needs at run time, built once from deployment.toml and held by the runtime: the
 * `[api_security]` settings and the JWT verifier of the `[[jwt_issuer]]`s with its token cache. Nothing is
 * fetched at start: a JWKS is fetched when the first token of its issuer arrives.
 */
import { rootCertificates } from 'node:tls';
import type { Config } from '../../config/config.js';
import { loadTrustedCertificates } from '../keys/keystore.js';
import type { LoggerFactory } from '../../logging/logger.js';
import { readApiSecuritySettings, readJwtIssuers, type ApiSecuritySettings } from './gateway-config.js';
import { JwtVerifier } from './jwt-verifier.js';
import { BearerTokens } from './bearer-tokens.js';
import { readKeyManagers } from './key-manager-config.js';
import { TokenIntrospector } from './token-introspector.js';
import { readBackendJwtConfig } from './backend-jwt-config.js';
import { BackendJwt } from './backend-jwt.js';

export const API_SECURITY_LOGGER = 'org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler';

export class GatewaySecurity {
  /** Lower-case header names, for the transport header map. */
  readonly authorizationKey: string;
  readonly apiKeyKey: string;
  /** Bearer tokens: JWTs of the [[jwt_issuer]]s, others introspected at the [[key_manager]]s. */
  readonly tokens: BearerTokens;

  constructor(
    readonly settings: ApiSecuritySettings,
    readonly jwt: JwtVerifier,
    readonly introspection?: TokenIntrospector,
    /** The JWT sent to the backend (`[apim.jwt]`); undefined when it is off, which then costs nothing. */
    readonly backendJwt?: BackendJwt,
  ) {
    this.authorizationKey = settings.authorizationHeader.toLowerCase();
    this.apiKeyKey = settings.apiKeyHeader.toLowerCase();
    this.tokens = new BearerTokens(jwt, introspection);
  }

  /** Reads `[[jwt_issuer]]`, `[[key_manager]]`, `[api_security]` and `[apim.jwt]`; throws MI_API_003 for a mistake, adds warnings for unknown keys. */
  static fromConfig(config: Config, warnings: string[], logs: LoggerFactory): GatewaySecurity {
    const settings = readApiSecuritySettings(config.toml, warnings);
    const issuers = readJwtIssuers(config.toml, config.home);
    const keyManagers = readKeyManagers(config.toml, issuers.map((i) => i.issuer));
    for (const k of keyManagers) config.security.revealed.add(k.clientSecret);
    const log = logs.get(API_SECURITY_LOGGER);
    // an https key manager with a private CA: [truststore] (Micro Integrator's client trust store), besides the public CAs
    const trust = config.security.truststore;
    const ca = trust && keyManagers.some((k) => k.introspectionUrl.protocol === 'https:') ? [...rootCertificates, ...loadTrustedCertificates(trust)] : undefined;
    const introspection = keyManagers.length ? new TokenIntrospector(keyManagers, settings, log, ca) : undefined;
    const jwtToBackend = readBackendJwtConfig(config.toml, warnings);
    const backendJwt = jwtToBackend ? BackendJwt.create(jwtToBackend, config.security.keystore, settings.tokenCacheSize) : undefined;
    return new GatewaySecurity(settings, new JwtVerifier(issuers, settings, log), introspection, backendJwt);
  }

  /** Closes the key managers' connections. */
  async close(): Promise<void> {
    await this.introspection?.close();
  }

  /** The scopes a user's roles give (`[api_security.scope_roles]`); roles are compared case-insensitively. */
  scopesOfRoles(roles: readonly string[]): string[] {
    const out: string[] = [];
    for (const [scope, holders] of this.settings.scopeRoles) {
      if (roles.some((r) => holders.has(r.toLowerCase()))) out.push(scope);
    }
    return out;
  }
}
