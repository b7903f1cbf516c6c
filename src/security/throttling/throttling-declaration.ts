/**
 * Where an API says which tiers apply, read when it deploys:
 *
 *   <api ...>
 *     <security throttling_tier="50KPerMin" subscription_tier="Gold"> ... </security>   the API's tier; each consumer's
 *     <resource ...>
 *       <security throttling_tier="Silver"/>       this resource's tier (its security stays the API's)
 *
 * and in the OpenAPI definition as API Manager writes it: `x-throttling-tier` at the top (the API's tier)
 * and on an operation (its resource's tier, for that method). A tier name that is neither built in nor a
 * `[[throttling.tier]]` stops the API from deploying (MI_API_051). compileThrottling() turns the
 * declarations of one resource into its throttling policy (or none: nothing to count).
 */
import type { ParseContext } from '../../artifacts/parse-context.js';
import { isObject, jsonPathText, resolveRef, type OpenApiDefinition } from '../../api/openapi/definition.js';
import { Errors } from '../../errors.js';
import type { AccessPolicy } from '../policies/access-policy.js';
import { ThrottleCodes } from './throttle-fault.js';
import { throttlingPolicy, type SharedLevel } from './throttling-policy.js';
import { TierCatalog, type Tier } from './tiers.js';

export const THROTTLING_ATTRIBUTES = ['throttling_tier', 'subscription_tier'] as const;

export interface ThrottlingDeclaration {
  /** `throttling_tier`: the API's tier on an `<api>`, the resource's on a `<resource>`. */
  readonly tier: Tier | undefined;
  /** `subscription_tier`: the tier each consumer is counted under. */
  readonly subscription: Tier | undefined;
}

const BUILT_INS = new TierCatalog();

function catalog(ctx: ParseContext): TierCatalog {
  return ctx.mediators.throttlingTiers ?? BUILT_INS;
}

function unknown(tiers: TierCatalog, name: string): string {
  return `'${name}' is no throttling tier (known: ${tiers.names.join(', ')}; more with [[throttling.tier]] in deployment.toml)`;
}

/** The throttling attributes of a `<security>` element; undefined when it has none (or after an error). */
export function readThrottlingAttributes(el: Element, ctx: ParseContext, attrs: ReadonlyMap<string, string>): ThrottlingDeclaration | undefined {
  const tiers = catalog(ctx);
  const read = (name: string): Tier | undefined | null => {
    const v = attrs.get(name)?.trim();
    if (v === undefined) return undefined;
    const t = tiers.get(v);
    if (t === undefined) {
      ctx.error(el, Errors.THROTTLING_UNKNOWN_TIER, `${name} ${unknown(tiers, v)}`);
      return null;
    }
    return t;
  };
  const tier = read('throttling_tier');
  const subscription = read('subscription_tier');
  if (tier === null || subscription === null || (tier === undefined && subscription === undefined)) return undefined;
  return Object.freeze({ tier, subscription });
}

export interface OpenApiThrottling {
  /** The top-level `x-throttling-tier`. */
  readonly api: Tier | undefined;
  /** Resource index -> upper-case method -> the tier of the operation reaching it. */
  readonly operations: ReadonlyMap<number, ReadonlyMap<string, Tier>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/**
 * The `x-throttling-tier`s of a definition; `resourceOf` maps an operation to its resource (the same
 * matching as its security). Problems are reported at their JSON path.
 */
export function openApiThrottling(
  def: OpenApiDefinition,
  ctx: ParseContext,
  resourceOf: (path: string, method: string) => number | undefined,
  report: (at: (string | number)[], message: string) => void,
): OpenApiThrottling {
  const tiers = catalog(ctx);
  const tierAt = (v: unknown, at: (string | number)[]): Tier | undefined => {
    if (v === undefined) return undefined;
    const t = typeof v === 'string' ? tiers.get(v.trim()) : undefined;
    if (t === undefined) report(at, `${jsonPathText(at)} ${typeof v === 'string' ? unknown(tiers, v) : 'must be a tier name'}`);
    return t;
  };
  const api = tierAt(def.doc['x-throttling-tier'], ['x-throttling-tier']);
  const operations = new Map<number, Map<string, Tier>>();
  const paths = def.doc['paths'];
  for (const [p, raw] of Object.entries(isObject(paths) ? paths : {})) {
    const item = resolveRef(def.doc, raw);
    if (!isObject(item)) continue;
    for (const m of METHODS) {
      const op = item[m];
      if (!isObject(op) || op['x-throttling-tier'] === undefined) continue;
      const tier = tierAt(op['x-throttling-tier'], ['paths', p, m, 'x-throttling-tier']);
      const index = resourceOf(p, m.toUpperCase());
      if (tier === undefined || index === undefined) continue;
      let byMethod = operations.get(index);
      if (!byMethod) operations.set(index, (byMethod = new Map()));
      byMethod.set(m.toUpperCase(), tier);
    }
  }
  return { api, operations };
}

export interface ResourceThrottlingInput {
  readonly methods: ReadonlySet<string> | undefined;
  /** uri-template / url-mapping as written. */
  readonly path: string;
  readonly own: ThrottlingDeclaration | undefined;
  /** `x-throttling-tier` of the operations reaching it, by method. */
  readonly operations: ReadonlyMap<string, Tier> | undefined;
  /** Whether its access phase checks client certificates (their tier then applies). */
  readonly certificates: boolean;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

function counted(t: Tier | undefined): Tier | undefined {
  return t?.quota === undefined && t?.burst === undefined ? undefined : t;
}

/** The throttling policy of one resource; undefined when nothing is counted there. */
export function compileThrottling(apiKey: string, api: ThrottlingDeclaration | undefined, openapi: OpenApiThrottling | undefined, r: ResourceThrottlingInput): AccessPolicy | undefined {
  const apiTier = counted(api?.tier ?? openapi?.api);
  const subscription = counted(r.own?.subscription ?? api?.subscription);
  let resource: Map<string, SharedLevel> | undefined;
  const words: string[] = [];
  for (const m of r.methods ? [...r.methods] : ALL_METHODS) {
    const tier = counted(r.operations?.get(m) ?? r.own?.tier);
    if (tier?.quota === undefined) continue;
    resource ??= new Map();
    resource.set(m, Object.freeze({ key: `${apiKey}|r|${m} ${r.path}`, limit: tier.quota, code: ThrottleCodes.RESOURCE }));
    if (!words.includes(`resource ${tier.name}`)) words.push(`resource ${tier.name}`);
  }
  if (apiTier?.quota !== undefined) words.unshift(`API ${apiTier.name}`);
  if (subscription !== undefined) words.push(`per consumer ${subscription.name}${subscription.burst ? ` (burst ${subscription.burst.count} per ${subscription.burst.windowMs === 1000 ? 'sec' : 'min'})` : ''}`);
  if (apiTier?.quota === undefined && resource === undefined && subscription === undefined && !r.certificates) return undefined;
  return throttlingPolicy({
    apiKey,
    api: apiTier?.quota === undefined ? undefined : Object.freeze({ key: `${apiKey}|api`, limit: apiTier.quota, code: ThrottleCodes.API }),
    resource,
    subscription,
    certificates: r.certificates,
    // a certificate's tier is the certificate's own matter: `mi validate` names declared tiers only
    description: words.length ? `throttled: ${words.join(', ')}` : '',
  });
}
