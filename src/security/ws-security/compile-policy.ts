/**
 * A WS-Policy document (as Micro Integrator users write them for proxies) -> WsSecurityPlan. Understood:
 * sp:TransportBinding with sp:HttpsToken, sp:AlgorithmSuite, sp:Layout and sp:IncludeTimestamp; sp:UsernameToken
 * in (Signed)(Encrypted)SupportingTokens; sp:Wss10/Wss11; rampart:RampartConfig timestamp and nonce settings;
 * sec:CarbonSecConfig allowed roles. Anything else (signatures, encryption, other tokens, policy alternatives)
 * is an error naming the assertion: a proxy is never served with part of its policy silently dropped.
 */
import { Errors, type ErrorSpec } from '../../errors.js';
import { childElements, textOf } from '../../xml/dom.js';
import {
  ALLOWED_ROLES_PROPERTY,
  CARBON_SEC_NS,
  RAMPART_NS,
  SP_NAMESPACES,
  WSP_NAMESPACES,
  WSU_NS,
} from './namespaces.js';
import {
  DEFAULT_MAX_SKEW_MS,
  DEFAULT_NONCE_LIFETIME_MS,
  DEFAULT_TIMESTAMP_TTL_MS,
  type SecurityLayout,
  type WsSecurityPlan,
} from './policy-plan.js';

export interface PolicyProblem {
  readonly node: Node;
  readonly spec: ErrorSpec;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

export interface CompiledPolicy {
  /** Undefined when the policy has errors. */
  readonly plan: WsSecurityPlan | undefined;
  readonly problems: readonly PolicyProblem[];
}

const SUPPORTING_TOKENS = new Set(['SupportingTokens', 'SignedSupportingTokens', 'EncryptedSupportingTokens', 'SignedEncryptedSupportingTokens']);
const SIGNATURE_OR_ENCRYPTION = new Set([
  'AsymmetricBinding', 'SymmetricBinding', 'SignedParts', 'SignedElements', 'EncryptedParts', 'EncryptedElements',
  'ContentEncryptedElements', 'EndorsingSupportingTokens', 'SignedEndorsingSupportingTokens',
  'EndorsingEncryptedSupportingTokens', 'SignedEndorsingEncryptedSupportingTokens',
]);
/** Rampart settings that only configure signing or encryption, which a supported policy never asks for. */
const CRYPTO_ONLY_RAMPART = new Set(['user', 'userCertAlias', 'encryptionUser', 'stsAlias', 'signatureCrypto', 'encryptionCypto', 'encryptionCrypto', 'decryptionCrypto', 'stsCrypto', 'optimizeParts', 'sslConfig']);
/** Rampart settings with no effect here (token store, precision: timestamps are read with any precision). */
const HARMLESS_RAMPART = new Set(['tokenStoreClass', 'timestampPrecisionInMilliseconds', 'optimizeMessageProcessingForTransportBinding']);
/** Rampart settings that plug Java code into authentication: refused, users come from the user store. */
const JAVA_RAMPART = new Set(['passwordCallbackClass', 'policyValidatorCbClass', 'rampartConfigCallbackClass', 'tokenIssuerPolicy', 'kerberosConfig']);

class Compiler {
  readonly problems: PolicyProblem[] = [];
  requireHttps = false;
  requireClientCertificate = false;
  requireTimestamp = false;
  layout: SecurityLayout = 'Lax';
  usernameToken: { digestOnly: boolean; node: Element; protectedByBinding: boolean } | undefined;
  ttlMs = DEFAULT_TIMESTAMP_TTL_MS;
  skewMs = DEFAULT_MAX_SKEW_MS;
  nonceMs = DEFAULT_NONCE_LIFETIME_MS;
  allowedRoles: Set<string> | undefined;
  private sawBinding = false;

  constructor(private readonly source: string) {}

  error(node: Node, message: string, spec: ErrorSpec = Errors.WSS_POLICY_UNSUPPORTED): void {
    this.problems.push({ node, spec, message: `policy '${this.source}': ${message}`, severity: 'error' });
  }

  warn(node: Node, message: string): void {
    this.problems.push({ node, spec: Errors.WSS_POLICY_UNSUPPORTED, message: `policy '${this.source}': ${message}`, severity: 'warning' });
  }

