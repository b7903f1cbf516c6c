/**
 * An API's security as its OpenAPI definition declares it, read the way WSO2 API Microgateway reads it,
 * and turned into the same access policies a `<security>` element compiles into (one access phase, no
 * second mechanism):
 *
 * - `components.securitySchemes`: `oauth2` and `openIdConnect` (a JWT of a `[[jwt_issuer]]`), `http`
 *   `bearer` (the same) and `basic` (the runtime's users), `apiKey` in a header or a query parameter (keys
 *   of `mi api-key issue`), `mutualTLS` (a client certificate). An apiKey in a cookie or another http scheme
 *   cannot be enforced: a requirement naming one stops the deploy.
 * - `security` at the top (every operation) and on an operation (that operation): requirements are
 *   alternatives, the first scheme whose credential the request carries is checked. The scopes of an
 *   oauth2 (or bearer) requirement admit a token holding ANY of them, as API Manager and the Microgateway
 *   check them (OpenAPI's letter asks for all); listed on basic, they are scopes of the user's roles
 *   (`[api_security.scope_roles]`). Two application schemes in one requirement (both required) cannot be
 *   enforced; one application scheme with mutualTLS can (a certificate and the credential).
 * - The Microgateway's extensions: `x-wso2-disable-security: true` (top, path or operation) and
 *   `x-auth-type: None` (operation) make it open, `x-scope` (operation) replaces the oauth2 scopes.
 *   `x-wso2-application-security` and `x-wso2-mutual-ssl` are refused: declare the schemes instead.
 *
 * Each operation is matched to the resource a request for it would reach (method, and path against the
 * uri-template or url-mapping); an operation that matches none stops the deploy (MI_API_012). Problems are
 * reported in the definition file, at the line of the JSON path they concern.
 */
import { Errors, type ErrorSpec } from '../../errors.js';
import { isObject, jsonPathText, resolveRef, type JsonPath, type OpenApiDefinition } from '../../api/openapi/definition.js';
import { DispatchTier, type UriMatcher } from '../../api/uri-template.js';
import type { AccessPolicy } from './access-policy.js';
import { apiSecurityPolicy, describeDeclaration, type ApiKeyLocation, type SecurityDeclaration } from './api-security.js';

/** A declaration found in the definition: a policy, or open; with where it is written. */
export interface DeclaredSecurity {
  readonly policy: AccessPolicy | undefined;
  readonly open: boolean;
  /** Its JSON path: `paths./menu.get.security`. */
  readonly where: string;
  readonly description: string;
}

export interface RoutedResource {
  readonly methods: ReadonlySet<string> | undefined;
  readonly matcher: UriMatcher;
  readonly uriTemplate?: string;
  readonly urlMapping?: string;
}

export interface OpenApiSecurity {
  /** The top-level declaration (`security`, `x-wso2-disable-security`); undefined when there is none. */
  readonly document: DeclaredSecurity | undefined;
  /** Resource index -> upper-case method -> the declaration of the operation(s) reaching it. */
  readonly operations: ReadonlyMap<number, ReadonlyMap<string, DeclaredSecurity>>;
}

export type DefinitionReport = (path: JsonPath, spec: ErrorSpec, message: string) => void;

type Scheme =
  | { readonly kind: 'oauth2' }
  | { readonly kind: 'basic' }
  | { readonly kind: 'apiKey'; readonly location: ApiKeyLocation }
  | { readonly kind: 'mutualTLS' }
  | { readonly kind: 'unsupported'; readonly why: string };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const REFUSED_EXTENSIONS = ['x-wso2-application-security', 'x-wso2-mutual-ssl'];

function schemeOf(raw: unknown): Scheme {
  if (!isObject(raw)) return { kind: 'unsupported', why: 'it is not a security scheme object' };
  const type = raw['type'];
  if (type === 'oauth2' || type === 'openIdConnect') return { kind: 'oauth2' };
  if (type === 'mutualTLS') return { kind: 'mutualTLS' };
  if (type === 'http') {
    const scheme = String(raw['scheme'] ?? '').toLowerCase();
    if (scheme === 'basic') return { kind: 'basic' };
    if (scheme === 'bearer') return { kind: 'oauth2' };
    return { kind: 'unsupported', why: `http scheme '${String(raw['scheme'])}' is not supported (basic and bearer are)` };
  }
  if (type === 'apiKey') {
    const where = raw['in'];
    const name = typeof raw['name'] === 'string' ? raw['name'].trim() : '';
    if (where === 'cookie') return { kind: 'unsupported', why: 'API keys in cookies are not supported (a header or a query parameter are)' };
    if ((where !== 'header' && where !== 'query') || name === '') return { kind: 'unsupported', why: 'an apiKey scheme needs in (header or query) and a name' };
    return { kind: 'apiKey', location: Object.freeze({ in: where, name }) };
  }
  return { kind: 'unsupported', why: `type '${String(type)}' is not supported` };
}

