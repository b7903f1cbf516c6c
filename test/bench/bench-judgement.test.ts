/**
 * How `npm run bench` turns measurements into its summary table: medians of repeats, the ratio and bound
 * checks, what a missing measurement or an install that failed becomes, and the exit status. The numbers
 * are made up; nothing here is timed.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { atMost, exitCode, info, median, noFailures, ratioAtLeast, ratioAtMost, rssFlat, skip, summaryTable } from '../../bench/judge.js';
import { parseAb } from '../../bench/ab.js';
import { GRID_RATIOS } from '../../bench/groups/grid.js';
import { SECURITY_RATIOS } from '../../bench/groups/security.js';
import { MI_450_DIRECT_PROXY_1KB } from '../../bench/groups/latency.js';
import { ensureNodeRed } from '../../bench/groups/nodered.js';

describe('bench: judgement and summary', () => {
  it('summarises repeats by their median, ignoring cells that produced no number', () => {
    assert.equal(median([210, 190, 400]), 210);
    assert.equal(median([100, 120]), 110);
    assert.equal(median([NaN, 150, Infinity]), 150);
    assert.ok(Number.isNaN(median([])));
  });

  it('passes a CPU-per-request ratio at or under its target and fails one over it', () => {
    const ok = ratioAtMost('grid', 'DirectProxy / undici', 230, 200, 1.15);
    assert.equal(ok.verdict, 'PASS');
    assert.equal(ok.measured, '1.15x (230.0 / 200.0)');
    assert.equal(ok.target, '<= 1.15x');
    assert.equal(ratioAtMost('grid', 'DirectProxy / undici', 231, 200, 1.15).verdict, 'FAIL');
  });

  it('fails a check whose measurement is missing, saying why, rather than passing it', () => {
    const c = ratioAtMost('grid', 'CBRProxy / DirectProxy', NaN, 200, 1.3, 'HTTP 500 from CBRProxy');
    assert.equal(c.verdict, 'FAIL');
    assert.equal(c.measured, 'n/a');
    assert.equal(c.note, 'HTTP 500 from CBRProxy');
    assert.equal(ratioAtLeast('nodered', 'x', 4000, 0, 8).verdict, 'FAIL', 'nothing completed on the other side: no ratio');
    assert.equal(atMost('startup', 'hot deploy', NaN, 1, 's', 2, 'not serving after 10 s').verdict, 'FAIL');
  });

  it('judges throughput ratios from below (Node-RED, workers)', () => {
    assert.equal(ratioAtLeast('nodered', 'DirectProxy / Node-RED', 8000, 1000, 8).verdict, 'PASS');
    assert.equal(ratioAtLeast('workers', 'workers 2 / 1', 1690, 1000, 1.7).verdict, 'FAIL');
  });

  it('bounds start-up time and memory', () => {
    assert.equal(atMost('startup', 'ready', 2.4, 3, 's', 2).verdict, 'PASS');
    assert.equal(atMost('startup', 'ready', 3.01, 3, 's', 2).verdict, 'FAIL');
    assert.equal(atMost('startup', 'RSS', 180, 200, 'MB').measured, '180 MB');
  });

  it('calls RSS flat when it settles and not when it grows with the traffic', () => {
    const MB = 1048576;
    const flat = rssFlat('size', 'RSS', 150 * MB, 158 * MB, 20);
    assert.equal(flat.verdict, 'PASS');
    assert.equal(flat.measured, '150 -> 158 MB (+8.0)');
    assert.equal(rssFlat('size', 'RSS', 150 * MB, 140 * MB, 20).verdict, 'PASS', 'shrinking is flat');
    assert.equal(rssFlat('size', 'RSS', 150 * MB, 260 * MB, 20).verdict, 'FAIL');
  });

  it('fails any failed request at 1000 connections, and a cell with no requests at all', () => {
    assert.equal(noFailures('latency', '1000 connections', 0, 81234).verdict, 'PASS');
    assert.equal(noFailures('latency', '1000 connections', 3, 81234).verdict, 'FAIL');
    assert.equal(noFailures('latency', '1000 connections', 0, 0).verdict, 'FAIL');
  });

  it('prints one line per check, the reason under a skipped one, and the counts', () => {
    const table = summaryTable([
      ratioAtMost('grid', 'DirectProxy / undici', 220, 200, 1.15),
      skip('nodered', 'DirectProxy / Node-RED', '>= 8.00x', 'npm install of node-red failed (exit 1): E404'),
      info('latency', 'DirectProxy p99, 200 connections', '41.0 ms', 'MI 4.5.0: p99 55 ms'),
    ]);
    const lines = table.split('\n');
    assert.match(lines[0]!, /^group\s+scenario\s+measured\s+target\s+result$/);
    assert.match(lines[2]!, /^grid\s+DirectProxy \/ undici\s+1\.10x \(220\.0 \/ 200\.0\)\s+<= 1\.15x\s+PASS$/);
    assert.match(lines[3]!, /SKIP$/);
    assert.match(lines[4]!, /skipped: npm install of node-red failed \(exit 1\): E404/);
    assert.match(lines[5]!, /MI 4\.5\.0: p99 55 ms\s+INFO$/);
    assert.equal(lines.at(-1), '1 PASS, 0 FAIL, 1 SKIP, 1 INFO');
  });

  it('exits 1 for a broken scenario always, and for a failed check only with STRICT', () => {
    const over = [ratioAtMost('grid', 'DirectProxy / undici', 300, 200, 1.15)];
    assert.equal(exitCode(over, 0, false), 0);
    assert.equal(exitCode(over, 0, true), 1);
    assert.equal(exitCode([], 1, false), 1);
    assert.equal(exitCode([skip('nodered', 'x', '', 'no npm')], 0, true), 0, 'a skip is not a failure');
  });

  it("holds the issue's targets and Micro Integrator 4.5.0's published DirectProxy p99", () => {
    const max = (label: string) => GRID_RATIOS.find((s) => s.label === label)?.max;
    assert.equal(max('DirectProxy / undici'), 1.15);
    assert.equal(max('CBRTransportHeaderProxy / DirectProxy'), 1.05);
    assert.equal(max('CBRProxy / DirectProxy'), 1.3);
    assert.equal(max('CBRSOAPHeaderProxy / DirectProxy'), 1.3);
    const security = (label: RegExp) => SECURITY_RATIOS.find((s) => label.test(s.label))?.max;
    assert.equal(security(/^mutual SSL API ÷ open API, HTTPS/), 1.1);
    assert.equal(security(/X-WSO2-CLIENT-CERTIFICATE/), 1.1);
    assert.equal(security(/^throttled API/), 1.05);
    assert.deepEqual(MI_450_DIRECT_PROXY_1KB[100], { p99Ms: 28, rps: 9292 });
    assert.deepEqual(MI_450_DIRECT_PROXY_1KB[1000], { p99Ms: 273, rps: 8278 });
  });

  it("reads ab's report: completed requests, rate, percentiles, and every failed or non-2xx request as failed", () => {
    const report = (failed: string, extra = '') =>
      [
        'Concurrency Level:      20',
        'Time taken for tests:   5.001 seconds',
        'Complete requests:      21034',
        failed,
        extra,
        'Keep-Alive requests:    21034',
        'Requests per second:    4205.96 [#/sec] (mean)',
        'Percentage of the requests served within a certain time (ms)',
        '  50%      4',
        '  99%     14',
        ' 100%     31 (longest request)',
      ].join('\n');
    const clean = parseAb(report('Failed requests:        0'));
    assert.deepEqual([clean.requests, clean.rps, clean.p50Ms, clean.p99Ms, clean.failed, clean.errors], [21034, 4205.96, 4, 14, 0, '']);
    const bad = parseAb(report('Failed requests:        7\n   (Connect: 0, Receive: 2, Length: 5, Exceptions: 0)', 'Non-2xx responses:      3'));
    assert.equal(bad.failed, 10);
    assert.equal(bad.errors, 'failed=7 (Connect: 0, Receive: 2, Length: 5, Exceptions: 0) non2xx=3');
  });

  it('gives the reason Node-RED could not be installed (the group then reports SKIP), and leaves the project alone', async () => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'mi-bench-judgement-'));
    const savedPath = process.env['PATH'];
    process.env['PATH'] = path.join(cache, 'no-such-bin'); // no npm to run
    try {
      const r = await ensureNodeRed(cache);
      assert.equal(r.ok, false);
      assert.match((r as { reason: string }).reason, /npm not found on PATH/);
      // the install goes to the cache folder, from the bench's own package.json
      const written = JSON.parse(readFileSync(path.join(cache, 'node-red', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
      assert.match(written.dependencies['node-red']!, /^4\./);
      assert.equal(existsSync(path.join(cache, 'node-red', 'node_modules')), false);
    } finally {
      process.env['PATH'] = savedPath;
      rmSync(cache, { recursive: true, force: true });
    }
  });
});
