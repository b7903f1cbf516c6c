/**
 * The one authentication service every security feature uses: Basic auth on APIs, WS-Security
 * UsernameToken on proxies, the management API login. Implemented by AuthenticationService
 * (src/security/auth/authentication-service.ts); the runtime holds one as `runtime.auth`.
 */
import type { ErrorSpec } from '../../errors.js';
import type { UserInfo, WritableUserStore } from './user-store.js';

export interface AuthenticatedUser {
  readonly name: string;
  readonly roles: readonly string[];
  readonly isAdmin: boolean;
}

export type AuthFailure =
  /** Wrong password or unknown user: callers must not tell which. */
  | 'invalid'
  /** Too many failures for this user, or from this client address; try again later (a 429-style answer). */
  | 'rate-limited'
  /** The user store cannot be reached, or too many passwords are being checked: fail closed (a 503-style answer). */
  | 'unavailable';

export type AuthOutcome =
  | { readonly ok: true; readonly user: AuthenticatedUser }
  | {
      readonly ok: false;
      readonly reason: AuthFailure;
      /**
       * The precise code when it is not the reason's usual one (MI_AUTH_002 for 'rate-limited', MI_AUTH_001
       * for 'unavailable'): a limited address (MI_AUTH_003), a full verification queue (MI_AUTH_004, MI_AUTH_005).
       */
      readonly error?: ErrorSpec;
      /** Seconds after which trying again can succeed (for a Retry-After header). */
      readonly retryAfterSeconds?: number;
    };

export interface Authenticator {
  /** Checks a user name and password; `client` is the caller's address for rate limiting. */
  authenticate(name: string, password: string, client?: string): Promise<AuthOutcome>;
  /**
   * The answer from the short-lived cache without touching a store, or undefined when the cache does not
   * know (then call authenticate). Lets hot paths (Basic auth, UsernameToken) stay synchronous.
   */
  cached(name: string, password: string, client?: string): AuthOutcome | undefined;
  /**
   * Counts a failed login checked elsewhere (a WS-Security PasswordDigest that does not match) against
   * the rate limits; 'rate-limited' when the user (or the whole address) is now refused from this address.
   */
  recordFailure(name: string, client?: string): 'invalid' | 'rate-limited';
  /** The user with roles, undefined when unknown; throws when the store cannot be reached. */
  user(name: string): Promise<UserInfo | undefined>;
  /** The clear password a store knows for this user (file users), for WS-Security PasswordDigest. */
  knownPassword(name: string): string | undefined;
  /** The store that accepts changes (the database store), undefined when all stores are read-only. */
  readonly writable: WritableUserStore | undefined;
  /** Every user of every store (file users first); throws when a store cannot be reached. */
  users(): Promise<UserInfo[]>;
  /** Forgets cached answers for one user (after a change) or for everybody. */
  invalidate(name?: string): void;
  /** The admin role name (`admin` unless `[super_admin] admin_role` says otherwise). */
  readonly adminRole: string;
  /** Seconds a rate-limited client is told to wait (Retry-After): the failure window. */
  readonly retryAfterSeconds: number;
}