function normalizedPath(template: string): string {
  let s = template.split('?', 1)[0]!.replace(/\{[^}]*\}/g, '{}');
  if (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s;
}

/** Merged scopes of alternatives: null when one alternative needs no scope (any credential admits). */
function mergeScopes(prev: Set<string> | null | undefined, scopes: readonly string[]): Set<string> | null {
  if (prev === null || scopes.length === 0) return null;
  const out = new Set(prev ?? []);
  for (const s of scopes) out.add(s);
  return out;
}

function stringsOf(v: unknown): string[] {
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  return [];
}

class Reader {
  private readonly schemes = new Map<string, Scheme>();
  private readonly doc: Readonly<Record<string, unknown>>;

  constructor(
    def: OpenApiDefinition,
    private readonly report: DefinitionReport,
    private readonly oauth2Configured: boolean,
  ) {
    this.doc = def.doc;
    const components = resolveRef(this.doc, this.doc['components']);
    const declared = isObject(components) ? resolveRef(this.doc, components['securitySchemes']) : undefined;
    if (isObject(declared)) for (const [name, raw] of Object.entries(declared)) this.schemes.set(name, schemeOf(resolveRef(this.doc, raw)));
  }

  private open(where: JsonPath): DeclaredSecurity {
    return { policy: undefined, open: true, where: jsonPathText(where), description: 'open' };
  }

  private declared(d: SecurityDeclaration, where: JsonPath): DeclaredSecurity {
    const policy = apiSecurityPolicy(d);
    return { policy, open: false, where: jsonPathText(where), description: describeDeclaration(d) };
  }

  /** Refuses the Microgateway extensions that are not supported, where they appear. */
  refuseExtensions(obj: Record<string, unknown>, at: JsonPath): boolean {
    let ok = true;
    for (const ext of REFUSED_EXTENSIONS) {
      if (obj[ext] === undefined) continue;
      this.report([...at, ext], Errors.OPENAPI_SECURITY_UNSUPPORTED, `${ext} (${jsonPathText([...at, ext])}) is not supported; declare components.securitySchemes and list them in security`);
      ok = false;
    }
    return ok;
  }

  /** `x-wso2-disable-security`: true, false or absent (undefined); anything else is an error. */
  disableFlag(obj: Record<string, unknown>, at: JsonPath): boolean | undefined | null {
    const v = obj['x-wso2-disable-security'];
    if (v === undefined || typeof v === 'boolean') return v;
    this.report([...at, 'x-wso2-disable-security'], Errors.OPENAPI_INVALID, `x-wso2-disable-security (${jsonPathText([...at, 'x-wso2-disable-security'])}) must be true or false, not ${JSON.stringify(v)}`);
    return null;
  }

  /** The oauth2 requirement the Microgateway adds when an operation asks for scopes and nothing declares a scheme. */
  defaultOAuth2(scopes: readonly string[], at: JsonPath): DeclaredSecurity | undefined {
    if (!this.oauth2Configured) {
      this.report(at, Errors.API_SECURITY_UNCONFIGURED, `${jsonPathText(at)} needs oauth2 but deployment.toml has no [[jwt_issuer]] and no [[key_manager]]: no token could ever be accepted`);
      return undefined;
    }
    return this.declared({ oauth2: { scopes }, basicAuth: undefined, mutualSsl: undefined, applicationMandatory: true, removeCredentials: true }, at);
  }