  unsupported(el: Element, why: string): void {
    this.error(el, `<${el.nodeName}> is not supported (${why}); the proxy is not deployed rather than served without it`);
  }

  /** The assertions of a policy in normal form: nested wsp:Policy / wsp:All flattened, one alternative only. */
  assertions(policy: Element): Element[] {
    const out: Element[] = [];
    for (const c of childElements(policy)) {
      if (hasWspAttr(c, 'Optional', 'true')) {
        this.error(c, `<${c.nodeName}> is marked wsp:Optional; optional assertions make policy alternatives, which are not supported`);
        continue;
      }
      if (!WSP_NAMESPACES.has(c.namespaceURI ?? '')) {
        out.push(c);
        continue;
      }
      switch (c.localName) {
        case 'Policy':
        case 'All':
          out.push(...this.assertions(c));
          break;
        case 'ExactlyOne': {
          const alternatives = childElements(c);
          if (alternatives.length > 1) this.error(c, `<${c.nodeName}> offers ${alternatives.length} alternatives; policy alternatives are not supported, keep one <wsp:All>`);
          else out.push(...this.assertions(c));
          break;
        }
        case 'PolicyReference':
          this.error(c, `<${c.nodeName}> is not supported; put the referenced policy inline`);
          break;
        default:
          this.error(c, `<${c.nodeName}> is not a WS-Policy operator`, Errors.WSS_POLICY_INVALID);
      }
    }
    return out;
  }

  /** The assertions of the nested wsp:Policy of an assertion (none when it has no nested policy). */
  nested(el: Element): Element[] {
    const out: Element[] = [];
    for (const c of childElements(el)) {
      if (WSP_NAMESPACES.has(c.namespaceURI ?? '') && c.localName === 'Policy') out.push(...this.assertions(c));
      else this.error(c, `<${c.nodeName}> is not allowed in <${el.nodeName}> (expected a nested <wsp:Policy>)`, Errors.WSS_POLICY_INVALID);
    }
    return out;
  }

  top(a: Element): void {
    const ns = a.namespaceURI ?? '';
    if (SP_NAMESPACES.has(ns)) return this.securityPolicy(a);
    if (ns === RAMPART_NS && a.localName === 'RampartConfig') return this.rampartConfig(a);
    if (ns === CARBON_SEC_NS && a.localName === 'CarbonSecConfig') return this.carbonSecConfig(a);
    this.unsupported(a, `an assertion in namespace '${ns || '(none)'}' that this runtime does not enforce`);
  }

  securityPolicy(a: Element): void {
    const name = a.localName;
    if (name === 'TransportBinding') return this.transportBinding(a);
    if (SUPPORTING_TOKENS.has(name)) return this.supportingTokens(a);
    if (name === 'Wss10' || name === 'Wss11') return; // reference mechanisms for signature tokens: nothing to enforce
    if (SIGNATURE_OR_ENCRYPTION.has(name)) return this.unsupported(a, 'message signatures and encryption are not implemented; use UsernameToken over HTTPS');
    if (name === 'Trust10' || name === 'Trust13') return this.unsupported(a, 'WS-Trust and secure conversation are not implemented');
    this.unsupported(a, 'only TransportBinding, UsernameToken supporting tokens, Wss10 and Wss11 are implemented');
  }

