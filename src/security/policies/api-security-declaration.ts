/**
 * Declaring API security in an artifact, two ways:
 *
 *   <security application="mandatory" removeCredentials="true">      on <api> and on <resource>
 *     <oauth2 scopes="read:menu admin"/>                             a JWT bearer token
 *     <basic_auth scopes="admin" roles="barista"/>                   the runtime's users
 *     <api_key in="header" name="apikey"/>                           a key of `mi api-key issue`
 *     <mutualssl mandatory="true"/>                                  a TLS client certificate
 *   </security>
 *   <security auth="none"/>                                          this resource is open
 *
 * (this runtime's extension; a resource's declaration replaces its API's), and API Manager's own handler
 * in `<handlers>`, as the gateway artifacts it publishes carry it:
 *
 *   <handler class="org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler">
 *     <property name="APISecurity" value="oauth2,basic_auth,api_key,oauth_basic_auth_api_key_mandatory"/>
 *     <property name="RemoveOAuthHeadersFromOutMessage" value="true"/>
 *   </handler>
 *
 * Security is not a place for a typo to pass unnoticed: an unknown element, attribute or value is an
 * error (MI_API_001) that keeps the API from deploying, not a warning.
 */
import type { ParseContext } from '../../artifacts/parse-context.js';
import { Errors } from '../../errors.js';
import { parseExtensionProperties } from '../../handlers/properties.js';
import { childElements } from '../../xml/dom.js';
import type { AccessPolicy, AccessPolicyDef } from './access-policy.js';
import { readThrottlingAttributes, THROTTLING_ATTRIBUTES, type ThrottlingDeclaration } from '../throttling/throttling-declaration.js';
import { API_SECURITY_POLICY, API_SECURITY_PRIORITY, apiSecurityPolicy, type ApiKeyScheme, type BasicAuthScheme, type OAuth2Scheme, type SecurityDeclaration } from './api-security.js';

export const APIM_AUTHENTICATION_HANDLER = 'org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler';

/** What a `<security>` element says: a policy, or that the resource is open (`auth="none"`). */
export interface ParsedSecurity {
  readonly policy: AccessPolicy | undefined;
  readonly open: boolean;
  /** `throttling_tier` / `subscription_tier` (src/security/throttling/); undefined when not written. */
  readonly throttling?: ThrottlingDeclaration;
}

const NOTHING: ParsedSecurity = { policy: undefined, open: false };

/** Attributes of `el`, each an error when not in `allowed`. */
function attributes(el: Element, ctx: ParseContext, allowed: readonly string[]): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let ok = true;
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes[i]!;
    if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    if (!allowed.includes(a.name)) {
      ctx.error(el, Errors.API_SECURITY_DECLARATION, `<${el.localName}> has no attribute '${a.name}' (known: ${allowed.join(', ') || 'none'})`);
      ok = false;
    } else out.set(a.name, a.value);
  }
  return ok ? out : undefined;
}

function flag(el: Element, ctx: ParseContext, name: string, value: string | undefined, dflt: boolean): boolean | undefined {
  if (value === undefined) return dflt;
  if (value === 'true' || value === 'false') return value === 'true';
  ctx.error(el, Errors.API_SECURITY_DECLARATION, `${name} must be true or false, not '${value}'`);
  return undefined;
}

function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/[\s,]+/).filter(Boolean);
}

function checkOAuth2Configured(el: Element, ctx: ParseContext): void {
  if (ctx.mediators.hasJwtIssuers === false && ctx.mediators.hasKeyManagers !== true) {
    ctx.error(el, Errors.API_SECURITY_UNCONFIGURED, 'oauth2 is declared but deployment.toml has no [[jwt_issuer]] and no [[key_manager]]: no token could ever be accepted');
  }
}

