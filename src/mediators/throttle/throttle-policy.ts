/**
 * A throttle mediator's WS-Policy, read once when the artifact deploys, as Synapse's ThrottleFactory reads
 * it: `throttle:MediatorThrottleAssertion` with `throttle:MaximumConcurrentAccess` and one `wsp:Policy` per
 * caller (`throttle:ID throttle:type="IP|DOMAIN"`, then `throttle:Allow`, `throttle:Deny` or
 * `throttle:Control` holding `MaximumCount`, `UnitTime` (ms) and `ProhibitTimePeriod` (ms)); and the older
 * `throttle:ThrottleAssertion` of Synapse's samples (`wsp:All` per caller, the first alternative of its
 * `wsp:ExactlyOne`, `throttle:IsAllow`). Problems carry Synapse's texts.
 */
import { childElements, textOf } from '../../xml/dom.js';
import { CallerTable, type CallerRule } from './caller-table.js';

export const THROTTLE_NS = 'http://www.wso2.org/products/wso2commons/throttle';
export const WSP_NS = 'http://schemas.xmlsoap.org/ws/2004/09/policy';

export interface ThrottlePolicy {
  /** MaximumConcurrentAccess > 0; undefined: no concurrency limit. */
  readonly maxConcurrent: number | undefined;
  readonly ip: CallerTable | undefined;
  readonly domain: CallerTable | undefined;
}

export class ThrottlePolicyError extends Error {
  constructor(message: string) {
    super(`Error was occurred during throttle policy processing :  ${message}`);
  }
}

const fail = (message: string): never => {
  throw new ThrottlePolicyError(message);
};

const isWsp = (el: Element, name: string): boolean => el.namespaceURI === WSP_NS && el.localName === name;

/** Java's Integer/Long.parseLong on a trimmed value; NaN when it would throw. */
function javaInt(v: string): number {
  return /^[+-]?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN;
}

/** Reads the policy element (the child of `<policy>` or the local entry's root). */
export function readThrottlePolicy(root: Element): ThrottlePolicy {
  const assertion = findAssertion(root);
  if (!assertion) return fail('the policy holds no throttle:MediatorThrottleAssertion (nor throttle:ThrottleAssertion)');
  return assertion.localName === 'ThrottleAssertion' ? readLegacy(assertion) : readMediatorAssertion(assertion);
}

/** The assertion among the policy's alternatives: a direct child, or inside wsp:ExactlyOne / wsp:All. */
function findAssertion(el: Element): Element | undefined {
  for (const k of childElements(el)) {
    if (k.namespaceURI === THROTTLE_NS && (k.localName === 'MediatorThrottleAssertion' || k.localName === 'ThrottleAssertion')) return k;
    if (isWsp(k, 'ExactlyOne') || isWsp(k, 'All') || isWsp(k, 'Policy')) {
      const found = findAssertion(k);
      if (found) return found;
    }
  }
  if (el.namespaceURI === THROTTLE_NS && (el.localName === 'MediatorThrottleAssertion' || el.localName === 'ThrottleAssertion')) return el;
  return undefined;
}

interface Tables {
  ip: CallerTable | undefined;
  domain: CallerTable | undefined;
}

function tableFor(tables: Tables, id: Element): { table: CallerTable | undefined; type: string } {
  const type = id.getAttributeNS(THROTTLE_NS, 'type');
  if (!id.hasAttributeNS(THROTTLE_NS, 'type')) fail('Type of Throttle in the policy cannot be null');
  if (type === 'IP') return { table: (tables.ip ??= new CallerTable('IP')), type };
  if (type === 'DOMAIN') return { table: (tables.domain ??= new CallerTable('DOMAIN')), type };
  // ROLE is for the API gateway's role-based throttling; a mediator never consults it
  if (type === 'ROLE') return { table: undefined, type };
  return fail(`Unsupported throttle type : ${type}`);
}

