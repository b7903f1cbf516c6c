/**
 * The token service as a `[[jwt_issuer]]` of the gateway (`[oauth2_server] trust_local_issuer`): its tokens
 * are verified with the primary key's public key, with no call, and then asked whether they were revoked.
 * In memory the answer is a map lookup on every use; with a shared store (database, Redis) a node trusts an
 * answer for `revocation_cache_ttl` seconds, so a revocation made at another node holds within that time.
 */
import type { KeyObject } from 'node:crypto';
import type { JwtIssuerConfig } from '../gateway/gateway-config.js';
import type { ProviderState } from './provider-state.js';

const MAX_ENTRIES = 10_000;

export function localIssuerConfig(issuer: string, audience: string, publicKey: KeyObject, state: ProviderState, cacheSeconds: number): JwtIssuerConfig {
  const known = new Map<string, { revoked: boolean; until: number }>();
  const revoked = (jti: string): boolean | Promise<boolean> => {
    if (!state.shared || cacheSeconds === 0) {
      const a = state.alive(jti);
      return typeof a === 'boolean' ? !a : a.then((x) => !x);
    }
    const now = Date.now();
    const hit = known.get(jti);
    if (hit !== undefined && now < hit.until) return hit.revoked;
    return Promise.resolve(state.alive(jti)).then((alive) => {
      if (known.size >= MAX_ENTRIES) known.delete(known.keys().next().value!);
      known.set(jti, { revoked: !alive, until: now + cacheSeconds * 1000 });
      return !alive;
    });
  };
  return Object.freeze({
    name: 'local token service',
    issuer,
    audience: [audience],
    jwksUrl: undefined,
    publicKey,
    algorithms: ['RS256'],
    clockSkewSeconds: 60,
    jwksCacheSeconds: 900,
    jwksCooldownSeconds: 30,
    jwksTimeoutMs: 5000,
    revoked,
  });
}
