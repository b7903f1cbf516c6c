/**
 * The parts of an `<api>` that come from outside its XML: its OpenAPI definition (located, read, validated
 * and read for security, each problem reported in the definition file at the line of its JSON path), and
 * the `[api_security] default` policy for an API that declares no security.
 */
import path from 'node:path';
import { Errors } from '../errors.js';
import { locateDefinition, readDefinition, type OpenApiDefinition } from '../api/openapi/definition.js';
import type { AccessPolicy } from '../security/policies/access-policy.js';
import { apiSecurityPolicy } from '../security/policies/api-security.js';
import { dispatchOrder, openApiSecurity, resourceFor, type OpenApiSecurity, type RoutedResource } from '../security/policies/openapi-security.js';
import { openApiThrottling, type OpenApiThrottling } from '../security/throttling/throttling-declaration.js';
import { diagnostic } from './diagnostic.js';
import type { ParseContext } from './parse-context.js';

/** Whether some token could be accepted: a [[jwt_issuer]] or a [[key_manager]] (undefined: not checked). */
function oauth2Possible(ctx: ParseContext): boolean {
  return ctx.mediators.hasJwtIssuers !== false || ctx.mediators.hasKeyManagers === true;
}

export interface ApiDefinition {
  readonly definition: OpenApiDefinition;
  readonly security: OpenApiSecurity;
  /** Its `x-throttling-tier`s (API Manager's). */
  readonly throttling: OpenApiThrottling;
}

/**
 * The API's definition and the security it declares; undefined when the API has none or it cannot be used
 * (the problems are on ctx, so the API does not deploy). `xmlSecurity`: the API declares its security in
 * XML too, which with a top-level `security` in the definition is refused.
 */
export function apiDefinition(el: Element, ctx: ParseContext, name: string, publishSwagger: string | undefined, resources: readonly RoutedResource[], xmlSecurity: boolean): ApiDefinition | undefined {
  const where = locateDefinition(name, ctx.file, publishSwagger, ctx.home);
  if (where === undefined) return undefined;
  if ('refused' in where) {
    ctx.error(el, Errors.OPENAPI_SOURCE, where.refused);
    return undefined;
  }
  if (where.key !== undefined) {
    const sidecar = locateDefinition(name, ctx.file, undefined, ctx.home);
    if (sidecar && 'file' in sidecar) ctx.warn(el, Errors.OPENAPI_IGNORED, `API '${name}' has publishSwagger '${where.key}'; ${path.basename(sidecar.file)} beside it is ignored`);
  }
  const label = `the OpenAPI definition of API '${name}'`;
  const read = readDefinition(where.file, label);
  for (const p of read.problems) ctx.diagnostics.push(diagnostic(p.file, p, p.spec, p.message, p.severity));
  const definition = read.definition;
  if (!definition) return undefined;
  const oauth2Configured = oauth2Possible(ctx);
  const security = openApiSecurity(definition, resources, (at, spec, message) => ctx.diagnostics.push(diagnostic(definition.file, definition.at(at), spec, message)), oauth2Configured);
  if (security.document !== undefined && xmlSecurity) {
    ctx.error(el, Errors.API_SECURITY_TWICE, `API '${name}' declares its security in XML and in ${path.basename(definition.file)} (${security.document.where}); keep one: remove the <security> (or handler) of the <api>, or the top-level security of the definition`);
    return undefined;
  }
  const order = dispatchOrder(resources);
  const throttling = openApiThrottling(
    definition,
    ctx,
    (p, method) => resourceFor(resources, order, p, method),
    (at, message) => ctx.diagnostics.push(diagnostic(definition.file, definition.at(at), Errors.THROTTLING_UNKNOWN_TIER, message)),
  );
  return { definition, security, throttling };
}

/** `[api_security] default = "oauth2"`: any valid token of a `[[jwt_issuer]]`; undefined when the default is open. */
export function defaultSecurity(el: Element, ctx: ParseContext, name: string): AccessPolicy | undefined {
  if (ctx.mediators.apiSecurityDefault !== 'oauth2') return undefined;
  if (!oauth2Possible(ctx)) {
    ctx.error(el, Errors.API_SECURITY_UNCONFIGURED, `API '${name}' declares no security, so [api_security] default = "oauth2" applies, but deployment.toml has no [[jwt_issuer]] and no [[key_manager]]: no token could ever be accepted`);
    return undefined;
  }
  return apiSecurityPolicy({ oauth2: { scopes: [] }, basicAuth: undefined, mutualSsl: undefined, applicationMandatory: true, removeCredentials: true });
}
