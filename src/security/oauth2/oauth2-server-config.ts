/**
 * deployment.toml for the token service: `[oauth2_server]` and `[oauth2_server.store]`. Read at start (a
 * mistake stops it with MI_API_070); reading it loads nothing, so a server without the section pays nothing.
 */
import { Errors, MiError } from '../../errors.js';
import { Section, type Table } from '../../config/section.js';

export const OAUTH2_GRANTS = ['client_credentials', 'password', 'refresh_token', 'authorization_code'] as const;
export type OAuth2Grant = (typeof OAUTH2_GRANTS)[number];

export interface OAuth2StoreSettings {
  /** memory: this process only; database: the user store's database; redis: a Redis server. */
  readonly type: 'memory' | 'database' | 'redis';
  readonly redisUrl: string;
  readonly keyPrefix: string;
}

export interface OAuth2ServerSettings {
  readonly enable: boolean;
  /** The `iss` of its tokens; undefined: `https://<[server] hostname>:<HTTPS port>/oauth2/token`, known once HTTPS listens. */
  readonly issuer: string | undefined;
  /** Whether APIs with `<oauth2>` accept its tokens as those of a [[jwt_issuer]] (verified with the primary key, no call). */
  readonly trustLocalIssuer: boolean;
  /** The grants applications may be given. */
  readonly grantTypes: readonly OAuth2Grant[];
  /** The `aud` of its access tokens. */
  readonly audience: string;
  readonly accessTokenSeconds: number;
  readonly refreshTokenSeconds: number;
  readonly authorizationCodeSeconds: number;
  /** Seconds an application read from the database is used before it is read again (a deletion shows within it). */
  readonly clientCacheSeconds: number;
  /** Seconds a node trusts that a token of the local issuer is not revoked (database or Redis store; memory: always current). */
  readonly revocationCacheSeconds: number;
  readonly store: OAuth2StoreSettings;
}

const KEYS = [
  'enable', 'issuer', 'trust_local_issuer', 'grant_types', 'audience', 'access_token_ttl', 'refresh_token_ttl',
  'authorization_code_ttl', 'client_cache_ttl', 'revocation_cache_ttl', 'store',
];
const STORE_KEYS = ['type', 'redis_url', 'key_prefix'];

function fail(message: string): never {
  throw new MiError(Errors.OAUTH2_SERVER_CONFIG, `[oauth2_server] ${message}`);
}

/** `[oauth2_server]`; a disabled (or absent) section is only checked for its `enable` key. */
export function readOAuth2ServerSettings(doc: Table): OAuth2ServerSettings {
  const s = Section.at(doc, 'oauth2_server');
  try {
    const enable = s.flag('enable', false);
    for (const k of Object.keys(s.table)) if (!KEYS.includes(k)) fail(`has no key '${k}' (known: ${KEYS.join(', ')})`);
    const issuer = s.optionalText('issuer');
    if (issuer !== undefined) {
      let u: URL;
      try {
        u = new URL(issuer);
      } catch {
        return fail(`issuer '${issuer}' is not a URL`);
      }
      if (u.protocol !== 'https:' || u.search || u.hash || !u.pathname.endsWith('/oauth2/token')) fail(`issuer '${issuer}' must be an https URL ending in /oauth2/token (where clients reach this server)`);
    }
    const rawGrants = s.get('grant_types') ?? [...OAUTH2_GRANTS];
    if (!Array.isArray(rawGrants) || rawGrants.some((g) => typeof g !== 'string')) fail('grant_types must be an array of strings');
    for (const g of rawGrants as string[]) if (!(OAUTH2_GRANTS as readonly string[]).includes(g)) fail(`grant_types: '${g}' is not one of ${OAUTH2_GRANTS.join(', ')}`);
    const st = s.child('store');
    for (const k of Object.keys(st.table)) if (!STORE_KEYS.includes(k)) fail(`.store has no key '${k}' (known: ${STORE_KEYS.join(', ')})`);
    const type = st.text('type', 'database');
    if (type !== 'memory' && type !== 'database' && type !== 'redis') fail(`.store type must be "memory", "database" or "redis", not '${type}'`);
    const redisUrl = st.text('redis_url', 'redis://127.0.0.1:6379');
    if (!/^rediss?:\/\/[^/]/.test(redisUrl)) fail('.store redis_url must be a redis:// or rediss:// URL');
    return Object.freeze({
      enable,
      issuer,
      trustLocalIssuer: s.flag('trust_local_issuer', true),
      grantTypes: Object.freeze([...new Set(rawGrants as OAuth2Grant[])]),
      audience: s.text('audience', 'mi'),
      accessTokenSeconds: s.int('access_token_ttl', 3600, 1),
      refreshTokenSeconds: s.int('refresh_token_ttl', 86400, 1),
      authorizationCodeSeconds: s.int('authorization_code_ttl', 300, 1),
      clientCacheSeconds: s.int('client_cache_ttl', 30),
      revocationCacheSeconds: s.int('revocation_cache_ttl', 5),
      store: Object.freeze({ type, redisUrl, keyPrefix: st.text('key_prefix', 'mi:oauth2:') }),
    });
  } catch (err) {
    if (err instanceof MiError && err.spec === Errors.CONFIG_VALUE) throw new MiError(Errors.OAUTH2_SERVER_CONFIG, err.message);
    throw err;
  }
}
