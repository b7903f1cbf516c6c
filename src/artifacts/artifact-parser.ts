/**
 * The parser every deployment uses (mi start and mi validate alike): the mediator registry plus the
 * deploy-time checks that depend on the configuration (vault aliases, external vaults).
 */
import type { Config } from '../config/config.js';
import { MiError } from '../errors.js';
import { MediatorRegistry } from '../mediators/registry.js';
import { datasourcesFrom, type DatasourceConfig } from '../store/datasource-config.js';
import type { MediatorParser } from './parse-context.js';
import { readThrottlingSettings, TierCatalog } from '../security/throttling/tiers.js';

export function artifactParser(config: Config, registry = new MediatorRegistry()): MediatorParser {
  let declared: Map<string, DatasourceConfig | MiError> | undefined;
  return {
    datasource: (name) => {
      try {
        declared ??= datasourcesFrom(config.toml, config.home, []);
      } catch (err) {
        if (err instanceof MiError) return err;
        throw err;
      }
      return declared.get(name) ?? declared.get(idOfJndiName(config.toml, name) ?? '');
    },
    parseMediator: (el, ctx) => registry.parseMediator(el, ctx),
    knownSecretAlias: (alias) => config.security.vault.has(alias),
    knownExternalVault: (name) => name === 'hashicorp' && config.security.hashicorp !== undefined,
    hasJwtIssuers: (Array.isArray(config.toml['jwt_issuer']) && config.toml['jwt_issuer'].length > 0) || localIssuerTrusted(config.toml),
    hasKeyManagers: Array.isArray(config.toml['key_manager']) && config.toml['key_manager'].length > 0,
    // the value is checked with the rest of [api_security] (gateway-config.ts, MI_API_003)
    apiSecurityDefault: (config.toml['api_security'] as Record<string, unknown> | undefined)?.['default'] === 'oauth2' ? 'oauth2' : 'none',
    throttlingTiers: throttlingTiersOf(config),
  };
}

/** The tiers of [[throttling.tier]]; a mistake there stops the start (MI_API_050), so deploying reads the built-ins then. */
function throttlingTiersOf(config: Config): TierCatalog {
  try {
    return readThrottlingSettings(config.toml, []).tiers;
  } catch (err) {
    if (err instanceof MiError) return new TierCatalog();
    throw err;
  }
}

/** The id of the `[[datasource]]` whose jndi_config.name is `name` (Micro Integrator's JNDI lookup). */
function idOfJndiName(toml: Record<string, unknown>, name: string): string | undefined {
  const list = toml['datasource'];
  if (!Array.isArray(list)) return undefined;
  for (const e of list as Record<string, unknown>[]) {
    const jndi = e?.['jndi_config'] as Record<string, unknown> | undefined;
    if (jndi && jndi['name'] === name && typeof e['id'] === 'string') return e['id'];
  }
  return undefined;
}

/** `[oauth2_server] enable = true` with `trust_local_issuer` (the default): the token service is a token issuer. */
function localIssuerTrusted(doc: Record<string, unknown>): boolean {
  const t = doc['oauth2_server'];
  if (t === null || typeof t !== 'object') return false;
  const o = t as Record<string, unknown>;
  return o['enable'] === true && o['trust_local_issuer'] !== false;
}
