/**
 * How `npm run soak` judges what it saw: which failures an injected fault explains, which log records
 * fail the run, and when RSS or descriptors count as flat. The soak itself runs for half an hour and is
 * not part of CI; these are the rules its verdict rests on.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogWatch } from '../../bench/soak/log-watch.js';
import { FaultWindows, Outcomes, percentile } from '../../bench/soak/outcomes.js';
import { flatness } from '../../bench/soak/report.js';

describe('soak: outcome accounting', () => {
  const backendClass = { name: 'pass-through', kind: 'normal' as const, usesBackend: true, expect: new Set(['200']), interimAccept: new Set<string>() };
  const localClass = { name: 'basic-auth', kind: 'normal' as const, usesBackend: false, expect: new Set(['200']), interimAccept: new Set<string>() };
  const attackClass = { name: 'traversal', kind: 'attack' as const, usesBackend: true, expect: new Set(['400']), interimAccept: new Set(['leak']) };

  function setup(): { faults: FaultWindows; outcomes: Outcomes } {
    const faults = new FaultWindows(8000);
    const outcomes = new Outcomes(faults);
    for (const c of [backendClass, localClass, attackClass]) outcomes.register(c);
    return { faults, outcomes };
  }

  it('blames a backend-reaching failure on a fault it overlapped, its grace period included', () => {
    const { faults, outcomes } = setup();
    const w = faults.open('backend reset', 10_000);
    faults.close(w, 14_000);
    assert.equal(outcomes.record('pass-through', '503', 13_000, 13_050), 'fault');
    assert.equal(outcomes.record('pass-through', '503', 21_500, 21_600), 'fault', 'within 8 s after the fault ended');
    assert.equal(outcomes.record('pass-through', '503', 22_100, 22_200), 'unexpected', 'after the grace period');
    assert.equal(outcomes.record('pass-through', '503', 9_000, 9_500), 'unexpected', 'ended before the fault began');
    assert.deepEqual([...outcomes.attributed], [['backend reset', 2]]);
  });

  it('never blames a fault for a class that does not reach the backend', () => {
    const { faults, outcomes } = setup();
    faults.open('backend refused', 0);
    assert.equal(outcomes.record('basic-auth', '503', 100, 200), 'unexpected');
  });

  it('keeps interim answers apart from expected ones, and keeps examples of unexpected ones', () => {
    const { outcomes } = setup();
    assert.equal(outcomes.record('traversal', '400', 0, 5), 'expected');
    assert.equal(outcomes.record('traversal', 'leak', 0, 5), 'interim');
    assert.equal(outcomes.record('traversal', '200', 0, 5, () => 'POST /x -> 200'), 'unexpected');
    const t = outcomes.tallies.get('traversal')!;
    assert.deepEqual(t.byVerdict, { expected: 1, interim: 1, fault: 0, unexpected: 1 });
    assert.match(t.examples[0]!, /200 after 5 ms: POST \/x -> 200/);
    assert.deepEqual(outcomes.takeInterval().unexpected, 1);
    assert.deepEqual(outcomes.takeInterval().requests, 0, 'an interval starts empty');
  });

  it('a fixed-length side-effect window has no grace period of its own', () => {
    const { faults, outcomes } = setup();
    faults.mark('abort-upload on the pass-through proxy', 5000, 1000);
    assert.equal(outcomes.record('pass-through', '503', 5500, 5600), 'fault');
    assert.equal(outcomes.record('pass-through', '503', 6500, 6600), 'unexpected');
  });

  it('percentiles by nearest rank', () => {
    const v = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile(v, 99), 99);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('soak: runtime log scan', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'soak-log-'));
    file = path.join(dir, 'runtime.log');
    writeFileSync(file, '');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const known = { pattern: /reading 'remoteAddress'/, pending: 'access log' };
  const watch = (): LogWatch => new LogWatch(file, 'SOAK-FORGED-LINE', ['Soak-Pass-2468x'], [known]);

  it('flags a stack trace with the record it belongs to, read across polls and a cut line', () => {
    const w = watch();
    appendFileSync(file, '[2026-12-02 06:00:00,000]  INFO {access} [] - fine\n[2026-12-02 06:00:01,000] ERROR {X} [] - boom\nTypeError: boom\n    at f (file:///a.js:1:2)\n    at g (fi');
    w.poll();
    appendFileSync(file, 'le:///b.js:3:4)\n[2026-12-02 06:00:02,000]  INFO {access} [] - next\n');
    w.finish();
    assert.equal(w.counts.get('stack trace'), 1);
    assert.match(w.examples.get('stack trace')![0]!, /ERROR \{X\} \[\] - boom\nTypeError: boom\n {4}at f/);
    assert.equal(w.lines, 6);
  });

  it('excuses a known record, stack included, but never one that holds a password', () => {
    const w = watch();
    appendFileSync(
      file,
      "[2026-12-02 06:00:00,000] ERROR {P} [] - MI_MED_001 Cannot read properties of null (reading 'remoteAddress')\n    at accessLine (file:///x.js:6:27)\n" +
        "[2026-12-02 06:00:01,000] ERROR {P} [] - (reading 'remoteAddress') user Soak-Pass-2468x\n    at accessLine (file:///x.js:6:27)\n",
    );
    w.finish();
    assert.equal(w.known.get(known), 1);
    assert.equal(w.counts.get('secret in log'), 1);
    assert.equal(w.counts.get('stack trace'), 1);
  });

  it('counts a line a client forged, a Node warning and a failed deployment', () => {
    const w = watch();
    appendFileSync(
      file,
      '[2026-12-02 06:00:00,000]  INFO {LogMediator} [] - symbol = IBM\nSOAK-FORGED-LINE symbol\n' +
        '(node:123) MaxListenersExceededWarning: Possible EventEmitter memory leak detected.\n' +
        '[2026-12-02 06:00:01,000] ERROR {Deployer} [] - Deployment failed: api/A.xml:1:1  MI_ART_001  not well-formed\n' +
        '[2026-12-02 06:00:02,000]  INFO {LogMediator} [] - symbol = SOAK-FORGED-LINE escaped\\r\\n stays on its line\n',
    );
    w.finish();
    assert.equal(w.counts.get('forged line'), 1);
    assert.equal(w.counts.get('node warning'), 1);
    assert.equal(w.counts.get('deployment failed'), 1);
    assert.equal(w.counts.get('stack trace'), undefined);
  });
});

describe('soak: flatness of RSS and descriptors', () => {
  const rule = (e: number, l: number): boolean => l <= e * 1.2 || l - e <= 30;

  it('passes a series that rises in warm-up and then holds', () => {
    const rss = [120, 150, 170, 180, 185, 190, 182, 188, 191, 186, 189, 192];
    assert.equal(flatness('RSS flat', rss, 'MB', rule, '').status, 'PASS');
  });

  it('fails a series that keeps climbing', () => {
    const rss = [120, 150, 170, 180, 200, 220, 240, 260, 280, 300, 320, 340];
    const c = flatness('RSS flat', rss, 'MB', rule, '');
    assert.equal(c.status, 'FAIL');
    assert.match(c.detail, /2nd quarter 200\.0 MB, of the last quarter 320\.0 MB/);
  });

  it('gives no verdict on too few samples or a run declared too short', () => {
    assert.equal(flatness('fds', [50, 51, 52], 'fds', rule, '').status, 'n/a');
    assert.equal(flatness('RSS flat', Array(12).fill(100), 'MB', rule, '', 'under 600 s').status, 'n/a');
  });
});
