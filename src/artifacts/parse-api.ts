/** <api>: a REST API with a context, an optional version and resources matched by uri-template or url-mapping. */
import { Errors } from '../errors.js';
import { compileUriTemplate, compileUrlMapping, MATCH_ANY, UriTemplateError, type UriMatcher } from '../api/uri-template.js';
import { childElements, textOf } from '../xml/dom.js';
import type { ParseContext } from './parse-context.js';
import type { Api, ApiResource } from './model.js';
import { parseTransports } from './parse-proxy.js';
import { sequenceSlot } from './parse-sequence.js';
import { parseApiHandlers, type ApiHandlers } from '../handlers/api-handlers.js';
import type { AccessPolicy } from '../security/policies/access-policy.js';
import { API_SECURITY_POLICY } from '../security/policies/api-security.js';
import { parseSecurityElement, type ParsedSecurity } from '../security/policies/api-security-declaration.js';
import { apiDefinition, defaultSecurity } from './parse-api-definition.js';
import { resolveApiSecurity } from '../security/policies/resource-security.js';
import { AccessPhase } from '../security/policies/access-phase.js';
import { compileThrottling } from '../security/throttling/throttling-declaration.js';
import { THROTTLING_POLICY } from '../security/throttling/throttling-policy.js';

const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

/** A resource as parsed: its access phase is set once the API's policies are known. */
type ParsedResource = Omit<ApiResource, 'access'> & { readonly security: ParsedSecurity | undefined };

