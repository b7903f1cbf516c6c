/**
 * Where a bearer token is checked, as API Manager's OAuthAuthenticator decides between a JWT and an opaque
 * token: a token already verified answers from the JWT cache at once; a JWT (three dot-separated segments
 * whose middle one is a JSON object) whose `iss` is a [[jwt_issuer]] is verified with its keys; any other
 * token (opaque, or a JWT of no [[jwt_issuer]]) goes to the [[key_manager]]s' introspection; with none that
 * could know it, it is refused (900901).
 */
import { FaultCodes } from './gateway-fault.js';
import type { JwtVerifier, TokenFailure, TokenOutcome } from './jwt-verifier.js';
import type { TokenIntrospector } from './token-introspector.js';

const INVALID: TokenFailure = Object.freeze({ failed: true, code: FaultCodes.INVALID_CREDENTIALS, reason: 'Invalid Credentials' });

/**
 * The unverified `iss` of a JWT; undefined for a JWT without one; null for a token that is not a JWT. Only
 * for routing: nothing read here is trusted.
 */
export function unverifiedIssuer(token: string): string | undefined | null {
  const a = token.indexOf('.');
  if (a <= 0) return null;
  const b = token.indexOf('.', a + 1);
  if (b < 0 || token.indexOf('.', b + 1) >= 0) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return null;
  const iss = (claims as Record<string, unknown>)['iss'];
  return typeof iss === 'string' ? iss : undefined;
}

export class BearerTokens {
  constructor(
    private readonly jwt: JwtVerifier,
    private readonly introspection: TokenIntrospector | undefined,
  ) {}

  /** Whether any token could be accepted: a [[jwt_issuer]] or a [[key_manager]] is configured. */
  get configured(): boolean {
    return this.jwt.configured || this.introspection?.configured === true;
  }

  /** The outcome: synchronous for a cached token, a Promise when it must be verified or introspected. */
  check(token: string): TokenOutcome | Promise<TokenOutcome> {
    const hit = this.jwt.cached(token);
    if (hit !== undefined) return hit;
    const iss = unverifiedIssuer(token);
    if (typeof iss === 'string' && this.jwt.knows(iss)) return this.jwt.verifyOnce(token);
    const ki = this.introspection;
    if (ki === undefined || !ki.configured) return INVALID;
    return ki.check(token, ki.managersFor(iss));
  }
}