  transportBinding(b: Element): void {
    if (this.sawBinding) return this.error(b, `a second <${b.nodeName}>; a policy has one binding`, Errors.WSS_POLICY_INVALID);
    this.sawBinding = true;
    let token = false;
    for (const a of this.nested(b)) {
      if (!SP_NAMESPACES.has(a.namespaceURI ?? '')) {
        this.unsupported(a, 'not a WS-SecurityPolicy assertion');
        continue;
      }
      switch (a.localName) {
        case 'TransportToken':
          token = true;
          for (const t of this.nested(a)) {
            if (SP_NAMESPACES.has(t.namespaceURI ?? '') && t.localName === 'HttpsToken') this.httpsToken(t);
            else this.unsupported(t, 'the only transport token is HttpsToken');
          }
          break;
        case 'AlgorithmSuite':
          break; // algorithms of signatures and encryption, which TLS replaces here
        case 'Layout': {
          const l = this.nested(a)[0];
          if (l && ['Lax', 'Strict', 'LaxTsFirst', 'LaxTsLast'].includes(l.localName)) this.layout = l.localName as SecurityLayout;
          else this.error(a, `<${a.nodeName}> needs one of Lax, Strict, LaxTsFirst, LaxTsLast`, Errors.WSS_POLICY_INVALID);
          break;
        }
        case 'IncludeTimestamp':
          this.requireTimestamp = true;
          break;
        default:
          this.unsupported(a, 'a TransportBinding here understands TransportToken, AlgorithmSuite, Layout and IncludeTimestamp');
      }
    }
    if (!token) this.error(b, `<${b.nodeName}> needs a <sp:TransportToken> with <sp:HttpsToken>`, Errors.WSS_POLICY_INVALID);
  }

  httpsToken(t: Element): void {
    this.requireHttps = true;
    // WS-SP 1.1 writes it as an attribute, 1.2 as a nested assertion
    const attr = t.getAttribute('RequireClientCertificate');
    if (attr !== null && attr.trim() !== '') {
      if (attr.trim() === 'true') this.requireClientCertificate = true;
      else if (attr.trim() !== 'false') this.error(t, `RequireClientCertificate="${attr}" must be true or false`, Errors.WSS_POLICY_INVALID);
    }
    for (const n of this.nested(t)) {
      if (n.localName === 'RequireClientCertificate') this.requireClientCertificate = true;
      else this.unsupported(n, 'HTTP authentication inside HttpsToken is not implemented; use a UsernameToken');
    }
  }

  supportingTokens(s: Element): void {
    for (const a of this.nested(s)) {
      if (!SP_NAMESPACES.has(a.namespaceURI ?? '')) {
        this.unsupported(a, 'not a WS-SecurityPolicy assertion');
        continue;
      }
      if (a.localName === 'UsernameToken') this.usernameTokenAssertion(a, s);
      else if (a.localName === 'AlgorithmSuite') continue;
      else if (['SignedParts', 'SignedElements', 'EncryptedParts', 'EncryptedElements'].includes(a.localName)) this.unsupported(a, 'message signatures and encryption are not implemented');
      else this.unsupported(a, 'the only supporting token implemented is UsernameToken');
    }
  }

  usernameTokenAssertion(u: Element, holder: Element): void {
    if (this.usernameToken) return this.error(u, `a second <${u.nodeName}>; one UsernameToken per policy is supported`, Errors.WSS_POLICY_INVALID);
    let include: string | null = null;
    for (let i = 0; i < u.attributes.length; i++) {
      const at = u.attributes[i]!;
      if (at.localName === 'IncludeToken') include = at.value;
    }
    if (include && /\/IncludeToken\/Never$/.test(include.trim())) {
      return this.unsupported(u, 'IncludeToken Never: the token must be in the message to be checked');
    }
    let digestOnly = false;
    for (const n of this.nested(u)) {
      switch (n.localName) {
        case 'WssUsernameToken10':
        case 'WssUsernameToken11':
          break;
        case 'HashPassword':
          digestOnly = true;
          break;
        case 'NoPassword':
          this.unsupported(n, 'a UsernameToken without a password cannot be authenticated');
          break;
        default:
          this.unsupported(n, 'derived keys and other UsernameToken options are not implemented');
      }
    }
    // signed/encrypted supporting tokens are protected by the binding: only TLS can do that here
    this.usernameToken = { digestOnly, node: holder, protectedByBinding: holder.localName !== 'SupportingTokens' };
  }