  /** A `security` list (requirement objects, alternatives) as one declaration; undefined after reporting a problem. */
  requirements(list: unknown, at: JsonPath, scopeOverride: readonly string[] | undefined): DeclaredSecurity | undefined {
    if (!Array.isArray(list)) {
      this.report(at, Errors.OPENAPI_INVALID, `${jsonPathText(at)} must be a list of security requirements`);
      return undefined;
    }
    if (list.length === 0) return this.open(at);
    let oauth: Set<string> | null | undefined;
    let basic: Set<string> | null | undefined;
    const keys: ApiKeyLocation[] = [];
    let mtlsAlone = false;
    let mtlsWith = false;
    let appOnly = false;
    let ok = true;
    for (let i = 0; i < list.length; i++) {
      const rp = [...at, i];
      const req = list[i];
      if (!isObject(req)) {
        this.report(rp, Errors.OPENAPI_INVALID, `${jsonPathText(rp)} must be a security requirement object`);
        ok = false;
        continue;
      }
      const names = Object.keys(req);
      if (names.length === 0) return this.open(rp); // {} : the anonymous alternative admits everyone
      const app: { scheme: Scheme; scopes: readonly string[] }[] = [];
      let mtls = false;
      for (const name of names) {
        const np = [...rp, name];
        const scheme = this.schemes.get(name);
        if (scheme === undefined) {
          this.report(np, Errors.OPENAPI_SECURITY_UNSUPPORTED, `${jsonPathText(np)} names '${name}', which components.securitySchemes does not declare`);
          ok = false;
        } else if (scheme.kind === 'unsupported') {
          this.report(np, Errors.OPENAPI_SECURITY_UNSUPPORTED, `${jsonPathText(np)}: scheme '${name}' (components.securitySchemes.${name}) cannot be enforced: ${scheme.why}`);
          ok = false;
        } else if (scheme.kind === 'oauth2' && !this.oauth2Configured) {
          this.report(np, Errors.API_SECURITY_UNCONFIGURED, `${jsonPathText(np)}: scheme '${name}' needs a token issuer but deployment.toml has no [[jwt_issuer]] and no [[key_manager]]: no token could ever be accepted`);
          ok = false;
        } else if (scheme.kind === 'mutualTLS') {
          mtls = true;
        } else {
          app.push({ scheme, scopes: scheme.kind === 'apiKey' ? [] : (scopeOverride ?? stringsOf(req[name])) });
        }
      }
      if (app.length > 1) {
        this.report(rp, Errors.OPENAPI_SECURITY_UNSUPPORTED, `${jsonPathText(rp)} requires ${names.join(' and ')} together; one request carries one credential: list them as separate requirements (either admits), with mutualTLS as the only companion`);
        ok = false;
        continue;
      }
      if (app.length === 0) {
        if (mtls) mtlsAlone = true;
        continue;
      }
      if (mtls) mtlsWith = true;
      else appOnly = true;
      const { scheme, scopes } = app[0]!;
      if (scheme.kind === 'oauth2') oauth = mergeScopes(oauth, scopes);
      else if (scheme.kind === 'basic') basic = mergeScopes(basic, scopes);
      else if (scheme.kind === 'apiKey' && !keys.some((k) => k.in === scheme.location.in && k.name === scheme.location.name)) keys.push(scheme.location);
    }
    if (!ok) return undefined;
    if (mtlsWith && (appOnly || mtlsAlone)) {
      this.report(at, Errors.OPENAPI_SECURITY_UNSUPPORTED, `${jsonPathText(at)} mixes requirements with and without mutualTLS; require the certificate in every requirement or in none`);
      return undefined;
    }
    const app = oauth !== undefined || basic !== undefined || keys.length > 0;
    if (scopeOverride !== undefined && oauth === undefined) {
      this.report(at, Errors.OPENAPI_SECURITY_UNSUPPORTED, `x-scope needs an oauth2 (or http bearer) scheme in ${jsonPathText(at)}`);
      return undefined;
    }
    return this.declared(
      {
        oauth2: oauth === undefined ? undefined : { scopes: Object.freeze([...(oauth ?? [])]) },
        basicAuth: basic === undefined ? undefined : { scopes: Object.freeze([...(basic ?? [])]), roles: undefined },
        apiKey: keys.length ? { locations: Object.freeze(keys) } : undefined,
        mutualSsl: mtlsWith || mtlsAlone ? { mandatory: mtlsWith || !app } : undefined,
        applicationMandatory: !mtlsAlone,
        removeCredentials: true,
      },
      at,
    );
  }

  /** The top-level declaration: `x-wso2-disable-security: true`, else `security`. */
  document(): DeclaredSecurity | undefined {
    this.refuseExtensions(this.doc as Record<string, unknown>, []);
    if (this.disableFlag(this.doc as Record<string, unknown>, []) === true) return this.open(['x-wso2-disable-security']);
    if (this.doc['security'] === undefined) return undefined;
    return this.requirements(this.doc['security'], ['security'], undefined);
  }

