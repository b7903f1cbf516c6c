/**
 * From an HTTP request to a mediated reply: /services/<Name> goes to a proxy (with ?wsdl served from
 * publishWSDL), anything else through the API router compiled at deploy time, and what matches nothing to
 * the main sequence. Sets the REST_* / uri.var.* / query.param.* properties Micro Integrator sets.
 */
import type { Readable } from 'node:stream';
import type { Runtime } from '../runtime.js';
import { MessageContext, type EntryPoint, type InboundRequest, type Reply } from '../context/message-context.js';
import { Payload } from '../context/payload.js';
import { payloadLimits } from '../context/payload-limits.js';
import type { TransportHeaders } from '../context/transport-headers.js';
import type { Api, ApiResource, ProxyService } from '../artifacts/model.js';
import { runFlow } from './flow.js';
import { decodeQuery } from '../expr/get-property.js';
import { globalHandlersOf } from '../handlers/global-handlers.js';
import { runOnReply } from '../handlers/reply-view.js';
import { withWsSecurity } from '../security/ws-security/enforce.js';

const SERVICES = '/services/';

/** Entry points are built once per deployed artifact, not per request. */
const entries = new WeakMap<object, EntryPoint>();
function entryOf(a: ProxyService | Api): EntryPoint {
  let e = entries.get(a);
  if (!e) {
    e =
      a.kind === 'proxy'
        ? { kind: 'proxy', name: a.name, logPrefix: `{proxy:${a.name}} `, artifactLogger: `SERVICE_LOGGER.${a.name}` }
        : { kind: 'api', name: a.name, logPrefix: `{api:${a.logName}} `, artifactLogger: `API_LOGGER.${a.name}` };
    entries.set(a, e);
  }
  return e;
}
const MAIN_ENTRY: EntryPoint = { kind: 'main', name: 'main', logPrefix: '' };

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

export async function dispatch(
  runtime: Runtime,
  inbound: InboundRequest,
  headers: TransportHeaders,
  body: Readable | Buffer | undefined,
  contentType: string | undefined,
  contentLength?: number,
): Promise<Reply> {
  const dep = runtime.current;
  const globals = globalHandlersOf(runtime);
  const limits = payloadLimits(runtime.config.server);
  const payload = new Payload(contentType, body, limits, contentLength);
  const svc = proxyNameOf(inbound.path);
  if (svc) {
    const proxy = dep.proxies.get(svc.name);
    if (proxy && proxy.startOnLoad && proxy.transports.has(inbound.protocol)) {
      if (inbound.method === 'GET' && isWsdlQuery(inbound.query)) return wsdlReply(runtime, proxy);
      const tc = runtime.transactions; // transaction counter: one increment, nothing allocated
      if (tc !== undefined) tc.count++;
      const mc = new MessageContext(runtime, inbound, headers, payload, entryOf(proxy));
      mc.globalHandlers = globals;
      if (svc.rest || inbound.query) mc.axis2.set('REST_URL_POSTFIX', svc.rest + (inbound.query ? '?' + inbound.query : ''));
      // WS-Security runs first, as Rampart does before Synapse sees the message
      return proxy.security ? withWsSecurity(mc, proxy.security, mediateProxy, proxy) : mediateProxy(mc, proxy);
    }
  }
  const route = dep.router.route(inbound.method, inbound.path, inbound.query, hostOnly(inbound.host), inbound.port);
  if (route.kind === 'match' && route.api.transports.has(inbound.protocol)) {
    const tc = runtime.transactions;
    if (tc !== undefined) tc.count++;
    const mc = new MessageContext(runtime, inbound, headers, payload, entryOf(route.api));
    mc.globalHandlers = globals;
    mc.api = route.api;
    mc.resource = route.resource as ApiResource;
    setRestProperties(mc, route.api, route.subPath, route.vars);
    return mediateResource(mc, route.resource as ApiResource);
  }
  if (route.kind === 'method-not-allowed' || route.kind === 'no-resource') {
    const handler = runtime.sequence(route.kind === 'method-not-allowed' ? '_method_not_allowed_handler_' : '_resource_mismatch_handler_');
    const mc = new MessageContext(runtime, inbound, headers, payload, entryOf(route.api));
    mc.globalHandlers = globals;
    mc.api = route.api;
    // the API's handlers run before resource dispatch, so they also guard what matches no resource
    mc.responseHooksDone = true;
    if (globals || route.api.handlers) {
      let ok = requestHooks(mc);
      if (typeof ok !== 'boolean') ok = await ok;
      if (!ok) return replyOf(mc);
    }
    if (handler) {
      await runFlow(mc, { inSequence: handler, outSequence: undefined, faultSequence: undefined, endpoint: undefined });
      return replyOf(mc);
    }
    drain(body);
    mc.reply = route.kind === 'method-not-allowed' ? empty(405, { allow: route.allowed.join(', ') }) : empty(404);
    return replyOf(mc);
  }
  const mc = new MessageContext(runtime, inbound, headers, payload, MAIN_ENTRY);
  mc.globalHandlers = globals;
  if (globals) {
    let ok = requestHooks(mc);
    if (typeof ok !== 'boolean') ok = await ok;
    if (!ok) return replyOf(mc);
  }
  await runFlow(mc, { inSequence: runtime.sequence('main'), outSequence: undefined, faultSequence: undefined, endpoint: undefined });
  return replyOf(mc);
}

