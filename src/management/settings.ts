/**
 * `[management_api]` and its sub-tables in deployment.toml, with Micro Integrator's keys and defaults:
 * JWT handler on, tokens valid 3600 s, 200 tokens kept (the least recently used goes when full), CORS open
 * to every origin with the Authorization and Content-Type headers. Unknown keys are warnings.
 */
import { BASE_PORTS, type Config } from '../config/config.js';
import { Section } from '../config/section.js';

export interface ManagementSettings {
  /** `[management_api] enable`; Micro Integrator always serves its internal API, so true by default. */
  readonly enable: boolean;
  /** base port (9154, or `[mediation] internal_https_api_port`) + `[server] offset`. */
  readonly port: number;
  /** `[management_api.jwt_token_security_handler] enable`: false means Basic credentials on every call. */
  readonly jwt: boolean;
  readonly tokenExpirySeconds: number;
  readonly tokenStoreSize: number;
  readonly removeOldestTokenOnOverflow: boolean;
  readonly cors: { readonly enabled: boolean; readonly origins: readonly string[]; readonly headers: string };
}

export function managementSettings(config: Config, warnings: string[] = []): ManagementSettings {
  const doc = config.toml;
  const m = Section.at(doc, 'management_api');
  m.unknownKeys(['enable', 'jwt_token_security_handler', 'cors'], warnings);
  const jwt = m.child('jwt_token_security_handler');
  jwt.unknownKeys(['enable', 'token_store_config', 'token_config'], warnings);
  const store = jwt.child('token_store_config');
  const token = jwt.child('token_config');
  const cors = m.child('cors');
  const base = Section.at(doc, 'mediation').int('internal_https_api_port', BASE_PORTS.management, 1);
  const origins = cors
    .text('allowed_origins', '*')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    enable: m.flag('enable', true),
    port: base + config.server.offset,
    jwt: jwt.flag('enable', true),
    tokenExpirySeconds: token.int('expiry', 3600, 1),
    tokenStoreSize: store.int('max_size', 200, 1),
    removeOldestTokenOnOverflow: store.flag('remove_oldest_token_on_overflow', true),
    cors: {
      enabled: cors.flag('enabled', true),
      origins,
      headers: cors.text('allowed_headers', 'Authorization, Content-Type'),
    },
  };
}
