/**
 * <throttle id [onAccept] [onReject]>: Synapse's ThrottleMediator. The policy (inline `<policy>` or a local
 * entry by `<policy key>`) is read when the artifact deploys. A request first takes a place of
 * MaximumConcurrentAccess (given back when its exchange ends), then the rate rule of its caller: the
 * DOMAIN entry of `X-Forwarded-Host` or the client's address, else the IP entry of `X-Forwarded-For` or the
 * client's address, else `other`. Accepted: onAccept runs (or the flow goes on); refused: onReject runs (or
 * the flow stops). Counters live in memory, or in Redis with `[throttle] type = "redis"`.
 */
import type { MessageContext } from '../../context/message-context.js';
import { Errors } from '../../errors.js';
import { childElements, parseXml } from '../../xml/dom.js';
import type { ParseContext } from '../../artifacts/parse-context.js';
import type { Mediator } from '../mediator.js';
import type { MediatorDef } from '../mediator-def.js';
import { SequenceRef } from '../sequence.js';
import { andThen, runList } from '../mediator.js';
import type { CallerTable } from './caller-table.js';
import { MemoryWindows, WINDOW_SCRIPT } from './rate-window.js';
import { readThrottlePolicy, ThrottlePolicyError, type ThrottlePolicy } from './throttle-policy.js';

const RATE_LOGGER = 'org.apache.synapse.commons.throttle.core.AccessRateController';
const QUOTA_EXCEEDED = 'You cannot access this service since you have exceeded the allocated quota.';
const PROHIBITED = 'You cannot access this service since you have been prohibited permanently.';

