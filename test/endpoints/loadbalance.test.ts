import assert from 'node:assert/strict';
import { EndpointError } from '../../src/endpoints/endpoint.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { closedPort, endpoint, rejection, startBackend, type Backend } from './helpers.js';

describe('loadbalance endpoint', () => {
  let a: Backend;
  let b: Backend;
  before(async () => {
    a = await startBackend((_req, res) => res.end('a'));
    b = await startBackend((_req, res) => res.end('b'));
  });
  after(async () => {
    await a.close();
    await b.close();
  });

  async function answers(ep: ReturnType<typeof endpoint>, n: number): Promise<string[]> {
    const rt = testRuntime();
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const mc = testMessage(rt, { body: 'x', contentType: 'text/plain' });
      await ep.send(mc);
      await mc.payload.load();
      out.push(mc.payload.text());
    }
    return out;
  }

  it('alternates between its members (round robin)', async () => {
    const ep = endpoint(
      `<endpoint><loadbalance algorithm="org.apache.synapse.endpoints.algorithms.RoundRobin">` +
        `<endpoint><address uri="${a.url}/"/></endpoint><endpoint><address uri="${b.url}/"/></endpoint>` +
        `</loadbalance></endpoint>`,
    );
    try {
      assert.deepEqual(await answers(ep, 4), ['a', 'b', 'a', 'b']);
    } finally {
      await ep.close!();
    }
  });

  it('sends a failed member\'s message to the next member, and skips the member while it is suspended', async () => {
    const down = await closedPort();
    const ep = endpoint(
      `<endpoint><loadbalance>` +
        `<endpoint><address uri="http://127.0.0.1:${down}/"/></endpoint><endpoint><address uri="${b.url}/"/></endpoint>` +
        `</loadbalance></endpoint>`,
    );
    try {
      assert.deepEqual(await answers(ep, 3), ['b', 'b', 'b']);
    } finally {
      await ep.close!();
    }
  });

  it('failover="false" reports the member\'s own error', async () => {
    const down = await closedPort();
    const ep = endpoint(
      `<endpoint><loadbalance failover="false">` +
        `<endpoint><address uri="http://127.0.0.1:${down}/"/></endpoint><endpoint><address uri="${b.url}/"/></endpoint>` +
        `</loadbalance></endpoint>`,
    );
    const err = await rejection(() => ep.send(testMessage(testRuntime(), { body: 'x', contentType: 'text/plain' })));
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 101503);
    await ep.close!();
  });
});
