/**
 * <cache collector="false|true">: Micro Integrator 4's cache mediator. The finder (collector="false", in the
 * in-flow) hashes the request (request-hash.ts) and, on a hit, turns the message into the stored response
 * (status, headers, body; Age with includeAgeHeader) and runs onCacheHit, or answers the client at once; the
 * flow stops there. On a miss the flow goes on, and the collector (collector="true", in the out-flow, or after
 * a call with RESPONSE=true) stores the response when its status matches responseCodes, the request's method
 * is one of methods, it is not no-store (enableCacheControl) and not larger than maxMessageSize.
 */
import path from 'node:path';
import { becomeResponse, releaseStream, type MessageContext } from '../../context/message-context.js';
import { Payload } from '../../context/payload.js';
import { replyWhenReady } from '../../context/reply.js';
import { clientIsRest, serializeMessage } from '../../context/serialize.js';
import { isHopByHop, type HeaderValue, type TransportHeaders } from '../../context/transport-headers.js';
import { isTrue } from '../../context/truthy.js';
import { numericValue } from '../../context/java-number.js';
import { Errors, MiError } from '../../errors.js';
import { stringifyJson } from '../../json/json-number.js';
import { childElements, position, serializeXml } from '../../xml/dom.js';
import { CACHE_LOGGER, DEFAULT_MAX_ENTRIES } from '../../store/shared-stores.js';
import { parseBranch } from '../branch.js';
import { andThen, runList, type Mediator } from '../mediator.js';
import type { MediatorDef } from '../mediator-def.js';
import { ageOf, fetchedTime, isNoStore, needsBackend, type CachedResponse } from './cached-response.js';
import { MemoryEntryStore, SharedEntryStore, type EntryStore } from './cache-store.js';
import { readCacheSettings, type CacheSettings } from './cache-settings.js';
import { hashSkipsBody, httpMethod, requestHash } from './request-hash.js';

/** The message properties Micro Integrator's cache mediator sets (CachingConstants). */
const REQUEST_HASH = 'requestHash';
const CACHED_OBJECT = 'CachableResponse';

/** What the finder leaves on the message for the collector: where the response goes, and what was found. */
class PendingResponse {
  cached: CachedResponse | undefined;
  constructor(
    readonly key: string,
    readonly store: EntryStore,
    readonly settings: CacheSettings,
    readonly method: string,
    /** Guava's expireAfterWrite starts when the missing request made the entry. */
    readonly createdAt: number,
  ) {}

  toString(): string {
    return `CachableResponse ${this.key}`;
  }
}

/** The message becomes the stored response, as replaceEnvelopeWithCachedResponse does. */
function serveCached(mc: MessageContext, e: CachedResponse, s: CacheSettings): void {
  releaseStream(mc.payload.takeStream());
  const headers: TransportHeaders = new Map(e.headers.map(([k, v]) => [k, Array.isArray(v) ? [...(v as string[])] : v] as [string, HeaderValue]));
  if (s.http && s.ageHeader) headers.set('age', ageOf(e));
  becomeResponse(mc, e.status ?? 200, headers, new Payload(e.contentType, e.body, mc.runtime.payloadLimits));
}

function statusCode(mc: MessageContext): number | undefined {
  const sc = mc.axis2.get('HTTP_SC');
  const n = numericValue(sc) ?? (typeof sc === 'string' ? Number.parseInt(sc.trim(), 10) : NaN);
  return Number.isInteger(n) ? n : undefined;
}

/** maxMessageSize counts as MI does: a JSON payload's bytes, else the SOAP envelope as serialized. */
function messageSize(mc: MessageContext): number {
  const p = mc.payload;
  if (p.isJson || p.kind === 'json') {
    const raw = p.rawBytes;
    return raw !== undefined ? raw.length : Buffer.byteLength(stringifyJson(p.json()), 'utf8');
  }
  return Buffer.byteLength(serializeXml(p.envelope()), 'utf8');
}

class CacheFinder implements Mediator {
  readonly tag = 'cache';
  readonly contentAware = false;
  private memory: MemoryEntryStore | undefined;
  private shared: SharedEntryStore | undefined;

  constructor(
    /** The mediator's `id`, else its file and position: the same in every process that deploys the artifact. */
    private readonly scope: string,
    private readonly settings: CacheSettings,
    private readonly onHit: readonly Mediator[] | undefined,
  ) {}

  private storeFor(mc: MessageContext): EntryStore {
    const stores = mc.runtime.sharedStores;
    if (stores?.cache) return (this.shared ??= new SharedEntryStore(stores.cache));
    return (this.memory ??= new MemoryEntryStore(this.settings.maxSize ?? stores?.cacheMaxEntries ?? DEFAULT_MAX_ENTRIES));
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (mc.isResponse) throw new MiError(Errors.CACHE_WRONG_FLOW, 'Response messages cannot be handled in a non collector cache');
    if (!hashSkipsBody(mc) && !mc.payload.isReady) return mc.payload.load().then(() => this.lookup(mc));
    return this.lookup(mc);
  }