  /** An operation's own declaration; undefined when it declares nothing (or after reporting a problem). */
  operation(op: Record<string, unknown>, at: JsonPath, pathDisable: boolean | undefined): DeclaredSecurity | undefined {
    if (!this.refuseExtensions(op, at)) return undefined;
    const own = this.disableFlag(op, at);
    if (own === null) return undefined;
    const disable = own ?? pathDisable;
    if (disable === true) return this.open(own === true ? [...at, 'x-wso2-disable-security'] : [...at.slice(0, -1), 'x-wso2-disable-security']);
    if (op['x-auth-type'] === 'None') return this.open([...at, 'x-auth-type']);
    const xScope = op['x-scope'] === undefined ? undefined : stringsOf(op['x-scope']);
    if (op['security'] !== undefined) return this.requirements(op['security'], [...at, 'security'], xScope);
    if (xScope !== undefined || own === false) {
      // the Microgateway's rule: the top-level schemes, else oauth2
      if (this.doc['security'] !== undefined) {
        const d = this.requirements(this.doc['security'], ['security'], xScope);
        return d && { ...d, where: jsonPathText([...at, xScope !== undefined ? 'x-scope' : 'x-wso2-disable-security']) };
      }
      return this.defaultOAuth2(xScope ?? [], [...at, xScope !== undefined ? 'x-scope' : 'x-wso2-disable-security']);
    }
    return undefined;
  }
}

/** The resource a request for this operation reaches: the same uri-template, else the router's choice. */
export function resourceFor(resources: readonly RoutedResource[], order: readonly number[], path: string, method: string): number | undefined {
  const allows = (r: RoutedResource): boolean => r.methods === undefined || r.methods.has(method);
  const target = normalizedPath(path);
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    if (r.uriTemplate !== undefined && allows(r) && normalizedPath(r.uriTemplate) === target) return i;
  }
  const sample = path.replace(/\{[^}]*\}/g, 'x');
  for (const i of order) if (allows(resources[i]!) && resources[i]!.matcher.match(sample, '') !== undefined) return i;
  return undefined;
}

/** Resource indexes in the order the router tries them. */
export function dispatchOrder(resources: readonly RoutedResource[]): number[] {
  return resources.map((_, i) => i).sort((a, b) => (resources[a]!.matcher.precedence ?? DispatchTier.URI_TEMPLATE) - (resources[b]!.matcher.precedence ?? DispatchTier.URI_TEMPLATE) || a - b);
}

export function openApiSecurity(def: OpenApiDefinition, resources: readonly RoutedResource[], report: DefinitionReport, oauth2Configured: boolean): OpenApiSecurity {
  const reader = new Reader(def, report, oauth2Configured);
  const document = reader.document();
  const operations = new Map<number, Map<string, DeclaredSecurity>>();
  const seen = new Map<string, { where: string; d: DeclaredSecurity }>();
  const order = dispatchOrder(resources);
  const paths = def.doc['paths'];
  for (const [p, raw] of Object.entries(isObject(paths) ? paths : {})) {
    const item = resolveRef(def.doc, raw);
    if (!isObject(item)) continue;
    const pathDisable = reader.disableFlag(item, ['paths', p]);
    for (const m of METHODS) {
      const op = item[m];
      if (!isObject(op)) continue;
      const at = ['paths', p, m];
      const method = m.toUpperCase();
      const index = resourceFor(resources, order, p, method);
      if (index === undefined) {
        report(at, Errors.OPENAPI_NO_RESOURCE, `${method} ${p} (${jsonPathText(at)}) matches no resource of the API; add a resource for it or remove the operation`);
        continue;
      }
      const d = reader.operation(op, at, pathDisable ?? undefined);
      if (d === undefined) continue;
      const key = `${index} ${method}`;
      const before = seen.get(key);
      if (before && before.d.description !== d.description) {
        report(at, Errors.OPENAPI_SECURITY_UNSUPPORTED, `${jsonPathText(at)} reaches the same resource as ${before.where} but declares other security (${d.description} / ${before.d.description}); one resource has one security`);
        continue;
      }
      seen.set(key, { where: jsonPathText(at), d });
      let byMethod = operations.get(index);
      if (!byMethod) operations.set(index, (byMethod = new Map()));
      byMethod.set(method, d);
    }
  }
  return { document, operations };
}
