import assert from 'node:assert/strict';
import { EndpointError } from '../../src/endpoints/endpoint.js';
import { emptyDeployment } from '../../src/runtime.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { closedPort, endpoint, parse, rejection, startBackend } from './helpers.js';

describe('indirect endpoint', () => {
  it('resolves the key when sending, and records the reference for dangling-key checks', async () => {
    const backend = await startBackend((_req, res) => res.end('named'));
    const named = endpoint(`<endpoint name="RealService"><address uri="${backend.url}/real"/></endpoint>`);
    const { ep, ctx } = parse('<endpoint key="RealService"/>');
    assert.ok(ep);
    assert.deepEqual(ep.refs, ['RealService']);
    assert.deepEqual(
      ctx.refs.map((r) => [r.kind, r.key, r.line]),
      [['endpoint', 'RealService', 1]],
    );
    const rt = testRuntime();
    rt.activate({ ...emptyDeployment(), endpoints: new Map([['RealService', named]]) });
    try {
      const mc = testMessage(rt, { body: '<a/>', contentType: 'application/xml' });
      await ep.send(mc);
      assert.equal(backend.seen[0]!.url, '/real');
      await mc.payload.load();
      assert.equal(mc.payload.text(), 'named');
    } finally {
      await rt.destroy();
      await backend.close();
    }
  });

  it('fails with 305100 when no endpoint has the key', async () => {
    const { ep } = parse('<endpoint key="Nowhere"/>');
    const err = await rejection(() => ep!.send(testMessage(testRuntime())));
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 305100);
    assert.match(err.message, /Nowhere/);
  });

  it('key-expression picks the endpoint per message', async () => {
    const backend = await startBackend((_req, res) => res.end());
    const rt = testRuntime();
    rt.activate({ ...emptyDeployment(), endpoints: new Map([['EpB', endpoint(`<endpoint name="EpB"><address uri="${backend.url}/b"/></endpoint>`)]]) });
    const { ep } = parse('<endpoint key-expression="$ctx:target"/>');
    try {
      const mc = testMessage(rt);
      mc.setProperty('target', 'EpB');
      await ep!.send(mc);
      assert.equal(backend.seen[0]!.url, '/b');
    } finally {
      await rt.destroy();
      await backend.close();
    }
  });

  it('stops a cycle of references (A -> B -> A) with 305100 instead of recursing forever', async () => {
    const rt = testRuntime();
    rt.activate({ ...emptyDeployment(), endpoints: new Map([['A', endpoint('<endpoint name="A" key="B"/>')], ['B', endpoint('<endpoint name="B" key="A"/>')]]) });
    try {
      const { ep } = parse('<endpoint key="A"/>');
      const err = await rejection(() => ep!.send(testMessage(rt)));
      assert.ok(err instanceof EndpointError);
      assert.equal(err.synapseCode, 305100);
      assert.match(err.message, /references form a cycle/);
    } finally {
      await rt.destroy();
    }
  });

  it('stops a cycle that passes through a failover whose first child fails, where each round trip waits on the network', async function () {
    this.timeout(20_000);
    const dead = await closedPort();
    // a refused connection neither suspends this child nor marks it: every round of the cycle tries it again
    const neverSuspended = '<suspendOnFailure><errorCodes>101508</errorCodes></suspendOnFailure><markForSuspension><errorCodes>101508</errorCodes></markForSuspension>';
    const failover = `<endpoint name="F"><failover><endpoint><address uri="http://127.0.0.1:${dead}/down">${neverSuspended}</address></endpoint><endpoint key="A"/></failover></endpoint>`;
    const rt = testRuntime();
    rt.activate({ ...emptyDeployment(), endpoints: new Map([['F', endpoint(failover)], ['A', endpoint('<endpoint name="A" key="F"/>')]]) });
    try {
      const { ep } = parse('<endpoint key="A"/>');
      const err = await rejection(() => ep!.send(testMessage(rt, { body: '<a/>', contentType: 'application/xml' })));
      assert.ok(err instanceof EndpointError, `an endpoint error, not ${String(err)}`);
    } finally {
      await rt.destroy();
    }
  });
});