/** `::ffff:127.0.0.1` (a dual-stack socket) is the IPv4 caller 127.0.0.1, as Java reports it. */
function callerIp(mc: MessageContext): string | undefined {
  const xff = mc.headers.get('x-forwarded-for');
  if (typeof xff === 'string' && xff !== '') return xff;
  const a = mc.inbound.remoteAddress;
  if (!a) return undefined;
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

class ThrottleMediator implements Mediator {
  readonly tag = 'throttle';
  readonly contentAware = false;
  private policy: ThrottlePolicy | undefined;
  private readonly windows = new MemoryWindows();
  private active = 0;
  private readonly release = (): void => {
    this.active--;
  };

  constructor(
    private readonly id: string,
    private readonly onAccept: readonly Mediator[] | undefined,
    private readonly onReject: readonly Mediator[] | undefined,
  ) {}

  /** The inline policy, or the keyed one when the linker hands it over. */
  setPolicy(policy: ThrottlePolicy): void {
    this.policy = policy;
  }

  mediate(mc: MessageContext): boolean | Promise<boolean> {
    if (mc.isResponse) return true;
    const policy = this.policy;
    if (!policy) return true; // a keyed policy is linked before any request is served
    let acquired = false;
    if (policy.maxConcurrent !== undefined) {
      if (this.active >= policy.maxConcurrent) return this.decided(mc, false);
      this.active++;
      acquired = true;
    }
    return andThen(this.rate(mc, policy), (ok) => {
      if (acquired) {
        // refused by rate: the place is given back at once, so a slow rate cannot starve the concurrency limit
        if (ok) mc.exchange.onEnd(this.release);
        else this.release();
      }
      return this.decided(mc, ok);
    });
  }

  private decided(mc: MessageContext, ok: boolean): boolean | Promise<boolean> {
    const branch = ok ? this.onAccept : this.onReject;
    if (branch) return runBranch(branch, mc);
    return ok;
  }

  /** The DOMAIN entry of the caller, else its IP entry; true when none applies. */
  private rate(mc: MessageContext, policy: ThrottlePolicy): boolean | Promise<boolean> {
    const ip = callerIp(mc);
    if (policy.domain) {
      const xfh = mc.headers.get('x-forwarded-host');
      const domain = typeof xfh === 'string' && xfh !== '' ? xfh : ip;
      const key = domain === undefined ? undefined : policy.domain.keyOf(domain);
      if (key !== undefined) return this.access(mc, policy.domain, key);
    }
    if (ip === undefined || !policy.ip) return true;
    const key = policy.ip.keyOf(ip);
    return key === undefined ? true : this.access(mc, policy.ip, key);
  }

  private access(mc: MessageContext, table: CallerTable, key: string): boolean | Promise<boolean> {
    const rule = table.rule(key);
    if (!rule || rule.state === 'allow') return true;
    if (rule.state === 'deny') {
      mc.runtime.logs.get(RATE_LOGGER).info(PROHIBITED);
      return false;
    }
    // one counter per policy entry, per mediator id and API/proxy (as Synapse keys them)
    const where = mc.entry.kind === 'api' ? `api${mc.entry.name}` : mc.entry.kind === 'proxy' ? `proxy${mc.entry.name}` : '';
    const counter = `${this.id}${where}${table.type === 'DOMAIN' ? 'domain:' : ''}${key}`;
    const stores = mc.runtime.sharedStores;
    const shared = stores?.throttle;
    if (!shared) return this.logged(mc, this.windows.take(counter, rule));
    if (!shared.reachable) return stores.throttleFailOpen;
    return shared.run(WINDOW_SCRIPT, [counter], [rule.maxCount, rule.unitTime, rule.prohibitTime]).then(
      (r) => this.logged(mc, r === 1 || r === '1'),
      () => stores.throttleFailOpen, // logged once per outage by the store
    );
  }

  private logged(mc: MessageContext, allowed: boolean): boolean {
    if (!allowed) mc.runtime.logs.get(RATE_LOGGER).info(QUOTA_EXCEEDED);
    return allowed;
  }
}

function runBranch(list: readonly Mediator[], mc: MessageContext): boolean | Promise<boolean> {
  return runList(list, mc);
}

/** onAccept / onReject: a sequence key in the attribute, else an inline child; the attribute wins, as in Synapse. */
function branchOf(el: Element, ctx: ParseContext, name: 'onAccept' | 'onReject', key: string | undefined): Mediator[] | undefined {
  if (key !== undefined) {
    ctx.ref(el, 'sequence', key.trim());
    return [new SequenceRef(key.trim())];
  }
  const child = childElements(el).find((k) => k.localName === name);
  return child ? ctx.mediatorList(child) : undefined;
}

function policyOf(el: Element, ctx: ParseContext, root: Element): ThrottlePolicy {
  try {
    return readThrottlePolicy(root);
  } catch (err) {
    if (err instanceof ThrottlePolicyError) return ctx.fail(el, Errors.THROTTLE_POLICY, err.message);
    throw err;
  }
}

export const throttle: MediatorDef = {
  tag: 'throttle',
  parse(el, ctx) {
    const a = ctx.attrs(el, ['id', 'onAccept', 'onReject', 'description']);
    const id = a.get('id')?.trim();
    if (!id) ctx.fail(el, Errors.MISSING_ATTRIBUTE, 'Idy attribute must have defined (a throttle mediator needs an id)');
    for (const k of childElements(el)) {
      if (!['policy', 'onAccept', 'onReject'].includes(k.localName)) ctx.fail(k, Errors.UNKNOWN_ELEMENT, `<${k.localName}> is not allowed in <throttle> (policy, onAccept, onReject)`);
    }
    const m = new ThrottleMediator(id!, branchOf(el, ctx, 'onAccept', a.get('onAccept')), branchOf(el, ctx, 'onReject', a.get('onReject')));
    const policyEl = childElements(el).find((k) => k.localName === 'policy');
    if (!policyEl) return m; // Synapse: no policy, no throttling
    const key = policyEl.getAttribute('key');
    if (policyEl.hasAttribute('key')) {
      if (!key) ctx.fail(policyEl, Errors.MISSING_ATTRIBUTE, 'key attribute should have a value ');
      ctx.ref(policyEl, 'localEntry', key!, (target) => {
        const entry = target as { text: string; element: Element | undefined };
        let root = entry.element;
        try {
          root ??= parseXml(entry.text).documentElement;
          m.setPolicy(readThrottlePolicy(root));
          return { problems: [], refs: [] };
        } catch (err) {
          return { problems: [{ spec: Errors.THROTTLE_POLICY, message: `throttle policy '${key}': ${(err as Error).message}` }], refs: [] };
        }
      });
      return m;
    }
    const inline = childElements(policyEl)[0];
    if (inline) m.setPolicy(policyOf(policyEl, ctx, inline));
    return m;
  },
};
