/**
 * Throttling tiers in the access phase, after the credential check (so the caller is known), as API
 * Manager's ThrottleHandler applies them; each level that applies costs one counter operation:
 *
 *   1. the API's tier: every call of the API, whoever makes it, counts in one window (fault 900800);
 *   2. the resource's tier: every call of that resource and method (900802);
 *   3. the consumer's tier, per consumer: burst control first (900807), then the quota (900804).
 *      The consumer is the client certificate that admitted the call when it carries a tier (`mi api-cert
 *      add --tier`), else the application of a token (`azp`, else `client_id`), else its end user (`sub`),
 *      the Basic user or the API key's name (`api.ut.userId`), else (an open resource) the client address;
 *      its tier is the certificate's, else the declared `subscription_tier`.
 *
 * The levels and their counter keys are compiled when the API deploys; a level with the tier Unlimited is
 * left out. The first full window refuses the call with 429 (throttle-fault.ts).
 */
import type { MessageContext } from '../../context/message-context.js';
import type { AccessPolicy, AccessServices, AccessVerdict } from '../policies/access-policy.js';
import { CLIENT_CERT_ALIAS_PROPERTY, CLIENT_CERT_TIER_PROPERTY } from '../policies/api-security.js';
import { STORE_DOWN } from './counters.js';
import type { GatewayThrottling } from './gateway-throttling.js';
import { throttledReply, ThrottleCodes, unavailableReply } from './throttle-fault.js';
import type { Limit, Tier } from './tiers.js';

export const THROTTLING_POLICY = 'throttling';
/** Below API security (2000): the caller is known when the tiers are counted. */
export const THROTTLING_PRIORITY = 1000;

/** A level whose counter every caller shares (the API's, a resource's). */
export interface SharedLevel {
  readonly key: string;
  readonly limit: Limit;
  readonly code: number;
}

export interface ThrottlingPlan {
  /** The API (`Name`, `Name:v1.0`): the start of every counter key of its levels. */
  readonly apiKey: string;
  readonly api: SharedLevel | undefined;
  /** The resource's level by upper-case method; undefined: none. */
  readonly resource: ReadonlyMap<string, SharedLevel> | undefined;
  /** The tier of each consumer; undefined: consumers are counted only under a certificate's tier. */
  readonly subscription: Tier | undefined;
  /** Whether the route checks client certificates (whose tier may apply). */
  readonly certificates: boolean;
  /** For `mi validate`. */
  readonly description: string;
}

interface Consumer {
  readonly key: string;
  readonly tier: Tier;
}

const STEPS = 4;

/** The consumer's identity, from what the credential check left on the message. */
function identity(mc: MessageContext): string {
  const claims = mc.props.get('jwt_token_claims');
  if (claims !== null && typeof claims === 'object') {
    const c = claims as Record<string, unknown>;
    const app = c['azp'] ?? c['client_id'];
    if (typeof app === 'string' && app !== '') return `app:${app}`;
  }
  const user = mc.props.get('api.ut.userId');
  if (typeof user === 'string' && user !== '') return `user:${user}`;
  return `ip:${mc.inbound.remoteAddress}`;
}

class ThrottlingPolicy implements AccessPolicy {
  readonly name = THROTTLING_POLICY;
  readonly priority = THROTTLING_PRIORITY;
  readonly description: string;

  constructor(private readonly plan: ThrottlingPlan) {
    this.description = plan.description;
  }

  check(mc: MessageContext, services: AccessServices): AccessVerdict | Promise<AccessVerdict> {
    const g = services.throttling;
    return g === undefined ? undefined : this.run(mc, g, 0, undefined);
  }

  private consumer(mc: MessageContext, g: GatewayThrottling): Consumer | null {
    const p = this.plan;
    if (p.certificates) {
      const name = mc.props.get(CLIENT_CERT_TIER_PROPERTY);
      const tier = typeof name === 'string' ? g.certificateTier(name) : undefined;
      if (tier !== undefined) return { key: `${p.apiKey}|${tier.name}|cert:${String(mc.props.get(CLIENT_CERT_ALIAS_PROPERTY))}`, tier };
    }
    // the tier is in the key: a resource with its own subscription_tier keeps its own count
    return p.subscription === undefined ? null : { key: `${p.apiKey}|${p.subscription.name}|${identity(mc)}`, tier: p.subscription };
  }

  /** Steps 0 API, 1 resource, 2 consumer burst, 3 consumer quota; synchronous while the counters are. */
  private run(mc: MessageContext, g: GatewayThrottling, step: number, consumer: Consumer | null | undefined): AccessVerdict | Promise<AccessVerdict> {
    const p = this.plan;
    for (; step < STEPS; step++) {
      let key: string;
      let limit: Limit | undefined;
      let code: number;
      if (step < 2) {
        const level = step === 0 ? p.api : p.resource?.get(mc.inbound.method.toUpperCase());
        if (level === undefined) continue;
        ({ key, limit, code } = level);
      } else {
        if (consumer === undefined) consumer = this.consumer(mc, g);
        if (consumer === null) break;
        limit = step === 2 ? consumer.tier.burst : consumer.tier.quota;
        if (limit === undefined) continue;
        key = step === 2 ? `${consumer.key}|burst` : consumer.key;
        code = step === 2 ? ThrottleCodes.BURST : ThrottleCodes.SUBSCRIPTION;
      }
      const r = g.counters.take(key, limit.count, limit.windowMs);
      if (typeof r === 'number') {
        if (r !== 0) return refuse(mc, r, code);
        continue;
      }
      const next = step + 1;
      const who = consumer;
      return r.then((v) => (v !== 0 ? refuse(mc, v, code) : this.run(mc, g, next, who)));
    }
    return undefined;
  }
}

function refuse(mc: MessageContext, r: number, code: number): AccessVerdict {
  return r === STORE_DOWN ? unavailableReply(mc) : throttledReply(mc, code, r);
}

export function throttlingPolicy(plan: ThrottlingPlan): AccessPolicy {
  return new ThrottlingPolicy(plan);
}