function parseResource(el: Element, ctx: ParseContext, owner: string, index: number): ParsedResource {
  const a = ctx.attrs(el, ['methods', 'uri-template', 'url-mapping', 'inSequence', 'outSequence', 'faultSequence', 'content-type', 'user-agent', 'protocol', 'description', 'url-pattern']);
  if (a.get('url-pattern') !== undefined) ctx.warn(el, Errors.UNKNOWN_ATTRIBUTE, "'url-pattern' is ignored (as in Micro Integrator); use url-mapping or uri-template");
  let methods: Set<string> | undefined;
  const m = a.get('methods');
  if (m !== undefined && m.trim() !== '') {
    methods = new Set();
    for (const x of m.trim().split(/[\s,]+/)) {
      const up = x.toUpperCase();
      if (!HTTP_METHODS.has(up)) ctx.fail(el, Errors.BAD_VALUE, `unknown HTTP method '${x}' in methods`);
      methods.add(up);
    }
  }
  let matcher: UriMatcher = MATCH_ANY;
  const mapping = a.get('url-mapping');
  const template = a.get('uri-template');
  try {
    if (mapping !== undefined) matcher = compileUrlMapping(mapping);
    else if (template !== undefined) matcher = compileUriTemplate(template);
  } catch (err) {
    if (err instanceof UriTemplateError) ctx.fail(el, Errors.BAD_URI_TEMPLATE, err.message);
    throw err;
  }
  let security: ParsedSecurity | undefined;
  for (const c of childElements(el)) {
    if (c.localName === 'security') {
      if (security) ctx.error(c, Errors.API_SECURITY_DECLARATION, 'a resource has one <security>');
      else security = parseSecurityElement(c, ctx);
    } else if (!['inSequence', 'outSequence', 'faultSequence', 'description'].includes(c.localName)) {
      ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <resource>`);
    }
  }
  const name = `${owner}/resource[${index}]`;
  return {
    methods,
    matcher,
    inSequence: sequenceSlot(el, ctx, 'inSequence', name),
    outSequence: sequenceSlot(el, ctx, 'outSequence', name),
    faultSequence: sequenceSlot(el, ctx, 'faultSequence', name),
    contentType: a.get('content-type'),
    userAgent: a.get('user-agent'),
    uriTemplate: mapping === undefined ? template : undefined,
    urlMapping: mapping,
    security,
  };
}

export function parseApi(el: Element, ctx: ParseContext): Api {
  const a = ctx.attrs(
    el,
    ['name', 'context', 'version', 'version-type', 'hostname', 'port', 'transports', 'publishSwagger', 'trace', 'statistics', 'description', 'binds-to'],
    ['name', 'context'],
  );
  const name = a.req('name');
  let context = a.req('context').trim();
  if (!context.startsWith('/')) ctx.fail(el, Errors.BAD_VALUE, `API context '${context}' must start with '/'`);
  if (context.length > 1 && context.endsWith('/')) context = context.slice(0, -1);
  const version = a.get('version');
  const versionType = a.get('version-type');
  if (versionType !== undefined && versionType !== 'url' && versionType !== 'context') ctx.fail(el, Errors.BAD_VALUE, `version-type must be 'url' or 'context', not '${versionType}'`);
  if (version !== undefined && version !== '') {
    if (versionType === 'context') {
      if (!context.includes('{version}')) ctx.fail(el, Errors.BAD_VALUE, "version-type 'context' needs '{version}' in the context");
      context = context.replace('{version}', version);
    } else if (versionType === 'url') {
      context = `${context === '/' ? '' : context}/${version}`;
    }
  } else if (context.includes('{version}')) {
    ctx.fail(el, Errors.BAD_VALUE, "the context has '{version}' but the API has no version");
  }
  const portText = a.get('port');
  const port = portText !== undefined ? Number(portText) : undefined;
  if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535)) ctx.fail(el, Errors.BAD_VALUE, `port '${portText}' is not a valid port`);
  const transports = a.get('transports');
  if (transports !== undefined && !/^(https?)$/.test(transports.trim())) ctx.fail(el, Errors.BAD_VALUE, `Invalid protocol name '${transports}': an API accepts 'http' or 'https'`);
  const resources: ParsedResource[] = [];
  let handlers: ApiHandlers | undefined;
  let policies: readonly AccessPolicy[] = [];
  let sawHandlers = false;
  let security: ParsedSecurity | undefined;
  let description: string | undefined;
  for (const c of childElements(el)) {
    if (c.localName === 'resource') resources.push(parseResource(c, ctx, name, resources.length));
    else if (c.localName === 'security') {
      if (security) ctx.error(c, Errors.API_SECURITY_DECLARATION, `API '${name}' has a second <security>; declare the API's schemes in one`);
      else security = parseSecurityElement(c, ctx);
      if (security?.open) ctx.error(c, Errors.API_SECURITY_DECLARATION, `<security auth="none"/> belongs on a resource; an API without <security> is open`);
    }
    else if (c.localName === 'handlers') {
      if (sawHandlers) ctx.fail(c, Errors.UNKNOWN_ELEMENT, `API '${name}' has a second <handlers>; put every <handler> in one`);
      sawHandlers = true;
      ({ handlers, policies } = parseApiHandlers(c, ctx, name));
    } else if (c.localName === 'description') {
      description = textOf(c).trim() || undefined;
    } else {
      ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <api>; use <resource>, <handlers> and <security>`);
    }
  }
  if (!resources.length) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'An API must contain at least one resource definition');
  if (security?.policy) {
    if (policies.some((p) => p.name === API_SECURITY_POLICY)) ctx.error(el, Errors.API_SECURITY_DECLARATION, `API '${name}' declares its security twice (<security> and APIAuthenticationHandler); keep one`);
    policies = [...policies, security.policy];
  }
  const openapi = apiDefinition(el, ctx, name, a.get('publishSwagger'), resources, policies.some((p) => p.name === API_SECURITY_POLICY));
  const declared = policies.length > 0 || openapi?.security.document !== undefined;
  const resolved = resolveApiSecurity({
    apiPolicies: policies,
    // a <security> with throttling tiers alone leaves the resource's security as it is
    resources: resources.map((r) => ({ methods: r.methods, path: r.uriTemplate ?? r.urlMapping ?? '/*', own: r.security?.policy || r.security?.open ? r.security : undefined })),
    openapi: openapi?.security,
    defaultPolicy: declared ? undefined : defaultSecurity(el, ctx, name),
  });
  const logName = version ? `${name}:v${version}` : name;
  const access = resources.map((r, i) => {
    const phase = resolved.resourceAccess[i]!;
    const throttling = compileThrottling(logName, security?.throttling, openapi?.throttling, {
      methods: r.methods,
      path: r.uriTemplate ?? r.urlMapping ?? '/*',
      own: r.security?.throttling,
      operations: openapi?.throttling.operations.get(i),
      // a client certificate's tier applies wherever one is checked (on the resource, or per method by OpenAPI)
      certificates:
        (phase?.policies.some((p) => p.asksClientCertificate === true) ?? false) ||
        [...(openapi?.security.operations.get(i)?.values() ?? [])].some((d) => d.policy?.asksClientCertificate === true),
    });
    return throttling ? AccessPhase.of([...(phase?.policies ?? []), throttling]) : phase;
  });
  return {
    kind: 'api',
    name,
    file: ctx.file,
    trace: a.get('trace') === 'enable',
    context,
    version: version || undefined,
    hostname: a.get('hostname'),
    port,
    transports: parseTransports(el, ctx, transports),
    resources: resources.map(({ security: _own, ...r }, i) => ({ ...r, access: access[i]! })),
    logName,
    handlers,
    access: resolved.apiAccess,
    description,
    definition: openapi?.definition,
    // what `mi validate` prints: the throttling of each resource after its security
    securityReport: resolved.report.map((line) => {
      const t = line.index === undefined ? undefined : access[line.index]?.policies.find((p) => p.name === THROTTLING_POLICY);
      return t?.description ? { ...line, security: `${line.security}; ${t.description}` } : line;
    }),
  };
}
