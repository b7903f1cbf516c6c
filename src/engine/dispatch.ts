/**
 * From an HTTP request to a mediated reply: /services/<Name> goes to a proxy (with ?wsdl served from
 * publishWSDL), anything else through the API router compiled at deploy time, and what matches nothing to
 * the main sequence. Sets the REST_* / uri.var.* / query.param.* properties Micro Integrator sets.
 */
import type { Readable } from 'node:stream';
import type { Runtime } from '../runtime.js';
import type { EntryPoint, FaultHandler, InboundRequest, Reply } from '../context/message-context.js';
import { Payload } from '../context/payload.js';
import type { TransportHeaders } from '../context/transport-headers.js';
import type { Api, ApiResource, ProxyService } from '../artifacts/model.js';
import type { Mediator } from '../mediators/mediator.js';
import { decodeQuery } from '../expr/get-property.js';
import { Exchange, type Route } from './exchange.js';
import { apiForSwagger, swaggerFormat, swaggerReply } from '../api/openapi/serve.js';

const SERVICES = '/services/';

export function proxyNameOf(path: string): { name: string; rest: string } | undefined {
  if (!path.startsWith(SERVICES)) return undefined;
  const tail = path.slice(SERVICES.length);
  const slash = tail.indexOf('/');
  let name = slash < 0 ? tail : tail.slice(0, slash);
  const rest = slash < 0 ? '' : tail.slice(slash);
  // /services/Name.NameHttpSoap11Endpoint and friends
  const dot = name.indexOf('.');
  if (dot > 0) name = name.slice(0, dot);
  return name ? { name, rest } : undefined;
}

function isWsdlQuery(q: string): boolean {
  return q === 'wsdl' || q === 'WSDL' || q.startsWith('wsdl&') || q === 'wsdl2';
}

function empty(status: number, headers: Record<string, string> = {}): Reply {
  return { status, headers, body: undefined };
}

// --- routes: built once per deployed artifact (the artifact objects are immutable), never per request ---

function faultHandlerOf(seq: Mediator | undefined): FaultHandler | undefined {
  return seq ? { name: 'faultSequence', handleFault: (m) => seq.mediate(m) } : undefined;
}

const routes = new WeakMap<object, Route>();

function proxyRoute(runtime: Runtime, p: ProxyService): Route {
  let r = routes.get(p);
  if (!r) {
    const entry: EntryPoint = { kind: 'proxy', name: p.name, logPrefix: `{proxy:${p.name}} `, artifactLogger: `SERVICE_LOGGER.${p.name}` };
    const stats = runtime.metrics?.proxyStats(p.name);
    r = { entry, inSequence: p.inSequence, outSequence: p.outSequence, faultHandler: faultHandlerOf(p.faultSequence), endpoint: p.endpoint, access: p.access, api: undefined, resource: undefined, skipApiResponse: false, fixedReply: undefined, stats };
    routes.set(p, r);
  }
  return r;
}

function apiEntry(api: Api): EntryPoint {
  return { kind: 'api', name: api.name, logPrefix: `{api:${api.logName}} `, artifactLogger: `API_LOGGER.${api.name}` };
}

function resourceRoute(runtime: Runtime, api: Api, res: ApiResource): Route {
  let r = routes.get(res);
  if (!r) {
    const stats = runtime.metrics?.resourceStats(api, res);
    r = { entry: apiEntry(api), inSequence: res.inSequence, outSequence: res.outSequence, faultHandler: faultHandlerOf(res.faultSequence), endpoint: undefined, access: res.access, api, resource: res, skipApiResponse: false, fixedReply: undefined, stats };
    routes.set(res, r);
  }
  return r;
}

/**
 * A request that matched an API but none of its resources: the API's access policies and request handlers
 * still guard it (they run before resource dispatch); then `_method_not_allowed_handler_` /
 * `_resource_mismatch_handler_` if deployed, else 405 with Allow / 404.
 */
function mismatchRoute(runtime: Runtime, api: Api, handler: Mediator | undefined, reply: () => Reply): Route {
  const stats = runtime.metrics?.unmatchedStats(api);
  return { entry: apiEntry(api), inSequence: handler, outSequence: undefined, faultHandler: undefined, endpoint: undefined, access: api.access, api, resource: undefined, skipApiResponse: true, fixedReply: reply, stats };
}

const MAIN_ENTRY: EntryPoint = { kind: 'main', name: 'main', logPrefix: '' };

function mainRoute(main: Mediator | undefined): Route {
  return { entry: MAIN_ENTRY, inSequence: main, outSequence: undefined, faultHandler: undefined, endpoint: undefined, access: null, api: undefined, resource: undefined, skipApiResponse: false, fixedReply: undefined, stats: undefined };
}

