/**
 * The security part of a <proxy>: its <policy> elements and <enableSec/>. One policy for requests per
 * proxy; a policy file is compiled here, a local-entry policy when the deployment is linked. Whatever
 * cannot be enforced as written fails the proxy: it is never served with less security than asked for.
 */
import { Errors } from '../../errors.js';
import { position } from '../../xml/dom.js';
import type { ParseContext } from '../../artifacts/parse-context.js';
import type { ProxyPolicyRef } from '../../artifacts/model.js';
import { compilePolicyFile, policySource } from './policy-source.js';
import { proxySecurity, type ProxySecurity } from './proxy-security.js';

export function parseProxySecurity(
  proxyEl: Element,
  ctx: ParseContext,
  name: string,
  policyEls: readonly Element[],
  enableSec: boolean,
  parameters: ReadonlyMap<string, string>,
): { policies: ProxyPolicyRef[]; security: ProxySecurity | undefined } {
  const policies: ProxyPolicyRef[] = [];
  let security: ProxySecurity | undefined;
  for (const c of policyEls) {
    const pa = ctx.attrs(c, ['key', 'type', 'operationName', 'operationNamespace'], ['key']);
    const key = pa.req('key');
    const type = pa.get('type');
    if (type !== undefined && type !== 'in' && type !== 'out') ctx.fail(c, Errors.BAD_VALUE, `<policy type="${type}">: type is in or out`);
    if (type === 'out') ctx.fail(c, Errors.WSS_NOT_ENGAGED, `proxy '${name}': <policy type="out"> secures responses, which is not supported (signing or encrypting responses); remove it`);
    if (pa.get('operationName') !== undefined) ctx.fail(c, Errors.WSS_NOT_ENGAGED, `proxy '${name}': per-operation policies (operationName) are not supported; apply the policy to the whole proxy`);
    const src = policySource(key, ctx.home);
    if (src.kind === 'refused') ctx.fail(c, Errors.WSS_POLICY_INVALID, `proxy '${name}': policy key ${src.why}`);
    const { line, col } = position(c);
    policies.push({ key, type, localEntry: src.kind === 'localEntry', line, col });
    if (src.kind === 'localEntry') {
      ctx.ref(c, 'localEntry', key);
    } else if (src.kind === 'file') {
      const compiled = compilePolicyFile(src.file, key, c);
      for (const p of compiled.problems) (p.severity === 'error' ? ctx.error : ctx.warn).call(ctx, p.node, p.spec, p.message);
      if (compiled.plan) security = proxySecurity(compiled.plan, parameters);
    }
  }
  if (policies.length > 1) {
    ctx.fail(policyEls[1]!, Errors.WSS_NOT_ENGAGED, `proxy '${name}' has ${policies.length} <policy> elements; one security policy per proxy is supported (merge them into one <wsp:Policy>)`);
  }
  if (enableSec && policies.length === 0) {
    ctx.fail(proxyEl, Errors.WSS_NOT_ENGAGED, `proxy '${name}' has <enableSec/> but no <policy key>; add the security policy it should enforce`);
  }
  if (!enableSec && policies.length === 1) {
    ctx.warn(policyEls[0]!, Errors.WSS_NOT_ENGAGED, `proxy '${name}' has a <policy> without <enableSec/>: Micro Integrator would not enforce it; it is enforced here (add <enableSec/> to say so)`);
  }
  return { policies, security };
}