/** A `<security>` element of an API or a resource. */
export function parseSecurityElement(el: Element, ctx: ParseContext): ParsedSecurity {
  const a = attributes(el, ctx, ['auth', 'application', 'removeCredentials', ...THROTTLING_ATTRIBUTES]);
  if (!a) return NOTHING;
  const children = childElements(el);
  const throttling = readThrottlingAttributes(el, ctx, a);
  const tierAttributes = THROTTLING_ATTRIBUTES.filter((n) => a.has(n)).length;
  const auth = a.get('auth');
  if (auth !== undefined) {
    if (auth !== 'none') ctx.error(el, Errors.API_SECURITY_DECLARATION, `auth must be 'none' (an open resource), not '${auth}'; list the schemes as child elements`);
    else if (children.length || a.size - tierAttributes > 1) ctx.error(el, Errors.API_SECURITY_DECLARATION, `<security auth="none"/> declares an open resource and takes nothing else (but throttling tiers)`);
    return { policy: undefined, open: auth === 'none', throttling };
  }
  // tiers alone: the security stays the API's, the tiers apply here
  if (tierAttributes > 0 && a.size === tierAttributes && children.length === 0) return { policy: undefined, open: false, throttling };
  const application = a.get('application');
  if (application !== undefined && application !== 'mandatory' && application !== 'optional') {
    ctx.error(el, Errors.API_SECURITY_DECLARATION, `application must be 'mandatory' or 'optional', not '${application}'`);
    return NOTHING;
  }
  const removeCredentials = flag(el, ctx, 'removeCredentials', a.get('removeCredentials'), true);
  let oauth2: OAuth2Scheme | undefined;
  let basicAuth: BasicAuthScheme | undefined;
  let apiKey: ApiKeyScheme | undefined;
  /** undefined: no <mutualssl>; null: <mutualssl> without `mandatory`. */
  let certificateMandatory: boolean | null | undefined;
  let ok = removeCredentials !== undefined;
  const seen = new Set<string>();
  for (const c of children) {
    const name = c.localName;
    if (seen.has(name)) {
      ctx.error(c, Errors.API_SECURITY_DECLARATION, `<${name}> is declared twice in one <security>`);
      ok = false;
      continue;
    }
    seen.add(name);
    if (name === 'oauth2') {
      const at = attributes(c, ctx, ['scopes']);
      if (!at) ok = false;
      else oauth2 = Object.freeze({ scopes: Object.freeze(words(at.get('scopes'))) });
      checkOAuth2Configured(c, ctx);
    } else if (name === 'basic_auth') {
      const at = attributes(c, ctx, ['scopes', 'roles']);
      if (!at) ok = false;
      else {
        const roles = words(at.get('roles')).map((r) => r.toLowerCase());
        basicAuth = Object.freeze({ scopes: Object.freeze(words(at.get('scopes'))), roles: roles.length ? new Set(roles) : undefined });
      }
    } else if (name === 'mutualssl') {
      const at = attributes(c, ctx, ['mandatory']);
      const written = at?.get('mandatory');
      // unwritten: settled below, once the application schemes are known
      const mandatory = at ? (written === undefined ? null : flag(c, ctx, 'mandatory', written, true)) : undefined;
      if (mandatory === undefined) ok = false;
      else certificateMandatory = mandatory;
    } else if (name === 'api_key') {
      const at = attributes(c, ctx, ['in', 'name']);
      const where = at?.get('in');
      const keyName = at?.get('name')?.trim();
      if (!at) ok = false;
      else if (where !== undefined && where !== 'header' && where !== 'query') {
        ctx.error(c, Errors.API_SECURITY_DECLARATION, `api_key in must be 'header' or 'query', not '${where}' (API keys in cookies are not supported)`);
        ok = false;
      } else if (keyName === '') {
        ctx.error(c, Errors.API_SECURITY_DECLARATION, 'api_key name must not be empty; leave it out for [api_security] api_key_header (apikey)');
        ok = false;
      } else {
        const ins: ('header' | 'query')[] = where === undefined ? ['header', 'query'] : [where];
        apiKey = Object.freeze({ locations: Object.freeze(ins.map((i) => Object.freeze({ in: i, name: keyName }))) });
      }
    } else {
      ctx.error(c, Errors.API_SECURITY_DECLARATION, `<${name}> is not a security scheme; use <oauth2>, <basic_auth>, <api_key> or <mutualssl> (or <security auth="none"/>)`);
      ok = false;
    }
  }
  if (!ok) return NOTHING;
  const app = oauth2 !== undefined || basicAuth !== undefined || apiKey !== undefined;
  // API Manager's rule: with a certificate and an application scheme, each is optional unless marked mandatory
  const mutualSsl = certificateMandatory === undefined ? undefined : { mandatory: certificateMandatory ?? !app };
  if (!app && !mutualSsl) {
    ctx.error(el, Errors.API_SECURITY_DECLARATION, '<security> lists no scheme; list <oauth2>, <basic_auth>, <api_key> or <mutualssl>, or write <security auth="none"/> for an open resource');
    return NOTHING;
  }
  if (!app && application === 'optional') {
    ctx.error(el, Errors.API_SECURITY_DECLARATION, "application='optional' needs an application scheme (oauth2, basic_auth or api_key) besides mutualssl");
    return NOTHING;
  }
  if (!app && !mutualSsl!.mandatory) {
    ctx.error(el, Errors.API_SECURITY_DECLARATION, 'an optional <mutualssl> alone secures nothing; make it mandatory or add an application scheme');
    return NOTHING;
  }
  return {
    open: false,
    throttling,
    policy: apiSecurityPolicy(
      Object.freeze({ oauth2, basicAuth, apiKey, mutualSsl, applicationMandatory: application === 'mandatory' || !mutualSsl, removeCredentials: removeCredentials! }) satisfies SecurityDeclaration,
    ),
  };
}