  private lookup(mc: MessageContext): boolean | Promise<boolean> {
    const hash = requestHash(mc, this.settings);
    mc.props.set(REQUEST_HASH, hash);
    const store = this.storeFor(mc);
    const pending = new PendingResponse(`${this.scope}:${hash}`, store, this.settings, httpMethod(mc), Date.now());
    mc.props.set(CACHED_OBJECT, pending);
    const got = store.get(pending.key);
    return got instanceof Promise ? got.then((e) => this.found(mc, pending, e)) : this.found(mc, pending, got);
  }

  private found(mc: MessageContext, pending: PendingResponse, e: CachedResponse | undefined): boolean | Promise<boolean> {
    if (!e) return true;
    pending.cached = e;
    const s = this.settings;
    if (s.http && s.cacheControl) {
      const check = needsBackend(e);
      if (check.again) {
        if (check.etag !== undefined) mc.setProperty('If-None-Match', check.etag, 'transport');
        return true;
      }
    }
    serveCached(mc, e, s);
    if (this.onHit) return andThen(runList(this.onHit, mc), () => false);
    const loading = replyWhenReady(mc);
    return loading ? loading.then(() => false) : false;
  }
}

class CacheCollector implements Mediator {
  readonly tag = 'cache';
  readonly contentAware = false;

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (!mc.isResponse && !isTrue(mc.props.get('RESPONSE'))) throw new MiError(Errors.CACHE_WRONG_FLOW, 'Request messages cannot be handled in a collector cache');
    const p = mc.props.get(CACHED_OBJECT);
    if (!(p instanceof PendingResponse)) {
      mc.runtime.logs.get(CACHE_LOGGER).warn('A response message without a valid mapping to the request hash found. Unable to store the response in cache');
      return true;
    }
    const s = p.settings;
    const status = statusCode(mc);
    if (s.http) {
      if (s.cacheControl && isNoStore(mc.headers)) return true;
      if (status !== undefined) {
        if (status === 304 && p.cached) {
          serveCached(mc, p.cached, s);
          return true;
        }
        if (!s.responseCodes.test(String(status))) return true;
      }
      if (!s.methods.some((m) => m === '*' || m === p.method)) return true;
    }
    if (!mc.payload.isReady) return mc.payload.load().then(() => this.store(mc, p, status));
    return this.store(mc, p, status);
  }

  private store(mc: MessageContext, p: PendingResponse, status: number | undefined): boolean | Promise<boolean> {
    const s = p.settings;
    if (s.maxMessageSize > -1 && messageSize(mc) > s.maxMessageSize) return true;
    const ttl = s.timeoutSeconds * 1000 - (Date.now() - p.createdAt);
    if (ttl <= 0) return true;
    const { contentType, body } = serializeMessage(mc, clientIsRest(mc));
    if (body !== undefined && !Buffer.isBuffer(body)) return true; // not in memory: nothing to keep
    const headers: [string, HeaderValue][] = [];
    for (const [k, v] of mc.headers) if (!isHopByHop(k)) headers.push([k, v]);
    const entry: CachedResponse = { status, headers, contentType, body: body ?? Buffer.alloc(0), fetchedAt: fetchedTime(mc.headers) };
    const saved = p.store.set(p.key, entry, ttl);
    return saved ? saved.then(() => true) : true;
  }
}

export const cache: MediatorDef = {
  tag: 'cache',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['collector', 'timeout', 'maxMessageSize', 'id', 'hashGenerator', 'scope', 'description']);
    const collector = a.get('collector');
    if (collector === undefined) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'The collector attribute must be specified');
    // a collector reads nothing else, as in Micro Integrator
    if (collector === 'true') return new CacheCollector();
    if (collector !== 'false') ctx.fail(el, Errors.BAD_VALUE, `The value for collector has to be either true or false, not '${collector}'`);
    for (const k of childElements(el)) {
      if (!['onCacheHit', 'protocol', 'implementation'].includes(k.localName)) ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in <cache> (onCacheHit, protocol, implementation)`);
    }
    const settings = readCacheSettings(el, ctx, a.get('timeout'), a.get('maxMessageSize'), a.get('hashGenerator'));
    const { line, col } = position(el);
    const scope = a.get('id')?.trim() || `${path.basename(ctx.file)}:${line}:${col}`;
    const hitEl = childElements(el).find((k) => k.localName === 'onCacheHit');
    const onHit = hitEl ? parseBranch(hitEl, ctx) : [];
    return new CacheFinder(scope, settings, onHit.length ? onHit : undefined);
  },
};
