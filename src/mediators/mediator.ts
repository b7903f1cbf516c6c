/**
 * The mediator contract and the one sequencing loop. A mediator returns true to continue, false to stop the
 * flow, or a Promise of either; runList() stays synchronous until a mediator actually returns a Promise,
 * and loads the message body before the first content-aware mediator (the only place that happens).
 */
import type { MessageContext } from '../context/message-context.js';
import { markBuilt } from '../context/addressing.js';

export interface Mediator {
  /** The XML tag, for logs and traces. */
  readonly tag: string;
  /** Needs the message body in memory before mediate() runs. */
  readonly contentAware: boolean;
  mediate(mc: MessageContext): boolean | Promise<boolean>;
  /**
   * Set at deploy time on a mediator whose expressions call hashicorp:vault-lookup: fetches the values they
   * need (network I/O) so that mediate(), whose XPath is synchronous, reads them from the cache. Returns
   * undefined when nothing needs fetching.
   */
  prefetch?: (mc: MessageContext) => Promise<void> | undefined;
  /**
   * Told at deploy time which mediators follow it in its list: a split mediator (iterate, clone) resumes a
   * branch there after the branch's call answered, as Micro Integrator's continuation does.
   */
  followedBy?(rest: readonly Mediator[]): void;
}


/**
 * Runs the list from `start`. Before a mediator it loads the body (contentAware) and awaits its prefetch
 * step (external vault lookups) when that step has something to fetch; `fetched` is the index whose
 * prefetch already ran, so it does not run twice.
 */
export function runList(list: readonly Mediator[], mc: MessageContext, start = 0, fetched = -1): boolean | Promise<boolean> {
  // OpenTelemetry mediator spans (capture_all / trace="enable"): one field read when tracing is off
  const trace = mc.trace !== undefined && mc.trace.mediators ? mc.trace : undefined;
  for (let i = start; i < list.length; i++) {
    const m = list[i]!;
    if (m.contentAware && !mc.payload.isReady) {
      return mc.payload.load().then(() => {
        // the client's request, now read: a text/xml body that is not an envelope is POX (a REST client)
        if (!mc.isResponse && mc.payload.isUntouched) mc.requestKind = mc.payload.kind;
        // Synapse built the message here: the request's WS-Addressing headers now set To, Action, ...
        markBuilt(mc);
        return runList(list, mc, i, fetched);
      });
    }
    if (m.prefetch !== undefined && fetched !== i) {
      const p = m.prefetch(mc);
      if (p !== undefined) return p.then(() => runList(list, mc, i, i));
    }
    const r = trace === undefined ? m.mediate(mc) : trace.mediate(m, mc);
    if (r === true) continue;
    if (r === false) return false;
    return r.then((ok) => (ok ? runList(list, mc, i + 1) : false));
  }
  return true;
}

/** True if any mediator in the list needs the body. */
export function anyContentAware(list: readonly Mediator[]): boolean {
  return list.some((m) => m.contentAware);
}

/** Runs `then` after a boolean-or-promise result without adding a promise when the result is synchronous. */
export function andThen<T>(r: boolean | Promise<boolean>, then: (ok: boolean) => T | Promise<T>): T | Promise<T> {
  return typeof r === 'boolean' ? then(r) : r.then(then);
}
