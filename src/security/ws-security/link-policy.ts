/**
 * A proxy whose `<policy key>` names a local entry gets its security when the deployment is linked: the
 * entry's policy is compiled then (once per deployment, never per request). A policy that does not
 * compile keeps the proxy out of the deployment, with the problem at the proxy's <policy>.
 */
import type { ErrorSpec } from '../../errors.js';
import { Errors } from '../../errors.js';
import { position } from '../../xml/dom.js';
import type { LocalEntry, ProxyService } from '../../artifacts/model.js';
import { compilePolicy } from './compile-policy.js';
import { proxySecurity } from './proxy-security.js';
import { proxyAccess } from '../policies/ws-security.js';

export interface LinkProblem {
  readonly line: number;
  readonly col: number;
  readonly spec: ErrorSpec;
  readonly message: string;
  readonly severity: 'error' | 'warning';
}

/** True when the proxy's security waits for a local entry. */
export function needsLinkedPolicy(proxy: ProxyService): boolean {
  return proxy.security === undefined && proxy.policies.length === 1 && proxy.policies[0]!.localEntry;
}

export function linkProxySecurity(proxy: ProxyService, localEntry: (key: string) => LocalEntry | undefined): { proxy: ProxyService | undefined; problems: LinkProblem[] } {
  const ref = proxy.policies[0]!;
  const at = { line: ref.line, col: ref.col };
  const entry = localEntry(ref.key);
  if (!entry?.element) {
    const message = `local entry '${ref.key}' holds no XML; a <policy key> must name a local entry holding a <wsp:Policy>`;
    return { proxy: undefined, problems: [{ ...at, spec: Errors.WSS_POLICY_INVALID, message, severity: 'error' }] };
  }
  const compiled = compilePolicy(entry.element, ref.key);
  const problems = compiled.problems.map((p) => {
    const { line, col } = position(p.node);
    return { ...at, spec: p.spec, severity: p.severity, message: `${p.message} (${entry.file}:${line}:${col})` };
  });
  if (!compiled.plan) return { proxy: undefined, problems };
  const security = proxySecurity(compiled.plan, proxy.parameters);
  return { proxy: { ...proxy, security, access: proxyAccess(security) }, problems };
}
