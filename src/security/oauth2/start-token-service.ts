/**
 * The token service's place in the server's start: a mount on the HTTPS listener (answering 503 for the
 * instant between the listener starting and the service being ready), and the service built once the
 * listener's port, and so the issuer URL, is known.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../../config/config.js';
import { Errors, MiError } from '../../errors.js';
import type { LoggerFactory } from '../../logging/logger.js';
import type { Stores } from '../../store/stores.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { GatewaySecurity } from '../gateway/gateway-security.js';
import type { LoadedKeyStore } from '../keys/keystore.js';
import { OAuth2AppStore } from './oauth2-app-store.js';
import type { OAuth2ServerSettings } from './oauth2-server-config.js';
import { DatabaseState, MemoryState, RedisState, type ProviderState } from './provider-state.js';
import { isTokenServicePath, OAUTH2_LOGGER, TokenService } from './token-service.js';

export class TokenServiceMount {
  service: TokenService | undefined;

  owns(url: string | undefined): boolean {
    return isTokenServicePath(url);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.service) return this.service.handle(req, res);
    req.resume();
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'the token service is starting' }));
  }
}

export interface TokenServiceStart {
  readonly settings: OAuth2ServerSettings;
  readonly config: Config;
  readonly stores: Stores;
  readonly auth: Authenticator;
  readonly gateway: GatewaySecurity;
  readonly logs: LoggerFactory;
  readonly key: LoadedKeyStore | undefined;
  readonly httpsPort: number | undefined;
}

function openState(s: OAuth2ServerSettings, stores: Stores): ProviderState {
  if (s.store.type === 'memory') return new MemoryState();
  if (s.store.type === 'redis') return new RedisState(s.store.redisUrl, s.store.keyPrefix);
  return new DatabaseState(stores.users);
}

/** Builds the service (loading oidc-provider now) and, with trust_local_issuer, makes APIs accept its tokens. */
export async function startTokenService(o: TokenServiceStart): Promise<TokenService> {
  if (o.key === undefined || o.httpsPort === undefined) {
    throw new MiError(Errors.OAUTH2_SERVER_CONFIG, '[oauth2_server] enable = true needs the HTTPS listener and its primary key store (it signs the tokens); see the errors above or run mi keystore create');
  }
  const s = o.settings;
  const issuer = s.issuer ?? `https://${o.config.server.hostname}:${o.httpsPort}/oauth2/token`;
  const log = o.logs.get(OAUTH2_LOGGER);
  const service = await TokenService.create({
    settings: s,
    issuer,
    key: o.key,
    auth: o.auth,
    scopeRoles: o.gateway.settings.scopeRoles,
    apps: new OAuth2AppStore(o.stores.users),
    state: openState(s, o.stores),
    log,
  });
  if (s.trustLocalIssuer) o.gateway.jwt.addIssuer(service.localIssuer());
  log.info(`token service at /oauth2 (issuer ${issuer}; grants ${s.grantTypes.join(', ')}; state in ${s.store.type === 'memory' ? 'this process only' : s.store.type})`);
  return service;
}
