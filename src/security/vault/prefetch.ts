/**
 * Deploy-time side of hashicorp:vault-lookup: ParseContext notes the expressions of each mediator that
 * call it and gives that mediator a prefetch step, which runList() awaits before mediate(). Mediators
 * without such expressions get none, so their path has no promise.
 */
import type { MessageContext } from '../../context/message-context.js';
import type { Expression } from '../../expr/expression.js';
import type { Mediator } from '../../mediators/mediator.js';

export type Prefetch = (mc: MessageContext) => Promise<void> | undefined;

export function externalLookupPrefetch(exprs: readonly Expression[]): Prefetch {
  return (mc) => mc.runtime.secrets.prefetchExternal?.(exprs, mc);
}

/** Gives `m` a prefetch step for its external lookups (if it has any). */
export function attachPrefetch(m: Mediator, exprs: readonly Expression[]): void {
  const external = exprs.filter((e) => e.externalLookups);
  if (external.length) (m as { prefetch?: Prefetch }).prefetch = externalLookupPrefetch(external);
}
