/**
 * startup: a home of STARTUP_APIS (1000) APIs, each answering locally (payloadFactory + respond). Time from
 * spawn to the ready line and the runtime's own figure in it, RSS after start, one more API dropped into
 * the running server (hot deployment) until it answers, and the memory one idle keep-alive connection costs.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { atMost, info, median, type Check } from '../judge.js';
import { sleep, treeRssBytes } from '../proc.js';
import { S } from '../settings.js';
import type { Stack } from '../stack.js';
import { info as say } from '../teardown.js';

const apiName = (i: number) => `BenchApi${String(i).padStart(4, '0')}`;
const apiContext = (i: number) => `/bench/a${String(i).padStart(4, '0')}`;

/** An API that answers from the runtime itself: what is priced is deployment, not a backend. */
export function localApi(name: string, context: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<api xmlns="http://ws.apache.org/ns/synapse" name="${name}" context="${context}">`,
    '  <resource methods="GET POST">',
    '    <inSequence>',
    '      <payloadFactory media-type="json">',
    `        <format>{"api": "${name}", "symbol": "IBM"}</format>`,
    '        <args/>',
    '      </payloadFactory>',
    '      <respond/>',
    '    </inSequence>',
    '  </resource>',
    '</api>',
    '',
  ].join('\n');
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

export async function startupGroup(stack: Stack, checks: Check[]): Promise<void> {
  const n = S.startupApis;
  const files = new Map<string, string>();
  for (let i = 1; i <= n; i++) files.set(`api/${apiName(i)}.xml`, localApi(apiName(i), apiContext(i)));
  // start, then SIGTERM and start again on the same home: REPEATS starts, judged by their medians
  let rt = await stack.runtime('startup', { scenarios: [], files, hotDeployment: true, metrics: true });
  const spawnToReady = [rt.spawnToReadyMs];
  const own = [rt.ownReadyMs];
  for (let rep = 2; rep <= S.repeats; rep++) {
    rt = await stack.restart('startup');
    spawnToReady.push(rt.spawnToReadyMs);
    own.push(rt.ownReadyMs);
  }
  const pid = rt.child.pid!;
  const base = `http://127.0.0.1:${rt.httpPort}`;
  say(`startup: ${n} APIs ready ${spawnToReady.map((t) => t.toFixed(0)).join(', ')} ms after spawn (runtime's clock: ${own.join(', ')} ms)`);
  checks.push(atMost('startup', `${n} APIs: spawn to ready line`, median(spawnToReady) / 1000, 3, 's', 2));
  checks.push(atMost('startup', `${n} APIs: ready, runtime's own clock`, median(own) / 1000, 3, 's', 2));
  // the first start of a new home also creates what the home keeps (its stores): shown, the median is judged
  if (S.repeats > 1) checks.push(info('startup', `${n} APIs: first start of the new home`, `${(spawnToReady[0]! / 1000).toFixed(2)} s (own clock ${(own[0]! / 1000).toFixed(2)} s)`));
  for (const i of [1, n]) {
    const st = await status(`${base}${apiContext(i)}`);
    if (st !== 200) throw new Error(`startup: ${apiName(i)} answered ${st || 'nothing'} at ${base}${apiContext(i)}; see ${rt.log}`);
  }
  await sleep(1000);
  checks.push(atMost('startup', `${n} APIs: RSS after start`, treeRssBytes(pid) / 1048576, 200, 'MB', 0));

  // hot deployment: one more API among the n serving, written elsewhere and renamed in as a deploy tool does;
  // REPEATS of them, judged by the median
  const staging = path.join(stack.tmp, 'staging');
  mkdirSync(staging, { recursive: true });
  const hotMs: number[] = [];
  for (let rep = 1; rep <= S.repeats; rep++) {
    const hot = apiName(n + rep);
    const context = `/bench/hot${rep}`;
    writeFileSync(path.join(staging, `${hot}.xml`), localApi(hot, context));
    const t0 = performance.now();
    renameSync(path.join(staging, `${hot}.xml`), path.join(rt.home, 'synapse-configs', 'default', 'api', `${hot}.xml`));
    let ms = NaN;
    while (performance.now() - t0 < 10_000) {
      if ((await status(`${base}${context}`)) === 200) {
        ms = performance.now() - t0;
        break;
      }
      await sleep(20);
    }
    hotMs.push(ms);
  }
  say(`startup: hot-deployed APIs served after ${hotMs.map((t) => t.toFixed(0)).join(', ')} ms`);
  const hotMedian = hotMs.some((t) => !Number.isFinite(t)) ? NaN : median(hotMs);
  checks.push(atMost('startup', `hot deploy of 1 API among ${n}: serving after`, hotMedian / 1000, 1, 's', 2, 'an API was not serving 10 s after its file arrived'));

  // idle keep-alive connections: a first round sizes the heap, the second is measured
  const conns = S.idleConns;
  const warm = await openIdle(rt.httpPort, apiContext(1), conns);
  for (const s of warm) s.destroy();
  await sleep(1500);
  const before = treeRssBytes(pid);
  const idle = await openIdle(rt.httpPort, apiContext(1), conns);
  await sleep(1500);
  const after = treeRssBytes(pid);
  const open = idle.filter((s) => !s.destroyed && s.readyState === 'open').length;
  for (const s of idle) s.destroy();
  const perConn = (after - before) / conns / 1024;
  checks.push(info('startup', `memory per idle keep-alive connection`, `${perConn.toFixed(1)} KB (${conns} connections, ${(before / 1048576).toFixed(0)} -> ${(after / 1048576).toFixed(0)} MB, ${open} still open)`));
}

/** Opens `count` connections, each makes one keep-alive GET and waits for the whole answer, then stays idle. */
async function openIdle(port: number, urlPath: string, count: number): Promise<net.Socket[]> {
  const sockets: net.Socket[] = [];
  const one = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let buf = '';
      const timer = setTimeout(() => {
        s.destroy();
        reject(new Error(`idle connection: no complete answer from 127.0.0.1:${port}${urlPath} in 10 s`));
      }, 10_000);
      s.setEncoding('latin1');
      s.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      s.on('connect', () => s.write(`GET ${urlPath} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`));
      const onData = (d: string) => {
        buf += d;
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const len = /\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1];
        const done = len !== undefined ? buf.length - end - 4 >= Number(len) : buf.endsWith('0\r\n\r\n');
        if (!done) return;
        clearTimeout(timer);
        s.off('data', onData);
        resolve(s);
      };
      s.on('data', onData);
    });
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, count - i) }, one));
    sockets.push(...batch);
  }
  return sockets;
}
