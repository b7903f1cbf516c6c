/**
 * What address, http and default endpoints share: the response timeout and the failure policy
 * (<timeout>, <suspendOnFailure>, <markForSuspension>, <retryConfig>), with Synapse's defaults
 * (EndpointDefinition.java / EndpointContext.java).
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import { Errors } from '../errors.js';
import { childElements, textOf } from '../xml/dom.js';

export type TimeoutAction = 'fault' | 'discard' | 'never';

export interface EndpointDefinition {
  /**
   * Response timeout in ms. MI falls back to the transport socket timeout (180 s) when <timeout> is absent;
   * we use 60 s so a dead backend cannot hold a client longer than common load balancer idle timeouts.
   */
  readonly timeoutMs: number;
  readonly timeoutAction: TimeoutAction;
  /** suspendOnFailure errorCodes; undefined = every error suspends. A list holding -1 matches nothing. */
  readonly suspendCodes: ReadonlySet<number> | undefined;
  /** First suspension; Synapse's -1 default means DEFAULT_ENDPOINT_SUSPEND_TIME (30 s). */
  readonly initialDurationMs: number;
  readonly progressionFactor: number;
  readonly maximumDurationMs: number;
  /** markForSuspension errorCodes; undefined = 101504 (timeout) and 101505 (connection closed). */
  readonly timeoutCodes: ReadonlySet<number> | undefined;
  readonly retriesBeforeSuspension: number;
  readonly retryDelayMs: number;
  /** retryConfig: codes on which a failover parent must not try the next child ... */
  readonly retryDisabledCodes: ReadonlySet<number> | undefined;
  /** ... or, when given, the only codes on which it may. */
  readonly retryEnabledCodes: ReadonlySet<number> | undefined;
  /** <enableAddressing version=".."/>: WS-Addressing headers on the outgoing envelope (addressing-out.ts). */
  readonly addressing?: { readonly version: 'final' | 'submission' | undefined };
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_SUSPEND_MS = 30_000;
const DEFAULT_TIMEOUT_CODES: ReadonlySet<number> = new Set([101504, 101505]);

export const DEFAULT_DEFINITION: EndpointDefinition = {
  timeoutMs: DEFAULT_TIMEOUT_MS,
  timeoutAction: 'fault',
  suspendCodes: undefined,
  initialDurationMs: DEFAULT_SUSPEND_MS,
  progressionFactor: 1,
  maximumDurationMs: Number.POSITIVE_INFINITY,
  timeoutCodes: undefined,
  retriesBeforeSuspension: 0,
  retryDelayMs: 0,
  retryDisabledCodes: undefined,
  retryEnabledCodes: undefined,
};

/** Does this failure put the endpoint into TIMEOUT (marked for suspension)? */
export function isTimeoutCode(def: EndpointDefinition, code: number): boolean {
  return (def.timeoutCodes ?? DEFAULT_TIMEOUT_CODES).has(code);
}

/** Does this failure suspend the endpoint at once? */
export function isSuspendCode(def: EndpointDefinition, code: number): boolean {
  return def.suspendCodes === undefined || def.suspendCodes.has(code);
}

/** May a failover parent try the next child after this failure? */
export function isRetryCode(def: EndpointDefinition, code: number): boolean {
  if (def.retryDisabledCodes?.has(code)) return false;
  if (def.retryEnabledCodes && def.retryEnabledCodes.size > 0) return def.retryEnabledCodes.has(code);
  return true;
}

/** The children of <address>/<http>/<default> this module reads. */
export const DEFINITION_CHILDREN = ['timeout', 'suspendOnFailure', 'markForSuspension', 'retryConfig', 'enableAddressing'] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads the definition children of `el`; other children are left to the caller. */
export function parseDefinition(el: Element, ctx: ParseContext): EndpointDefinition {
  const d: Mutable<EndpointDefinition> = { ...DEFAULT_DEFINITION };
  for (const c of childElements(el)) {
    switch (c.localName) {
      case 'timeout':
        readTimeout(c, ctx, d);
        break;
      case 'suspendOnFailure':
        for (const s of options(c, ctx, ['errorCodes', 'initialDuration', 'progressionFactor', 'maximumDuration'])) {
          if (s.localName === 'errorCodes') d.suspendCodes = codes(s, ctx);
          else if (s.localName === 'initialDuration') {
            const v = integer(s, ctx, -1);
            d.initialDurationMs = v < 0 ? DEFAULT_SUSPEND_MS : v;
          } else if (s.localName === 'progressionFactor') d.progressionFactor = decimal(s, ctx);
          else d.maximumDurationMs = integer(s, ctx, 0);
        }
        break;
      case 'markForSuspension':
        for (const s of options(c, ctx, ['errorCodes', 'retriesBeforeSuspension', 'retryDelay'])) {
          if (s.localName === 'errorCodes') d.timeoutCodes = codes(s, ctx);
          else if (s.localName === 'retriesBeforeSuspension') d.retriesBeforeSuspension = integer(s, ctx, 0);
          else d.retryDelayMs = integer(s, ctx, 0);
        }
        break;
      case 'enableAddressing':
        d.addressing = readAddressing(c, ctx);
        break;
      case 'retryConfig':
        for (const s of options(c, ctx, ['disabledErrorCodes', 'enabledErrorCodes'])) {
          if (s.localName === 'disabledErrorCodes') d.retryDisabledCodes = codes(s, ctx);
          else d.retryEnabledCodes = codes(s, ctx);
        }
        break;
    }
  }
  return d;
}

