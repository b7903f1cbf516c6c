/**
 * The deploy-time flag and the sequencing loop behind hashicorp:vault-lookup: only mediators whose own
 * expressions call it get a prefetch step, runList() awaits that step before mediate(), and a list without
 * one (or whose values are all cached) stays synchronous.
 */
import assert from 'node:assert/strict';
import { parseArtifactText } from '../../src/artifacts/loader.js';
import type { Sequence } from '../../src/mediators/sequence.js';
import { MediatorRegistry } from '../../src/mediators/registry.js';
import { runList, type Mediator } from '../../src/mediators/mediator.js';
import type { MessageContext } from '../../src/context/message-context.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { SYN } from './fixtures.js';

function step(name: string, trace: string[], prefetch?: Mediator['prefetch']): Mediator {
  return { tag: name, contentAware: false, mediate: () => (trace.push(name), true), prefetch };
}

describe('external lookup prefetch', () => {
  it('is attached at deploy time only to the mediators whose own expressions call hashicorp:vault-lookup', () => {
    const parsed = parseArtifactText(
      'seq.xml',
      `<sequence ${SYN} name="S">
        <property name="a" expression="hashicorp:vault-lookup('secret/app', 'password')"/>
        <property name="b" expression="wso2:vault-lookup('x', 'ENV', 'false')"/>
        <filter source="$ctx:a" regex="x"><then><property name="c" expression="fn:concat('p:', hashicorp:vault-lookup('secret/app', 'user'))"/></then></filter>
        <log level="custom"><property name="d" expression="$ctx:a"/></log>
      </sequence>`,
      new MediatorRegistry(),
    );
    assert.deepEqual(parsed.diagnostics, []);
    const list = (parsed.artifacts[0]!.artifact as { sequence: Sequence }).sequence.list;
    assert.deepEqual(list.map((m) => [m.tag, typeof m.prefetch]), [
      ['property', 'function'],
      ['property', 'undefined'],
      ['filter', 'undefined'],
      ['log', 'undefined'],
    ]);
    const inner = (list[2] as unknown as { then: Mediator[] }).then;
    assert.equal(typeof inner[0]!.prefetch, 'function', 'the property inside the filter has its own');
  });

  it('runList stays synchronous when no prefetch has anything to fetch', () => {
    const trace: string[] = [];
    const mc = testMessage(testRuntime()) as MessageContext;
    const r = runList([step('a', trace), step('b', trace, () => undefined), step('c', trace)], mc);
    assert.equal(r, true);
    assert.deepEqual(trace, ['a', 'b', 'c']);
  });

  it('runList awaits the prefetch before the mediator, once, then carries on', async () => {
    const trace: string[] = [];
    const mc = testMessage(testRuntime()) as MessageContext;
    let calls = 0;
    const prefetch = (): Promise<void> => {
      calls++;
      return new Promise((resolve) => setTimeout(() => (trace.push('fetched'), resolve()), 10));
    };
    const r = runList([step('a', trace), step('b', trace, prefetch), step('c', trace)], mc);
    assert.ok(r instanceof Promise);
    assert.equal(await r, true);
    assert.deepEqual(trace, ['a', 'fetched', 'b', 'c']);
    assert.equal(calls, 1);
  });

  it('a failed prefetch rejects the list (the flow turns it into a fault) and the mediator does not run', async () => {
    const trace: string[] = [];
    const mc = testMessage(testRuntime()) as MessageContext;
    const r = runList([step('b', trace, () => Promise.reject(new Error('vault down'))), step('c', trace)], mc);
    await assert.rejects(r as Promise<boolean>, /vault down/);
    assert.deepEqual(trace, []);
  });
});