function maxConcurrentOf(el: Element): number | undefined {
  const n = javaInt(textOf(el));
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** ThrottleFactory.buildThrottle */
function readMediatorAssertion(assertion: Element): ThrottlePolicy {
  const tables: Tables = { ip: undefined, domain: undefined };
  let maxConcurrent: number | undefined;
  const kids = childElements(assertion);
  if (kids.length === 0) fail("Empty the policy components as ThrottleAssertion's children");
  for (const k of kids) {
    if (isWsp(k, 'Policy')) {
      let rule: CallerRule | undefined;
      let table: CallerTable | undefined;
      let control: Element | undefined;
      for (const c of childElements(k)) {
        if (isWsp(c, 'Policy')) control = c;
        else if (c.namespaceURI === WSP_NS) continue;
        else {
          ({ table } = tableFor(tables, c));
          if (c.localName !== 'ID') fail('Undefined policy property for throttle - Expect ID  ');
          const value = textOf(c);
          if (value === '') fail('Value of ID cannot find - invalid configuration');
          rule = { id: value.trim(), state: 'control', maxCount: 0, unitTime: 0, prohibitTime: 0 };
        }
      }
      if (rule && control) {
        fillCaller(control, rule);
        table?.add(rule);
      }
    } else if (k.namespaceURI === WSP_NS) {
      continue; // wsp:All / wsp:ExactlyOne here are not read by Synapse either
    } else if (k.localName === 'MaximumConcurrentAccess') {
      maxConcurrent = maxConcurrentOf(k);
    } else {
      fail(`Invalid throttle policy configuration : unexpected policy element with name ${k.localName}`);
    }
  }
  return { maxConcurrent, ...tables };
}

/** ThrottleFactory.fillCallerConfiguration: Allow, Deny or Control. */
function fillCaller(policy: Element, rule: CallerRule): void {
  for (const c of childElements(policy)) {
    if (c.localName === 'Allow') rule.state = 'allow';
    else if (c.localName === 'Deny') rule.state = 'deny';
    else if (c.localName === 'Control') {
      rule.state = 'control';
      const inner = childElements(c);
      if (inner.length === 0 || !inner.every((p) => isWsp(p, 'Policy'))) fail('Invalid policy - Control Assertion must contain a wsp:Policy as child ');
      let sawCount = false;
      let sawUnit = false;
      for (const p of inner) {
        for (const a of childElements(p)) {
          const r = readLimit(a, rule);
          sawCount ||= r === 'count';
          sawUnit ||= r === 'unit';
        }
      }
      if (!sawCount && !sawUnit) fail('Maximum Count and UnitTime are Mandatory in Throttle Policy ');
      if (!sawUnit) fail('UnitTime is mandatory in a throttle:Control (Micro Integrator faults every request without it)');
    } else fail('Invalid Throttle Policy configuration');
  }
}

/** MaximumCount / UnitTime / ProhibitTimePeriod into the rule; says which one it read. */
function readLimit(a: Element, rule: CallerRule): 'count' | 'unit' | 'prohibit' {
  const name = a.localName;
  const value = textOf(a);
  if (value === '') {
    if (name !== 'ProhibitTimePeriod') fail('The policy which have  defined as optional should have value ');
    return 'prohibit';
  }
  if (name === 'MaximumCount') {
    const n = javaInt(value);
    // Synapse: an unreadable count logs an error and lets every request through
    if (!Number.isFinite(n) || n < 0) rule.state = 'allow';
    else rule.maxCount = n;
    return 'count';
  }
  if (name === 'UnitTime') {
    const n = javaInt(value);
    if (!Number.isFinite(n) || n <= 0) fail('Unit Time cannot find - invalid throttle policy configuration');
    rule.unitTime = n;
    return 'unit';
  }
  if (name === 'ProhibitTimePeriod') {
    const n = javaInt(value);
    if (Number.isFinite(n) && n >= 0) rule.prohibitTime = n;
    return 'prohibit';
  }
  return fail('Undefined Policy property for Throttle Policy');
}

/** ThrottlePolicyProcessor (the older form): wsp:All per caller, MaximumConcurrentAccess beside them. */
function readLegacy(assertion: Element): ThrottlePolicy {
  const tables: Tables = { ip: undefined, domain: undefined };
  let maxConcurrent: number | undefined;
  const kids = childElements(assertion);
  if (kids.length === 0) fail("Empty the policy components as ThrottleAssertion's children");
  for (const k of kids) {
    if (isWsp(k, 'All')) {
      let rule: CallerRule | undefined;
      let table: CallerTable | undefined;
      let choice: Element | undefined;
      for (const c of childElements(k)) {
        if (isWsp(c, 'ExactlyOne')) choice = c;
        else if (c.namespaceURI === WSP_NS) continue;
        else {
          ({ table } = tableFor(tables, c));
          if (c.localName !== 'ID') fail('Undefined pocilcy property for throttle - Expect ID  ');
          const value = textOf(c);
          if (value === '') fail('Value of ID cannot find - invalid configuration');
          rule = { id: value.trim(), state: 'control', maxCount: 0, unitTime: 0, prohibitTime: 0 };
        }
      }
      if (!rule) return fail('ID and one of Valid Control policy component are Mandatory in Throttle Policy');
      let chosen = false;
      for (const alt of choice ? childElements(choice) : []) {
        if (isWsp(alt, 'All')) {
          let sawCount = false;
          let sawUnit = false;
          for (const a of childElements(alt)) {
            const r = readLimit(a, rule);
            sawCount ||= r === 'count';
            sawUnit ||= r === 'unit';
          }
          if (!sawCount || !sawUnit) fail('Maximum Count and UnitTime are Mandatory in Throttle Policy ');
          chosen = true;
        } else if (alt.localName === 'IsAllow') {
          const v = textOf(alt);
          if (v === 'true') rule.state = 'allow';
          else if (v === 'false') rule.state = 'deny';
          else fail('Value for isAllow  component is invalied');
          chosen = true;
        } else if (alt.namespaceURI !== WSP_NS) fail('Invalied Throttle Policy configuration');
        if (chosen) break; // the first alternative is the one Synapse takes
      }
      if (!chosen) fail('ID and one of Valid Control policy component are Mandatory in Throttle Policy');
      table?.add(rule);
    } else if (k.localName === 'MaximumConcurrentAccess') {
      maxConcurrent = maxConcurrentOf(k);
    } else if (k.namespaceURI !== WSP_NS) {
      fail('Invalied Throttle Policy configuration');
    }
  }
  return { maxConcurrent, ...tables };
}
