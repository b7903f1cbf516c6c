/**
 * The access phase of a proxy, API or resource: its policies, sorted by priority once at deploy. A route
 * with no policy has none (null), so an open API pays nothing; a policy that answers synchronously keeps the
 * phase synchronous.
 */
import type { MessageContext } from '../../context/message-context.js';
import type { AccessPolicy, AccessServices, AccessVerdict } from './access-policy.js';

export class AccessPhase {
  private constructor(readonly policies: readonly AccessPolicy[]) {}

  /**
   * The phase for these policies, or null when there are none. `overrides` (a resource's own) replace the
   * policies of the same name in `base` (the API's).
   */
  static of(base: readonly AccessPolicy[], overrides: readonly AccessPolicy[] = []): AccessPhase | null {
    const names = new Set(overrides.map((p) => p.name));
    const all = [...base.filter((p) => !names.has(p.name)), ...overrides];
    if (!all.length) return null;
    // a stable sort keeps declaration order among equal priorities
    return new AccessPhase(Object.freeze(all.sort((a, b) => b.priority - a.priority)));
  }

  check(mc: MessageContext, services: AccessServices, from = 0): AccessVerdict | Promise<AccessVerdict> {
    const list = this.policies;
    for (let i = from; i < list.length; i++) {
      const v = list[i]!.check(mc, services);
      if (v === undefined) continue;
      if (v instanceof Promise) return v.then((r) => (r === undefined ? this.check(mc, services, i + 1) : r));
      return v;
    }
    return undefined;
  }
}
