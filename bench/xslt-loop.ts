/**
 * `node dist/bench/xslt-loop.js` - the in-process cost of the XSLT bench scenarios, without HTTP: what the
 * runtime spends per request on XSLTProxy (xslt in the in-sequence, xslt in the out-sequence) and on
 * XSLTEnhancedProxy (fastXSLT both ways), each side serialized to the bytes that would go on the wire.
 * Prints the median of BLOCKS blocks of N round trips, in microseconds per round trip.
 *
 * Env: SIZES="1000,10000" N=2000 BLOCKS=9 SCENARIOS="XSLTProxy,XSLTEnhancedProxy"
 * (for a CPU profile: node --cpu-prof dist/bench/xslt-loop.js)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFrom } from '../src/config/config.js';
import { memoryLoggerFactory } from '../src/logging/logger.js';
import { Runtime } from '../src/runtime.js';
import { Deployer } from '../src/artifacts/deployer.js';
import { artifactParser } from '../src/artifacts/artifact-parser.js';
import { Exchange, type Route } from '../src/engine/exchange.js';
import { Payload } from '../src/context/payload.js';
import { QueryParameters } from '../src/context/query-parameters.js';
import { fromIncoming } from '../src/context/transport-headers.js';
import { serializeMessage } from '../src/context/serialize.js';
import type { MessageContext } from '../src/context/message-context.js';
import { runList, type Mediator } from '../src/mediators/mediator.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCEN = path.resolve(HERE, '..', '..', 'bench', 'scenarios');
const sizes = (process.env['SIZES'] ?? '1000,10000').split(',').map(Number);
const N = Number(process.env['N'] ?? 2000);
const BLOCKS = Number(process.env['BLOCKS'] ?? 9);
const scenarios = (process.env['SCENARIOS'] ?? 'XSLTProxy,XSLTEnhancedProxy').split(',');

const home = mkdtempSync(path.join(os.tmpdir(), 'mi-xslt-loop-'));
const cfg = path.join(home, 'synapse-configs', 'default');
for (const d of ['proxy-services', 'local-entries', 'endpoints']) mkdirSync(path.join(cfg, d), { recursive: true });
for (const f of readdirSync(path.join(SCEN, 'local-entries'))) copyFileSync(path.join(SCEN, 'local-entries', f), path.join(cfg, 'local-entries', f));
for (const f of readdirSync(path.join(SCEN, 'endpoints'))) copyFileSync(path.join(SCEN, 'endpoints', f), path.join(cfg, 'endpoints', f));
for (const s of scenarios) copyFileSync(path.join(SCEN, 'proxies', `${s}.xml`), path.join(cfg, 'proxy-services', `${s}.xml`));

const rt = new Runtime(configFrom(home, {}), memoryLoggerFactory());
const result = new Deployer(rt, cfg, artifactParser(rt.config)).deployAll();
const errors = result.diagnostics.filter((d) => d.severity === 'error');
if (errors.length) throw new Error(errors.map((d) => d.message).join('\n'));

function message(body: Buffer, contentType: string): MessageContext {
  const route: Route = {
    entry: { kind: 'proxy', name: 'Bench', logPrefix: '{proxy:Bench} ' },
    inSequence: undefined,
    outSequence: undefined,
    faultHandler: undefined,
    endpoint: undefined,
    access: null,
    api: undefined,
    resource: undefined,
    skipApiResponse: false,
    fixedReply: undefined,
  };
  const inbound = { method: 'POST', url: '/services/Bench', path: '/services/Bench', queryString: '', query: new QueryParameters(''), protocol: 'http' as const, host: 'localhost', remoteAddress: '127.0.0.1', port: 8290 };
  return new Exchange(rt, route, inbound, fromIncoming({ 'content-type': contentType }), new Payload(contentType, body, { maxBodyBytes: 10 * 1024 * 1024, maxXmlDepth: 100 })).mc;
}

function wire(mc: MessageContext): Buffer {
  const w = serializeMessage(mc);
  return Buffer.isBuffer(w.body) ? w.body : Buffer.from(String(w.body));
}

/** The sequence's mediators but the closing <send/> (the reply is serialized here instead). */
function transforms(seq: Mediator | undefined): Mediator[] {
  return (seq as unknown as { list: Mediator[] }).list.filter((m) => m.tag !== 'send');
}

async function run(list: readonly Mediator[], mc: MessageContext): Promise<void> {
  const ok = await runList(list, mc);
  if (!ok) throw new Error('the sequence stopped');
}

/** One request: in-sequence on the request, out-sequence on the reply (the echo of what went out). */
async function roundTrip(inSeq: readonly Mediator[], outSeq: readonly Mediator[], request: Buffer): Promise<Buffer> {
  const req = message(request, 'text/xml');
  await run(inSeq, req);
  const reply = message(wire(req), 'text/xml');
  await run(outSeq, reply);
  return wire(reply);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

for (const name of scenarios) {
  const proxy = rt.current.proxies.get(name)!;
  const inSeq = transforms(proxy.inSequence);
  const outSeq = transforms(proxy.outSequence);
  for (const size of sizes) {
    const request = readFileSync(path.join(SCEN, 'requests', `${size}B_buyStocks.xml`));
    const out = await roundTrip(inSeq, outSeq, request);
    if (!out.includes('buyStocks') || !out.includes('symbol')) throw new Error(`${name}: unexpected result ${out.toString().slice(0, 300)}`);
    for (let i = 0; i < N; i++) await roundTrip(inSeq, outSeq, request); // warm-up
    const perBlock: number[] = [];
    for (let b = 0; b < BLOCKS; b++) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < N; i++) await roundTrip(inSeq, outSeq, request);
      const t = process.cpuUsage(t0);
      perBlock.push((t.user + t.system) / N);
    }
    console.log(`${name.padEnd(18)} ${String(size).padStart(6)} B  ${median(perBlock).toFixed(1).padStart(8)} us CPU per round trip (median of ${BLOCKS} x ${N}; min ${Math.min(...perBlock).toFixed(1)}, max ${Math.max(...perBlock).toFixed(1)})`);
  }
}
await rt.destroy();
rmSync(home, { recursive: true, force: true });