/**
 * Dispatch: /services/<Name> to a proxy, else the API router, else the main sequence. Not an async
 * function: the exchange's own promise is handed back as it is, with no promise wrapped around it (the
 * listener awaits it inside its try, so a throw here is answered like a rejection).
 */
export function dispatch(
  runtime: Runtime,
  inbound: InboundRequest,
  headers: TransportHeaders,
  body: Readable | Buffer | undefined,
  contentType: string | undefined,
  contentLength?: number,
): Promise<Reply> {
  const dep = runtime.current;
  if (inbound.method === 'GET' && inbound.queryString.startsWith('swagger.')) {
    // MI's swagger request processors answer before dispatch, without the API's security
    const format = swaggerFormat(inbound.queryString);
    const api = format && apiForSwagger(dep.apis, inbound.path);
    if (api && api.transports.has(inbound.protocol)) return Promise.resolve(swaggerReply(api, format!, inbound));
  }
  const payload = new Payload(contentType, body, runtime.payloadLimits, contentLength);
  const svc = proxyNameOf(inbound.path);
  if (svc) {
    const proxy = dep.proxies.get(svc.name);
    if (proxy && proxy.startOnLoad && proxy.transports.has(inbound.protocol)) {
      if (inbound.method === 'GET' && isWsdlQuery(inbound.queryString)) return Promise.resolve(wsdlReply(runtime, proxy));
      const tc = runtime.transactions; // transaction counter: one increment, nothing allocated
      if (tc !== undefined) tc.count++;
      const ex = new Exchange(runtime, proxyRoute(runtime, proxy), inbound, headers, payload);
      if (svc.rest || inbound.queryString) ex.mc.axis2.set('REST_URL_POSTFIX', svc.rest + (inbound.queryString ? '?' + inbound.queryString : ''));
      return ex.run();
    }
  }
  const route = dep.router.route(inbound.method, inbound.path, inbound.queryString, hostOnly(inbound.host), inbound.port);
  if (route.kind === 'match' && route.api.transports.has(inbound.protocol)) {
    const tc = runtime.transactions;
    if (tc !== undefined) tc.count++;
    const ex = new Exchange(runtime, resourceRoute(runtime, route.api, route.resource as ApiResource), inbound, headers, payload);
    setRestProperties(ex.mc, route.api, route.subPath, route.vars);
    return ex.run();
  }
  if (route.kind === 'method-not-allowed' || route.kind === 'no-resource') {
    const notAllowed = route.kind === 'method-not-allowed';
    const handler = runtime.sequence(notAllowed ? '_method_not_allowed_handler_' : '_resource_mismatch_handler_');
    const reply = notAllowed ? () => empty(405, { allow: route.allowed.join(', ') }) : () => empty(404);
    return new Exchange(runtime, mismatchRoute(runtime, route.api, handler, reply), inbound, headers, payload).run();
  }
  return new Exchange(runtime, mainRoute(runtime.sequence('main')), inbound, headers, payload).run();
}

function hostOnly(host: string): string {
  const i = host.lastIndexOf(':');
  return i > 0 && !host.endsWith(']') ? host.slice(0, i) : host;
}

function setRestProperties(mc: Exchange['mc'], api: Api, subPath: string, vars: Record<string, string>): void {
  const q = mc.inbound.queryString;
  const full = mc.inbound.path + (q ? '?' + q : '');
  const p = mc.props;
  p.set('REST_FULL_REQUEST_PATH', full);
  p.set('REST_SUB_REQUEST_PATH', subPath + (q ? '?' + q : ''));
  p.set('REST_METHOD', mc.inbound.method);
  p.set('REST_API_CONTEXT', api.context);
  p.set('SYNAPSE_REST_API', api.logName);
  if (api.version) p.set('SYNAPSE_REST_API_VERSION', api.version);
  p.set('REST_URL_PREFIX', `${mc.inbound.protocol}://${mc.inbound.host}`);
  const postfix = subPath === '/' && !q ? '' : subPath + (q ? '?' + q : '');
  if (postfix) mc.axis2.set('REST_URL_POSTFIX', postfix);
  for (const k in vars) p.set(`uri.var.${k}`, vars[k]);
  if (q) {
    for (const part of q.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = decodeQuery(eq < 0 ? part : part.slice(0, eq));
      if (!p.has(`query.param.${k}`)) p.set(`query.param.${k}`, eq < 0 ? '' : decodeQuery(part.slice(eq + 1)));
    }
  }
}

function wsdlReply(runtime: Runtime, proxy: ProxyService): Reply {
  const text = proxy.wsdl?.inline ?? (proxy.wsdl?.key ? runtime.localEntryText(proxy.wsdl.key) : undefined);
  if (!text) return empty(404);
  return { status: 200, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body: Buffer.from(text) };
}
