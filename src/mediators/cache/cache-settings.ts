/**
 * The settings of a cache mediator (finder, collector="false"), read as Micro Integrator 4's
 * CacheMediatorFactory reads them: `timeout` in seconds (default 5000), `maxMessageSize` in bytes (-1: any),
 * `<protocol type="HTTP">` with `<methods>`, `<headersToIncludeInHash>`, `<headersToExcludeInHash>`,
 * `<responseCodes>` (a regex), `<enableCacheControl>`, `<includeAgeHeader>`, `<hashGenerator>`, and
 * `<implementation maxSize>`. The older form's `hashGenerator` and `scope` attributes are read as MI 4 reads them.
 */
import { Errors } from '../../errors.js';
import type { ParseContext } from '../../artifacts/parse-context.js';
import { childElements, textOf } from '../../xml/dom.js';
import { wholeMatch } from '../branch.js';

/** Micro Integrator's default (and the only one this runtime runs). */
export const DEFAULT_HASH_GENERATOR = 'org.wso2.carbon.mediator.cache.digest.HttpRequestHashGenerator';
const METHODS = new Set(['POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', '*']);

export interface CacheSettings {
  /** Seconds an entry lives, counted from the request that missed (Guava's expireAfterWrite). */
  readonly timeoutSeconds: number;
  /** -1: no limit. */
  readonly maxMessageSize: number;
  /** `<protocol type="HTTP">` (or none): methods, response codes and cache control apply. */
  readonly http: boolean;
  /** Upper-case methods whose responses are stored; `*` for all. */
  readonly methods: readonly string[];
  /** Lower-case header names hashed (include mode); undefined: every header but `excludeHeaders`. */
  readonly includeHeaders: readonly string[] | undefined;
  /** Lower-case names left out of the hash; `*` leaves every header out. */
  readonly excludeHeaders: readonly string[];
  readonly responseCodes: RegExp;
  readonly cacheControl: boolean;
  readonly ageHeader: boolean;
  /** `<implementation maxSize>`; undefined: the `[cache] max_entries` default. */
  readonly maxSize: number | undefined;
}

function javaLong(el: Element, ctx: ParseContext, what: string, v: string): number {
  const t = v.trim();
  if (!/^[+-]?\d+$/.test(t)) ctx.fail(el, Errors.BAD_VALUE, `${what} must be a whole number, not '${v}'`);
  return Number(t);
}

/** Axis2 splits on commas and trims each name; an empty text means none. */
function headerList(el: Element | undefined): string[] | undefined {
  if (!el) return undefined;
  const names = textOf(el).split(',').map((h) => h.trim().toLowerCase());
  return names.length === 1 && names[0] === '' ? undefined : names;
}

function checkGenerator(el: Element, ctx: ParseContext, className: string | undefined): void {
  if (className === undefined || className.trim() === '' || className.trim() === DEFAULT_HASH_GENERATOR) return;
  ctx.fail(el, Errors.CACHE_HASH_GENERATOR, `hashGenerator '${className.trim()}' cannot be used: this runtime runs only Micro Integrator's default ${DEFAULT_HASH_GENERATOR}`);
}

export function readCacheSettings(el: Element, ctx: ParseContext, timeoutAttr: string | undefined, maxMessageSizeAttr: string | undefined, hashGeneratorAttr: string | undefined): CacheSettings {
  const kids = childElements(el);
  const protocol = kids.find((k) => k.localName === 'protocol');
  let http = true;
  let methods: string[] = ['*'];
  let include: string[] | undefined;
  let exclude: string[] = [];
  let responseCodes = /^(?:.*)$/s;
  let cacheControl = false;
  let ageHeader = false;
  if (protocol) {
    const type = ctx.attrs(protocol, ['type']).get('type');
    if (type !== undefined) {
      const child = (name: string): Element | undefined => childElements(protocol).find((k) => k.localName === name);
      const gen = child('hashGenerator');
      checkGenerator(gen ?? protocol, ctx, gen ? textOf(gen) : undefined);
      http = type.trim().toUpperCase() === 'HTTP';
      if (http) {
        const m = child('methods');
        if (m) {
          const list = textOf(m).split(',').map((x) => x.toUpperCase().trim());
          if (list[0] !== '') {
            for (const x of list) if (!METHODS.has(x)) ctx.fail(m, Errors.BAD_VALUE, `Unexpected method type: ${x}`);
            methods = list;
          }
        }
        include = headerList(child('headersToIncludeInHash'));
        exclude = headerList(child('headersToExcludeInHash')) ?? [];
        const codes = child('responseCodes');
        if (codes && textOf(codes) !== '') responseCodes = wholeMatch(codes, ctx, textOf(codes));
        const cc = child('enableCacheControl');
        if (cc && textOf(cc) !== '') cacheControl = textOf(cc).trim().toLowerCase() === 'true';
        const age = child('includeAgeHeader');
        if (age && textOf(age) !== '') ageHeader = textOf(age).trim().toLowerCase() === 'true';
        if (!age && cacheControl) {
          // MI 4's factory sets cacheControlEnabled to includeAgeHeader's default when that element is absent
          ctx.warn(cc!, Errors.CACHE_CONTROL_IGNORED, '<enableCacheControl>true</enableCacheControl> has no effect without <includeAgeHeader> (as in Micro Integrator); add <includeAgeHeader>false</includeAgeHeader> to keep cache control on');
          cacheControl = false;
        }
      }
    }
  } else checkGenerator(el, ctx, hashGeneratorAttr);
  const impl = kids.find((k) => k.localName === 'implementation');
  let maxSize: number | undefined;
  if (impl) {
    const s = ctx.attrs(impl, ['maxSize', 'type']).get('maxSize');
    if (s !== undefined) maxSize = javaLong(impl, ctx, 'maxSize', s);
    if (maxSize !== undefined && maxSize < 0) maxSize = undefined;
  }
  const maxMessageSize = maxMessageSizeAttr === undefined ? -1 : javaLong(el, ctx, 'maxMessageSize', maxMessageSizeAttr);
  return {
    timeoutSeconds: timeoutAttr === undefined ? 5000 : javaLong(el, ctx, 'timeout', timeoutAttr),
    maxMessageSize,
    http,
    methods,
    includeHeaders: include,
    excludeHeaders: exclude,
    responseCodes,
    cacheControl,
    ageHeader,
    maxSize,
  };
}
