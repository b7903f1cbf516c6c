/**
 * <loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin"? failover="true|false"?>:
 * round robin over the children that are ready (suspended ones are skipped, as Synapse's RoundRobin does).
 * With failover (the default) a failing member's message goes to the next ready member; when none is left
 * the last member's error stands (303000 when no member was ready at all). failover="false" reports the
 * member's own error.
 */
import type { ParseContext } from '../artifacts/parse-context.js';
import type { MessageContext } from '../context/message-context.js';
import { Errors } from '../errors.js';
import { noReadyChild, parseChildEndpoints, type ChildParser } from './children.js';
import { ANONYMOUS_ENDPOINT, EndpointError, type Endpoint } from './endpoint.js';

const ROUND_ROBIN = 'org.apache.synapse.endpoints.algorithms.RoundRobin';
const LOADBALANCE_LOGGER = 'org.apache.synapse.endpoints.LoadbalanceEndpoint';

export class LoadbalanceEndpoint implements Endpoint {
  readonly type = 'loadbalance';
  readonly refs: readonly string[];
  private next = 0;
  /** Times a member failed and the next one was tried (the metrics read it when scraped). */
  failovers = 0;

  constructor(
    readonly name: string | undefined,
    readonly children: readonly Endpoint[],
    private readonly failover: boolean,
  ) {
    this.refs = children.flatMap((c) => c.refs ?? []);
  }

  ready(mc: MessageContext): boolean {
    return this.children.some((c) => c.ready?.(mc) ?? true);
  }

  /** The next ready member not tried yet for this message, advancing the shared round-robin position. */
  private pick(mc: MessageContext, tried: Set<number>): number {
    const n = this.children.length;
    for (let attempts = 0; attempts < n; attempts++) {
      const idx = this.next;
      this.next = (idx + 1) % n;
      const c = this.children[idx]!;
      if (!tried.has(idx) && (c.ready?.(mc) ?? true)) return idx;
    }
    return -1;
  }

  async send(mc: MessageContext): Promise<void> {
    if (this.failover && !mc.payload.isReady) await mc.payload.load();
    const tried = new Set<number>();
    let last: EndpointError | undefined;
    for (let idx = this.pick(mc, tried); idx >= 0; idx = this.pick(mc, tried)) {
      tried.add(idx);
      try {
        await this.children[idx]!.send(mc);
        return;
      } catch (err) {
        if (!this.failover || !(err instanceof EndpointError) || err.retryDisabled) throw err;
        last = err;
        this.failovers++;
      }
    }
    throw noReadyChild(mc, LOADBALANCE_LOGGER, `Loadbalance endpoint : ${this.name ?? ANONYMOUS_ENDPOINT} - no ready child endpoints`, last);
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((c) => c.close?.().catch(() => {})));
  }
}

export function parseLoadbalance(el: Element, ctx: ParseContext, name: string | undefined, parseChild: ChildParser): LoadbalanceEndpoint {
  const a = ctx.attrs(el, ['algorithm', 'failover', 'policy', 'buildMessage', 'statistics', 'trace']);
  const algorithm = a.get('algorithm')?.trim();
  if (algorithm !== undefined && algorithm !== ROUND_ROBIN) {
    ctx.fail(el, Errors.UNSUPPORTED, `load balance algorithm '${algorithm}' is not supported; use ${ROUND_ROBIN}`);
  }
  const policy = a.get('policy')?.trim();
  if (policy !== undefined && policy.toLowerCase() !== 'roundrobin') ctx.fail(el, Errors.UNSUPPORTED, `load balance policy '${policy}' is not supported; use roundRobin`);
  return new LoadbalanceEndpoint(name, parseChildEndpoints(el, ctx, parseChild), a.bool('failover', true));
}
