/**
 * The parser every deployment uses (mi start and mi validate alike): the mediator registry plus the
 * deploy-time checks that depend on the configuration (vault aliases, external vaults).
 */
import type { Config } from '../config/config.js';
import { MediatorRegistry } from '../mediators/registry.js';
import type { MediatorParser } from './parse-context.js';

export function artifactParser(config: Config, registry = new MediatorRegistry()): MediatorParser {
  return {
    parseMediator: (el, ctx) => registry.parseMediator(el, ctx),
    knownSecretAlias: (alias) => config.security.vault.has(alias),
    knownExternalVault: (name) => name === 'hashicorp' && config.security.hashicorp !== undefined,
    hasJwtIssuers: Array.isArray(config.toml['jwt_issuer']) && config.toml['jwt_issuer'].length > 0,
    hasKeyManagers: Array.isArray(config.toml['key_manager']) && config.toml['key_manager'].length > 0,
  };
}