/**
 * The request hooks, before any mediation: global handleRequestInFlow, then the API's handleRequest, in
 * order. False means stop, with mc.reply set. Synchronous while the handlers are.
 */
function requestHooks(mc: MessageContext): boolean | Promise<boolean> {
  const g = mc.globalHandlers?.requestIn;
  const a = mc.api?.handlers?.request;
  if (g) {
    const r = g.run(mc);
    if (r === false) return false;
    if (r !== true) return r.then((ok) => ok && (a ? a.run(mc) : true));
  }
  return a ? a.run(mc) : true;
}

/**
 * The reply, after the response hooks that have not run yet: the API's handleResponse on a reply the in-flow
 * made (respond; not on faults, and only once), then the global handleResponseOutFlow on every reply.
 */
function replyOf(mc: MessageContext): Reply | Promise<Reply> {
  const a = mc.api?.handlers?.response;
  const g = mc.globalHandlers?.responseOut;
  let r: void | Promise<void> = undefined;
  if (a && !mc.responseHooksDone && mc.error === undefined) {
    mc.responseHooksDone = true;
    r = runOnReply(mc, a);
  }
  if (g) r = r ? r.then(() => runOnReply(mc, g)) : runOnReply(mc, g);
  return r ? r.then(() => mc.reply!) : mc.reply!;
}

function drain(body: Readable | Buffer | undefined): void {
  if (body && !Buffer.isBuffer(body)) body.resume();
}

function hostOnly(host: string): string {
  const i = host.lastIndexOf(':');
  return i > 0 && !host.endsWith(']') ? host.slice(0, i) : host;
}

async function mediateProxy(mc: MessageContext, proxy: ProxyService): Promise<Reply> {
  if (mc.globalHandlers) {
    let ok = requestHooks(mc);
    if (typeof ok !== 'boolean') ok = await ok;
    if (!ok) return replyOf(mc);
  }
  await runFlow(mc, { inSequence: proxy.inSequence, outSequence: proxy.outSequence, faultSequence: proxy.faultSequence, endpoint: proxy.endpoint });
  return mc.globalHandlers ? replyOf(mc) : mc.reply!;
}

async function mediateResource(mc: MessageContext, res: ApiResource): Promise<Reply> {
  if (mc.globalHandlers || mc.api!.handlers) {
    let ok = requestHooks(mc);
    if (typeof ok !== 'boolean') ok = await ok;
    if (!ok) {
      mc.responseHooksDone = true; // stopped before mediation: there is no response to hook
      return replyOf(mc);
    }
  }
  await runFlow(mc, { inSequence: res.inSequence, outSequence: res.outSequence, faultSequence: res.faultSequence, endpoint: undefined });
  return mc.globalHandlers || mc.api!.handlers ? replyOf(mc) : mc.reply!;
}

function setRestProperties(mc: MessageContext, api: Api, subPath: string, vars: Record<string, string>): void {
  const q = mc.inbound.query;
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