  rampartConfig(r: Element): void {
    for (const c of childElements(r)) {
      const n = c.localName;
      const seconds = (): number | undefined => {
        const t = textOf(c).trim();
        if (!/^\d{1,9}$/.test(t)) {
          this.error(c, `<${c.nodeName}> must be a whole number of seconds, got '${t}'`, Errors.WSS_POLICY_INVALID);
          return undefined;
        }
        return Number(t) * 1000;
      };
      if (c.namespaceURI !== RAMPART_NS) this.warn(c, `<${c.nodeName}> in RampartConfig is not a Rampart setting; ignored`);
      else if (n === 'timestampTTL') this.ttlMs = seconds() ?? this.ttlMs;
      else if (n === 'timestampMaxSkew') this.skewMs = seconds() ?? this.skewMs;
      else if (n === 'nonceLifeTime') this.nonceMs = seconds() ?? this.nonceMs;
      else if (n === 'timestampStrict') {
        const t = textOf(c).trim();
        if (t !== 'true' && t !== 'false') this.error(c, `<${c.nodeName}> must be true or false`, Errors.WSS_POLICY_INVALID);
        // either way the Created + timestampTTL limit is enforced (the stricter reading; see docs/ws-security.md)
      } else if (HARMLESS_RAMPART.has(n)) continue;
      else if (CRYPTO_ONLY_RAMPART.has(n)) this.warn(c, `<${c.nodeName}> configures signing or encryption, which this policy does not use; ignored`);
      else if (JAVA_RAMPART.has(n)) this.unsupported(c, 'Java callbacks are not run here; users are authenticated against the user store');
      else this.warn(c, `<${c.nodeName}> is not a Rampart setting this runtime knows; ignored`);
    }
  }

  carbonSecConfig(s: Element): void {
    for (const c of childElements(s)) {
      if (c.localName !== 'Authorization' || c.namespaceURI !== CARBON_SEC_NS) {
        this.unsupported(c, 'only <sec:Authorization> allowed roles are implemented');
        continue;
      }
      for (const p of childElements(c)) {
        if (p.localName !== 'property' || p.getAttribute('name') !== ALLOWED_ROLES_PROPERTY) {
          this.unsupported(p, `only the '${ALLOWED_ROLES_PROPERTY}' property is implemented`);
          continue;
        }
        // role names are case-insensitive, as user names are
        const roles = textOf(p).split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
        if (roles.length) this.allowedRoles = new Set([...(this.allowedRoles ?? []), ...roles]);
      }
    }
  }
}

function hasWspAttr(el: Element, local: string, value: string): boolean {
  for (let i = 0; i < el.attributes.length; i++) {
    const at = el.attributes[i]!;
    if (at.localName === local && WSP_NAMESPACES.has(at.namespaceURI ?? '') && at.value.trim() === value) return true;
  }
  return false;
}

/** Compiles the policy element `root`; `source` names it in messages (local entry key or file). */
export function compilePolicy(root: Element, source: string): CompiledPolicy {
  const c = new Compiler(source);
  if (!WSP_NAMESPACES.has(root.namespaceURI ?? '') || root.localName !== 'Policy') {
    c.error(root, `<${root.nodeName}> is not a WS-Policy document (expected <wsp:Policy>)`, Errors.WSS_POLICY_INVALID);
    return { plan: undefined, problems: c.problems };
  }
  for (const a of c.assertions(root)) c.top(a);
  const ut = c.usernameToken;
  if (ut?.protectedByBinding && !c.requireHttps) {
    c.unsupported(ut.node, 'signed or encrypted supporting tokens need a TransportBinding with HttpsToken here: message signatures and encryption are not implemented');
  }
  if (!ut && !c.requireHttps) c.error(root, 'asks for nothing this runtime enforces (no UsernameToken, no TransportBinding)', Errors.WSS_POLICY_INVALID);
  if (c.problems.some((p) => p.severity === 'error')) return { plan: undefined, problems: c.problems };
  const id = root.getAttributeNS(WSU_NS, 'Id');
  const plan: WsSecurityPlan = Object.freeze({
    source,
    policyId: id ? id : undefined,
    requireHttps: c.requireHttps,
    requireClientCertificate: c.requireClientCertificate,
    requireTimestamp: c.requireTimestamp,
    layout: c.layout,
    usernameToken: ut ? Object.freeze({ digestOnly: ut.digestOnly }) : undefined,
    timestampTtlMs: c.ttlMs,
    maxSkewMs: c.skewMs,
    nonceLifetimeMs: c.nonceMs,
    allowedRoles: c.allowedRoles,
  });
  return { plan, problems: c.problems };
}