/** Properties of API Manager's handler that describe its deployment (subscriptions, throttling, key managers): no effect here. */
const APIM_INERT_PROPERTIES = new Set(['APILevelPolicy', 'provider', 'keyManagers', 'CertificateInformation', 'apiUUID', 'apiType', 'api.type']);
const APIM_KEY_LOCATIONS: ApiKeyScheme = Object.freeze({ locations: Object.freeze([Object.freeze({ in: 'header', name: undefined }), Object.freeze({ in: 'query', name: undefined })] as const) });
const APIM_SCHEMES = new Set(['oauth2', 'basic_auth', 'api_key', 'mutualssl', 'mutualssl_mandatory', 'oauth_basic_auth_api_key_mandatory']);

/** API Manager's APIAuthenticationHandler: its APISecurity list, read as the gateway reads it. */
function parseApimHandler(el: Element, ctx: ParseContext): AccessPolicy | undefined {
  const props = parseExtensionProperties(el, ctx);
  let list = ['oauth2'];
  let removeCredentials = true;
  let ok = true;
  for (const [name, value] of Object.entries(props)) {
    if (typeof value !== 'string') {
      ctx.error(el, Errors.API_SECURITY_DECLARATION, `APIAuthenticationHandler property '${name}' must be a value, not XML`);
      ok = false;
    } else if (name === 'APISecurity') {
      list = value.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of list) {
        if (!APIM_SCHEMES.has(s)) {
          ctx.error(el, Errors.API_SECURITY_DECLARATION, `APISecurity has an unknown scheme '${s}' (known: ${[...APIM_SCHEMES].join(', ')})`);
          ok = false;
        }
      }
    } else if (name === 'RemoveOAuthHeadersFromOutMessage') {
      const f = flag(el, ctx, name, value, true);
      if (f === undefined) ok = false;
      else removeCredentials = f;
    } else if (name === 'AuthorizationHeader') {
      if (value.toLowerCase() !== 'authorization') ctx.warn(el, Errors.UNKNOWN_ATTRIBUTE, `AuthorizationHeader '${value}' is ignored: the header is set for every API by [api_security] authorization_header`);
    } else if (!APIM_INERT_PROPERTIES.has(name)) {
      ctx.warn(el, Errors.UNKNOWN_ATTRIBUTE, `APIAuthenticationHandler property '${name}' has no effect here`);
    }
  }
  if (!ok) return undefined;
  const has = (s: string): boolean => list.includes(s);
  const mutual = has('mutualssl') || has('mutualssl_mandatory');
  // the gateway's defaults: no application scheme and no certificate -> oauth2; no explicit optionality -> mandatory
  const oauth2 = has('oauth2') || (!mutual && !has('basic_auth') && !has('api_key'));
  const basic = has('basic_auth');
  const key = has('api_key');
  const appMandatory = has('oauth_basic_auth_api_key_mandatory') || !mutual || (!oauth2 && !basic && !key);
  if (oauth2) checkOAuth2Configured(el, ctx);
  return apiSecurityPolicy(
    Object.freeze({
      oauth2: oauth2 ? { scopes: [] } : undefined,
      basicAuth: basic ? { scopes: [], roles: undefined } : undefined,
      // API Manager reads the key from its header or, failing that, from a query parameter of the same name
      apiKey: key ? APIM_KEY_LOCATIONS : undefined,
      mutualSsl: mutual ? { mandatory: has('mutualssl_mandatory') || (!oauth2 && !basic && !key) } : undefined,
      applicationMandatory: (oauth2 || basic || key) && appMandatory,
      removeCredentials,
    }),
  );
}

export const apiSecurity: AccessPolicyDef = {
  name: API_SECURITY_POLICY,
  priority: API_SECURITY_PRIORITY,
  handlerClasses: [APIM_AUTHENTICATION_HANDLER],
  parse: parseApimHandler,
};
