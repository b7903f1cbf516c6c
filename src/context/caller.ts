/**
 * Who called, once API security has admitted a request: the scheme that admitted it, the end user, the
 * scopes and, for a token, its claims. Set by the access phase (`mc.caller`) for mediators, handlers and the
 * backend JWT; undefined on an open API. One object may serve many requests of the same credential (it is
 * cached with the backend JWT), so it is read-only.
 */
export type CallerScheme = 'oauth2' | 'basic_auth' | 'api_key';

export interface Caller {
  readonly scheme: CallerScheme;
  /** The end user: a token's `sub`, the Basic user, an API key's name (else its id); `api.ut.userId` holds the same. */
  readonly user: string;
  readonly scopes: readonly string[];
  /** A Basic user's roles; undefined for other schemes. */
  readonly roles?: readonly string[] | undefined;
  /** A token's claims (an introspected token: the introspection answer); undefined for other schemes. */
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
  /** An API key's id (`mi api-key list`); undefined for other schemes. */
  readonly keyId?: string | undefined;
  /** The backend JWT sent to the endpoints (`[apim.jwt]`), when it is enabled. */
  readonly backendJwt?: string | undefined;
  /** The header it travels in, lower case (`[apim.jwt] header`). */
  readonly backendJwtHeader?: string | undefined;
}
