import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Payload } from '../../src/context/payload.js';
import { EndpointError } from '../../src/endpoints/endpoint.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { closedPort, endpoint, rejection, startBackend, type Backend } from './helpers.js';

describe('failover endpoint', () => {
  let backend: Backend;
  before(async () => {
    backend = await startBackend((_req, res, body) => res.end('second got ' + body.toString()));
  });
  after(() => backend.close());

  it('sends to the second endpoint when the first is down, resending the whole body', async () => {
    const down = await closedPort();
    const ep = endpoint(
      `<endpoint name="FO"><failover>` +
        `<endpoint name="Primary"><address uri="http://127.0.0.1:${down}/p"/></endpoint>` +
        `<endpoint name="Backup"><address uri="${backend.url}/b"/></endpoint>` +
        `</failover></endpoint>`,
    );
    const rt = testRuntime();
    try {
      // the request body is an unread stream: failover must still be able to send it twice
      const mc = testMessage(rt, { contentType: 'text/plain' });
      mc.payload = new Payload('text/plain', Readable.from([Buffer.from('hello '), Buffer.from('world')]), { maxBodyBytes: 1 << 20, maxXmlDepth: 100 });
      await ep.send(mc);
      await mc.payload.load();
      assert.equal(mc.payload.text(), 'second got hello world');

      // the primary is now suspended: the next message goes straight to the backup
      const before = backend.seen.length;
      const mc2 = testMessage(rt, { body: 'again', contentType: 'text/plain' });
      await ep.send(mc2);
      assert.equal(backend.seen.length, before + 1);
      assert.equal(rt.logLines.filter((l) => /Suspending endpoint : Primary/.test(l.message)).length, 1, 'the suspended primary was not tried again');
    } finally {
      await ep.close!();
    }
  });

  it('leaves the last child\'s error (101503) when every child fails, and logs that no child is ready', async () => {
    const [a, b] = [await closedPort(), await closedPort()];
    const ep = endpoint(
      `<endpoint name="AllDown"><failover>` +
        `<endpoint><address uri="http://127.0.0.1:${a}/"/></endpoint>` +
        `<endpoint><address uri="http://127.0.0.1:${b}/"/></endpoint>` +
        `</failover></endpoint>`,
    );
    const rt = testRuntime();
    const err = await rejection(() => ep.send(testMessage(rt, { body: 'x', contentType: 'text/plain' })));
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 101503);
    assert.equal(err.fault.message, 'Error connecting to the back end');
    assert.ok(rt.logLines.some((l) => l.level === 'WARN' && l.message === 'Failover endpoint : AllDown - no ready child endpoints'));
    // both children are suspended now: no child is tried, so the failover's own 303000 stands
    const again = await rejection(() => ep.send(testMessage(rt, { body: 'x', contentType: 'text/plain' })));
    assert.ok(again instanceof EndpointError);
    assert.equal(again.synapseCode, 303000);
    assert.equal(again.fault.message, 'Failover endpoint : AllDown - no ready child endpoints');
    await ep.close!();
  });

  it('does not fail over on an error code the child lists in retryConfig disabledErrorCodes', async () => {
    const down = await closedPort();
    const ep = endpoint(
      `<endpoint><failover>` +
        `<endpoint><address uri="http://127.0.0.1:${down}/"><retryConfig><disabledErrorCodes>101503</disabledErrorCodes></retryConfig></address></endpoint>` +
        `<endpoint><address uri="${backend.url}/b"/></endpoint>` +
        `</failover></endpoint>`,
    );
    const before = backend.seen.length;
    const err = await rejection(() => ep.send(testMessage(testRuntime(), { body: 'x', contentType: 'text/plain' })));
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 101503);
    assert.equal(backend.seen.length, before);
    await ep.close!();
  });
});
