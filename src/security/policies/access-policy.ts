/**
 * The access-policy contract (APISIX/Kong plugins, Synapse's security handlers): one definition per kind,
 * `{ name, priority, parse }`, and the policy a declaration compiles into, whose check() runs in the access
 * phase of every exchange of the proxy, API or resource that declares it. check() answers undefined to
 * admit the request, or the refusal to send back; it stays synchronous when it can (a cached login).
 */
import type { MessageContext, Reply } from '../../context/message-context.js';
import type { ParseContext } from '../../artifacts/parse-context.js';
import type { NonceStore } from '../ws-security/nonce-store.js';
import type { GatewaySecurity } from '../gateway/gateway-security.js';
import type { ApiKeyVerifier } from '../gateway/api-key-verifier.js';
import type { ApiCertificateRegistry } from '../gateway/api-certificate-registry.js';
import type { GatewayThrottling } from '../throttling/gateway-throttling.js';

/** undefined admits the request; a Reply refuses it with that answer. */
export type AccessVerdict = Reply | undefined;

/** What policies use besides the message (the runtime provides it). */
export interface AccessServices {
  /** Nonces seen in WS-Security UsernameTokens, against replays. */
  readonly nonces: NonceStore;
  /** API security: [[jwt_issuer]]s, the token cache, [api_security] settings. */
  readonly gateway: GatewaySecurity;
  /** API keys of `mi api-key issue`; undefined where no key store is open (mi validate, bare test runtimes). */
  readonly apiKeys?: ApiKeyVerifier;
  /** Client certificates registered per API (`mi api-cert add`); undefined where no store is open. */
  readonly apiCertificates?: ApiCertificateRegistry;
  /** Throttling tiers and their counters ([throttling]); undefined where none are kept (bare test runtimes). */
  readonly throttling?: GatewayThrottling;
}

export interface AccessPolicy {
  /** The definition's name: a resource's policy of a name replaces the API's policy of that name. */
  readonly name: string;
  /** Higher runs first: transport checks before credentials, credentials before throttling. */
  readonly priority: number;
  /** What it asks for, in words, for `mi validate` (credential policies say it; transport checks may not). */
  readonly description?: string;
  /** It checks a TLS client certificate, so the HTTPS listener must ask for one. */
  readonly asksClientCertificate?: boolean;
  check(mc: MessageContext, services: AccessServices): AccessVerdict | Promise<AccessVerdict>;
}

/** One kind of access policy: parse() is its schema, as a mediator's is. */
export interface AccessPolicyDef {
  readonly name: string;
  readonly priority: number;
  /** Micro Integrator class names of `<handler>`s that declare this policy in an API's `<handlers>`. */
  readonly handlerClasses?: readonly string[];
  /**
   * Compiles a declaration written as an element (an API `<handler>`); reports problems on ctx and returns
   * undefined. Absent for policies declared otherwise (a proxy's WS-Security `<policy>`).
   */
  parse?(el: Element, ctx: ParseContext): AccessPolicy | undefined;
}