/**
 * Synapse's EndpointDefinitionFactory: version is final or submission (none: the 2005/08 namespace, as Axis2's
 * AddressingOutHandler defaults). A separate listener (responses arriving later on a listener of ours, at
 * the ReplyTo address) is not something this runtime has: refused rather than silently answered in-line.
 */
function readAddressing(el: Element, ctx: ParseContext): { version: 'final' | 'submission' | undefined } {
  const a = ctx.attrs(el, ['version', 'separateListener']);
  const v = a.get('version');
  if (v !== undefined && v !== 'final' && v !== 'submission') {
    ctx.fail(el, Errors.BAD_VALUE, `Unknown value for the addressing version. Possible values for the addressing version are 'final' and 'submission' only (not '${v}')`);
  }
  if (a.get('separateListener')?.trim() === 'true') {
    ctx.fail(el, Errors.UNSUPPORTED, '<enableAddressing separateListener="true"> is not supported: responses are read on the same connection; remove the attribute');
  }
  return { version: v as 'final' | 'submission' | undefined };
}

function readTimeout(el: Element, ctx: ParseContext, d: Mutable<EndpointDefinition>): void {
  for (const s of options(el, ctx, ['duration', 'responseAction'])) {
    if (s.localName === 'duration') d.timeoutMs = integer(s, ctx, 1);
    else {
      const v = textOf(s).trim().toLowerCase();
      if (v !== 'fault' && v !== 'discard' && v !== 'never') ctx.fail(s, Errors.BAD_VALUE, `<responseAction> must be fault, discard or never, not '${v}'`);
      d.timeoutAction = v;
    }
  }
}

/** Child elements of `el`, each of which must be one of `allowed`. */
function options(el: Element, ctx: ParseContext, allowed: readonly string[]): Element[] {
  const out = childElements(el);
  for (const c of out) {
    if (!allowed.includes(c.localName)) ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${c.localName}> is not allowed in <${el.localName}> (allowed: ${allowed.join(', ')})`);
  }
  return out;
}

function integer(el: Element, ctx: ParseContext, min: number): number {
  const t = textOf(el).trim();
  if (!/^-?\d+$/.test(t) || Number(t) < min) ctx.fail(el, Errors.BAD_VALUE, `<${el.localName}> must be a whole number >= ${min}, not '${t}'`);
  return Number(t);
}

function decimal(el: Element, ctx: ParseContext): number {
  const t = textOf(el).trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n) || n <= 0) ctx.fail(el, Errors.BAD_VALUE, `<${el.localName}> must be a positive number, not '${t}'`);
  return n;
}

/**
 * A comma-separated list of error codes. -1 (Synapse's "none") stays in the set and so matches nothing; an
 * empty list is undefined, i.e. the default, as in Synapse.
 */
function codes(el: Element, ctx: ParseContext): ReadonlySet<number> | undefined {
  const out = new Set<number>();
  for (const part of textOf(el).split(',')) {
    const t = part.trim();
    if (t === '') continue;
    if (!/^-?\d+$/.test(t)) ctx.fail(el, Errors.BAD_VALUE, `<${el.localName}> must be a comma-separated list of error codes, not '${t}'`);
    out.add(Number(t));
  }
  return out.size ? out : undefined;
}

/**
 * Checks the children of <address>/<http>/<default>: the definition children, plus a few Synapse ones we
 * do not implement. Outgoing WS-Security or reliable messaging silently dropped would be a security or
 * delivery surprise, so those stop the deployment.
 */
export function checkLeafChildren(el: Element, ctx: ParseContext): void {
  for (const c of childElements(el)) {
    const n = c.localName;
    if ((DEFINITION_CHILDREN as readonly string[]).includes(n) || n === 'description') continue;
    if (n === 'enableSec' || n === 'enableRM') ctx.fail(c, Errors.UNSUPPORTED, `<${n}> on endpoints is not supported; remove it`);
    else ctx.fail(c, Errors.UNKNOWN_ELEMENT, `<${n}> is not allowed in <${el.localName}> (allowed: ${DEFINITION_CHILDREN.join(', ')})`);
  }
}
