import assert from 'node:assert/strict';
import type { Reply } from '../../../src/context/message-context.js';
import { AccessPhase } from '../../../src/security/policies/access-phase.js';
import type { AccessPolicy, AccessServices } from '../../../src/security/policies/access-policy.js';
import { ACCESS_POLICIES, policyForHandlerClass } from '../../../src/security/policies/registry.js';
import { testMessage, testRuntime } from '../../helpers/message.js';

const refusal = (status: number): Reply => ({ status, headers: {}, body: undefined });

function policy(name: string, priority: number, seen: string[], verdict?: Reply, async = false): AccessPolicy {
  return {
    name,
    priority,
    check() {
      seen.push(name);
      return async ? Promise.resolve(verdict) : verdict;
    },
  };
}

describe('access phase', () => {
  const rt = testRuntime();
  const services: AccessServices = rt;

  it('is null for a route with no policy, so an open route pays nothing', () => {
    assert.equal(AccessPhase.of([]), null);
    assert.equal(AccessPhase.of([], []), null);
  });

  it('runs policies by priority, highest first, and stops at the first refusal', () => {
    const seen: string[] = [];
    const phase = AccessPhase.of([policy('low', 10, seen), policy('high', 30, seen, refusal(401)), policy('mid', 20, seen)])!;
    const v = phase.check(testMessage(rt), services);
    assert.deepEqual(v, refusal(401));
    assert.deepEqual(seen, ['high']);
  });

  it('stays synchronous while every policy answers synchronously, and admits with undefined', () => {
    const seen: string[] = [];
    const phase = AccessPhase.of([policy('a', 2, seen), policy('b', 1, seen)])!;
    assert.equal(phase.check(testMessage(rt), services), undefined);
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('waits for an asynchronous policy and goes on after it admits', async () => {
    const seen: string[] = [];
    const phase = AccessPhase.of([policy('a', 3, seen, undefined, true), policy('b', 2, seen, refusal(403))])!;
    const v = phase.check(testMessage(rt), services);
    assert.ok(v instanceof Promise);
    assert.deepEqual(await v, refusal(403));
    assert.deepEqual(seen, ['a', 'b']);
  });

  it("lets a resource's policy replace the API's policy of the same name", () => {
    const seen: string[] = [];
    const phase = AccessPhase.of([policy('basic_auth', 2000, seen, refusal(401)), policy('https', 3000, seen)], [policy('basic_auth', 2000, seen)])!;
    assert.equal(phase.check(testMessage(rt), services), undefined);
    assert.deepEqual(phase.policies.map((p) => p.name), ['https', 'basic_auth']);
  });

  it('has one registry with unique names, and knows RESTBasicAuthHandler by its Micro Integrator class name', () => {
    const names = ACCESS_POLICIES.map((d) => d.name);
    assert.equal(new Set(names).size, names.length);
    assert.equal(policyForHandlerClass('org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler')?.name, 'basic_auth');
    assert.equal(policyForHandlerClass('com.example.Other'), undefined);
  });
});
