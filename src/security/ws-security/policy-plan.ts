/**
 * What a WS-SecurityPolicy asks of a request, compiled once at deploy time: the request path reads these
 * fields and nothing else. Immutable; shared by every request to the proxy.
 */
export type SecurityLayout = 'Lax' | 'Strict' | 'LaxTsFirst' | 'LaxTsLast';

export interface UsernameTokenRule {
  /** sp:HashPassword: only PasswordDigest tokens are accepted. */
  readonly digestOnly: boolean;
}

export interface WsSecurityPlan {
  /** Where the policy came from (local entry key or registry path), for logs. */
  readonly source: string;
  /** The policy's wsu:Id (UTOverTransport turns on the Basic-auth bridge, as in Micro Integrator). */
  readonly policyId: string | undefined;
  /** sp:TransportBinding with sp:HttpsToken: plain HTTP is refused with a fault. */
  readonly requireHttps: boolean;
  /** HttpsToken RequireClientCertificate: the TLS client must have shown a trusted certificate. */
  readonly requireClientCertificate: boolean;
  /** sp:IncludeTimestamp: a wsu:Timestamp must be in the header. */
  readonly requireTimestamp: boolean;
  readonly layout: SecurityLayout;
  /** sp:UsernameToken in a supporting-tokens assertion; undefined when the policy asks for none. */
  readonly usernameToken: UsernameTokenRule | undefined;
  /** rampart:timestampTTL: oldest accepted wsu:Created of a Timestamp. */
  readonly timestampTtlMs: number;
  /** rampart:timestampMaxSkew: clock difference tolerated in either direction. */
  readonly maxSkewMs: number;
  /** rampart:nonceLifeTime: how long a nonce is remembered (and the oldest accepted token wsu:Created). */
  readonly nonceLifetimeMs: number;
  /** sec:CarbonSecConfig allowed roles; undefined means any authenticated user. */
  readonly allowedRoles: ReadonlySet<string> | undefined;
}

/** Rampart's defaults when the policy has no RampartConfig (seconds in the policy, ms here). */
export const DEFAULT_TIMESTAMP_TTL_MS = 300_000;
export const DEFAULT_MAX_SKEW_MS = 300_000;
export const DEFAULT_NONCE_LIFETIME_MS = 300_000;
