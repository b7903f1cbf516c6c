/**
 * SIGTERM stops a real `mi start` process within the grace period (plus the 2 s for closing) even while
 * requests hold it: one waits on a backend that never answers, one makes XPath walk the largest message
 * the budgets accept. A signal is handled between two steps of work, so the XPath step (bounded by the
 * budgets, measured here first) may add its own duration.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { makeHome, startMi } from '../helpers/process.js';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const GRACE_MS = 1000;
const MARGIN_MS = 2000;

describe('mi start on SIGTERM', function () {
  this.timeout(60_000);

  it('exits within grace period + margin while a backend never answers and XPath walks a large message', async () => {
    const received: http.IncomingMessage[] = [];
    const silent = http.createServer((req) => received.push(req)); // accepts, never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const home = makeHome(
      {
        // a named endpoint: closing its connection pool on shutdown waits for the request in flight
        'endpoints/Never.xml': `<endpoint ${SYN} name="Never"><address uri="http://127.0.0.1:${port}/never"><timeout><duration>120000</duration></timeout></address></endpoint>`,
        'api/Hold.xml': `<api ${SYN} name="Hold" context="/hold">
          <resource methods="GET" uri-template="/backend"><inSequence>
            <call><endpoint key="Never"/></call>
            <respond/></inSequence></resource>
          <resource methods="POST" uri-template="/xpath"><inSequence>
            <payloadFactory media-type="json"><format>{"n":$1}</format><args><arg expression="count(//*[not(*)])"/></args></payloadFactory>
            <respond/></inSequence></resource>
        </api>`,
      },
      { 'deployment.toml': `[server]\nhot_deployment = false\nshutdown_grace_period = ${GRACE_MS}\nmax_xml_elements = 10000\nmax_xml_nodes = 20000\n` },
    );
    const mi = await startMi(home);
    try {
      // the largest message the budgets let through: 9999 leaf elements (and their text) under one root
      const big = `<r>${'<a>x</a>'.repeat(9999)}</r>`;
      const s0 = Date.now();
      const alone = await fetch(`${mi.url}/hold/xpath`, { method: 'POST', body: big, headers: { 'content-type': 'application/xml' } });
      assert.equal(await alone.text(), '{"n":9999}');
      const step = Date.now() - s0;
      const held = fetch(`${mi.url}/hold/backend`).then(
        (r) => r.status,
        () => 'connection closed',
      );
      const busy = fetch(`${mi.url}/hold/xpath`, { method: 'POST', body: big, headers: { 'content-type': 'application/xml' } }).then(
        (r) => r.status,
        () => 'connection closed',
      );
      const t0 = Date.now();
      while (received.length === 0) {
        assert.ok(Date.now() - t0 < 20_000, 'the backend call never left');
        await new Promise((r) => setTimeout(r, 20));
      }
      const exited = new Promise<number | null>((r) => mi.child.once('exit', (c) => r(c)));
      const signalled = Date.now();
      mi.child.kill('SIGTERM');
      const code = await exited;
      const took = Date.now() - signalled;
      assert.ok(took < GRACE_MS + MARGIN_MS + step + 2000, `exited ${took} ms after SIGTERM (the XPath step alone took ${step} ms)`);
      assert.ok(took >= GRACE_MS, `exited after ${took} ms, before the grace period was over`);
      assert.equal(code, 1, mi.output());
      assert.match(mi.output(), /SIGTERM received, draining/);
      assert.match(mi.output(), /exiting with 1 request\(s\) unfinished/);
      assert.equal(await held, 'connection closed');
      // the XPath request was answered before the process went (its walk is bounded by the budgets)
      assert.equal(await busy, 200);
    } finally {
      mi.child.kill('SIGKILL');
      for (const r of received) r.socket.destroy();
      silent.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
