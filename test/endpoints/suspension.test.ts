import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_DEFINITION, type EndpointDefinition } from '../../src/endpoints/definition.js';
import { EndpointError } from '../../src/endpoints/endpoint.js';
import { EndpointState } from '../../src/endpoints/endpoint-state.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { closedPort, endpoint, parse, rejection, startBackend } from './helpers.js';

const REAL_SERVICE = '/work/shared/bench/scenarios/endpoints/RealService.xml';

function code(err: unknown): number {
  assert.ok(err instanceof EndpointError, `expected an EndpointError, got ${String(err)}`);
  return err.synapseCode;
}

describe('endpoint suspension', () => {
  it('suspends after a failure, fails fast with 303001 without calling the backend, and recovers after the suspension time', async () => {
    let mode: 'hang' | 'ok' = 'hang';
    const backend = await startBackend((_req, res) => {
      if (mode === 'ok') res.end('fine');
    });
    const ep = endpoint(
      `<endpoint name="Flaky"><address uri="${backend.url}/s">` +
        '<timeout><duration>200</duration></timeout>' +
        '<suspendOnFailure><initialDuration>400</initialDuration><progressionFactor>2</progressionFactor></suspendOnFailure>' +
        '</address></endpoint>',
    );
    const rt = testRuntime();
    const msg = () => testMessage(rt, { body: '<a/>', contentType: 'application/xml' });
    try {
      assert.equal(code(await rejection(() => ep.send(msg()))), 101504);
      assert.equal(backend.seen.length, 1);
      assert.equal(ep.ready!(msg()), false);

      const err = await rejection(() => ep.send(msg()));
      assert.equal(code(err), 303001);
      assert.match((err as Error).message, /Name : Flaky.*SUSPENDED/);
      assert.equal(backend.seen.length, 1, 'a suspended endpoint does not call the backend');

      const warn = rt.logLines.find((l) => l.level === 'WARN' && l.name === 'org.apache.synapse.endpoints.EndpointContext');
      assert.ok(warn, 'the suspension is logged');
      assert.match(warn.message, /Suspending endpoint : Flaky with address http:\/\/127\.0\.0\.1:\d+\/s with error code : 101504 - current suspend duration is : 400ms/);

      mode = 'ok';
      await new Promise((r) => setTimeout(r, 450));
      const mc = msg();
      await ep.send(mc);
      assert.equal(mc.axis2.get('HTTP_SC'), 200);
      assert.equal(backend.seen.length, 2);
      assert.ok(rt.logLines.some((l) => /will now be marked active/.test(l.message)));
      // back to ACTIVE: the next message goes through as well
      await ep.send(msg());
      assert.equal(backend.seen.length, 3);
    } finally {
      await backend.close();
    }
  });

  it('markForSuspension: retries the backend retriesBeforeSuspension more times before suspending', async () => {
    const backend = await startBackend((req) => req.socket.destroy()); // closes the connection before answering: 101505 + REQUEST_DONE (3)
    const ep = endpoint(
      `<endpoint name="Marked"><address uri="${backend.url}/m">` +
        '<markForSuspension><errorCodes>101508</errorCodes><retriesBeforeSuspension>2</retriesBeforeSuspension><retryDelay>0</retryDelay></markForSuspension>' +
        '<suspendOnFailure><initialDuration>60000</initialDuration></suspendOnFailure>' +
        '</address></endpoint>',
    );
    const rt = testRuntime();
    const msg = () => testMessage(rt, { body: '<a/>', contentType: 'application/xml' });
    try {
      for (let i = 1; i <= 3; i++) {
        assert.equal(code(await rejection(() => ep.send(msg()))), 101508, `attempt ${i} reaches the backend`);
        assert.equal(backend.seen.length, i);
      }
      assert.equal(code(await rejection(() => ep.send(msg()))), 303001);
      assert.equal(backend.seen.length, 3);
      assert.equal(rt.logLines.filter((l) => /marked as TIMEOUT/.test(l.message)).length, 2);
    } finally {
      await backend.close();
    }
  });

  it('a failure whose code is not listed in suspendOnFailure leaves the endpoint active', async () => {
    const port = await closedPort();
    const ep = endpoint(
      `<endpoint><address uri="http://127.0.0.1:${port}/x"><suspendOnFailure><errorCodes>101504</errorCodes></suspendOnFailure></address></endpoint>`,
    );
    const rt = testRuntime();
    for (let i = 0; i < 2; i++) assert.equal(code(await rejection(() => ep.send(testMessage(rt)))), 101503);
    assert.equal(rt.logLines.length, 0);
  });

  it('the bench RealService artifact parses, and its -1 error code lists mean the endpoint never suspends', async () => {
    const xml = readFileSync(REAL_SERVICE, 'utf8');
    const { ep, ctx } = parse(xml, 'RealService.xml');
    assert.deepEqual(ctx.diagnostics, []);
    assert.equal(ep?.name, 'RealService');
    assert.equal(ep?.address, 'http://netty:8688/service/EchoService');

    const port = await closedPort();
    const local = endpoint(xml.replace('http://netty:8688', `http://127.0.0.1:${port}`));
    const rt = testRuntime();
    for (let i = 0; i < 3; i++) assert.equal(code(await rejection(() => local.send(testMessage(rt)))), 101503);
    assert.equal(rt.logLines.filter((l) => l.level === 'WARN').length, 0);
  });
});

describe('endpoint state', () => {
  const def = (d: Partial<EndpointDefinition>): EndpointDefinition => ({ ...DEFAULT_DEFINITION, ...d });
  const log = memoryLoggerFactory().get('x');

  it('grows the suspension geometrically up to maximumDuration and resets on success', () => {
    let now = 1_000;
    const s = new EndpointState(def({ initialDurationMs: 100, progressionFactor: 3, maximumDurationMs: 500 }), 'E', () => now);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      s.onFailure(101503, log);
      const start = now;
      while (!s.readyToSend()) now += 10;
      waits.push(now - start);
    }
    assert.deepEqual(waits, [100, 300, 500, 500]);
    s.onSuccess(log);
    assert.equal(s.current, 'ACTIVE');
    s.onFailure(101503, log);
    const start = now;
    while (!s.readyToSend()) now += 10;
    assert.equal(now - start, 100, 'after a success the progression starts again');
  });

  it('defaults as Synapse: any error suspends for 30 s; timeouts are marked first but with no retries suspend at once', () => {
    let now = 0;
    const s = new EndpointState(DEFAULT_DEFINITION, 'E', () => now);
    s.onFailure(101504, log);
    assert.equal(s.current, 'SUSPENDED');
    now = 29_999;
    assert.equal(s.readyToSend(), false);
    now = 30_000;
    assert.equal(s.readyToSend(), true);
  });
});
