import assert from 'node:assert/strict';
import type { MessageContext, Reply } from '../../src/context/message-context.js';
import { HookChain } from '../../src/handlers/hook-chain.js';
import type { Extension } from '../../src/handlers/instantiate.js';
import { runOnReply } from '../../src/handlers/reply-view.js';

const ext = (instance: object, spec = 'extensions/x.ts'): Extension<object> => ({ spec, instance, module: undefined });

/** The little of a MessageContext the chain touches when every hook returns true. */
function fakeMc(): MessageContext {
  const runtime = { config: { toml: {} }, extensionSettings: { timeoutMs: 30_000 } };
  return { runtime, reply: undefined, payload: { isReady: true }, headers: new Map(), axis2: new Map(), isResponse: false } as unknown as MessageContext;
}

describe('HookChain', () => {
  it('is undefined when no handler implements the hook (nothing to pay per request)', () => {
    assert.equal(HookChain.of('API X', 'handleResponse', 'log', [ext({ handleRequest: () => true })]), undefined);
  });

  it('stays synchronous with synchronous handlers: run() returns the boolean itself, no Promise', () => {
    const seen: number[] = [];
    const chain = HookChain.of('API X', 'handleRequest', 'log', [ext({ handleRequest: () => seen.push(1) > 0 }), ext({ handleRequest: () => seen.push(2) > 0 })])!;
    const r = chain.run(fakeMc());
    assert.equal(r, true);
    assert.deepEqual(seen, [1, 2]);
  });

  it('becomes asynchronous only from the first handler that returns a Promise, keeping the order', async () => {
    const seen: number[] = [];
    const chain = HookChain.of('API X', 'handleRequest', 'log', [
      ext({ handleRequest: () => seen.push(1) > 0 }),
      ext({ handleRequest: async () => seen.push(2) > 0 }),
      ext({ handleRequest: () => seen.push(3) > 0 }),
    ])!;
    const r = chain.run(fakeMc());
    assert.ok(r instanceof Promise);
    assert.deepEqual(seen, [1, 2]);
    assert.equal(await r, true);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('changes a built reply in place, synchronously, when response hooks are synchronous', () => {
    const mc = fakeMc();
    const reply: Reply = { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '2' }, body: Buffer.from('ok') };
    (mc as { reply: Reply }).reply = reply;
    const chain = HookChain.of('API X', 'handleResponse', 'log', [
      ext({
        handleResponse: (m: MessageContext) => {
          m.headers.set('x-added', 'yes');
          m.axis2.set('HTTP_SC', 201);
          return true;
        },
      }),
    ])!;
    assert.equal(runOnReply(mc, chain), undefined);
    assert.equal(mc.reply, reply);
    assert.equal(reply.status, 201);
    assert.deepEqual(reply.headers, { 'content-type': 'text/plain', 'x-added': 'yes', 'content-length': '2' });
    assert.equal(mc.axis2.has('HTTP_SC'), false, 'the message is left as it was');
  });
});
