/**
 * What the bench starts, each at most once and stopped by the teardown: the echo backends (nginx + njs, or
 * node:http), the nginx and undici pass-through baselines, and runtimes, each in its own temporary home
 * at its own port offset. Groups ask for what they need; a second ask gets the same process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import { AB_MISSING, haveAb } from './ab.js';
import { isAlive, portFree, readPidFile, sleep, stopChild, tail, waitExit, waitForPort, waitPidGone } from './proc.js';
import { info, Teardown } from './teardown.js';
import { S, type Backend } from './settings.js';
import type { BenchIssuer } from './jwt-issuer.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
export const ROOT = path.resolve(HERE, '..', '..');
export const BENCH = path.join(ROOT, 'bench');
export const HARNESS = path.join(BENCH, 'harness');
export const SCENARIOS_DIR = path.join(BENCH, 'scenarios');
const REQUESTS = path.join(SCENARIOS_DIR, 'requests');
export const POST_LUA = path.join(HARNESS, 'post.lua');
/** wrk and the echo backend share this core; the SUTs get the rest. */
export const PIN_CORE: number | undefined = os.availableParallelism() >= 2 ? 1 : undefined;

/** A system under test's command, run on SUT_CORE when one is set (a runtime with several workers is not pinned). */
export function onSutCore(cmd: string, args: string[], pin = true): [string, string[]] {
  return pin && S.sutCore !== undefined ? ['taskset', ['-c', String(S.sutCore), cmd, ...args]] : [cmd, args];
}
export const HEADERS = { 'Content-Type': 'text/xml', SOAPAction: 'urn:buyStocks', routing: 'xadmin;server1;community#1.0##' };
export const indent = (s: string) => s.replace(/^/gm, '    ');
/** The bench's server certificate is self-signed: the sanity check does not verify it (wrk never does). */
const insecure = new Agent({ connect: { rejectUnauthorized: false } });

/** A target wrk loads: its URL and the root of the process tree whose CPU time it is charged. */
export interface Sut {
  target: string;
  url: string;
  pid: number;
}

export interface Scenario {
  name: string;
  file: string;
  kind: 'proxy' | 'api';
  urlPath: string;
}

export function resolveScenario(name: string): Scenario {
  for (const dir of ['proxies', 'custom', 'apis']) {
    const file = path.join(SCENARIOS_DIR, dir, `${name}.xml`);
    if (!existsSync(file)) continue;
    const xml = readFileSync(file, 'utf8');
    if (!/<api\b/.test(xml)) return { name, file, kind: 'proxy', urlPath: `/services/${name}` };
    const ctx = /<api\b[^>]*\scontext="([^"]+)"/.exec(xml)?.[1];
    if (!ctx) throw new Error(`${file}: no context attribute on <api>`);
    return { name, file, kind: 'api', urlPath: ctx };
  }
  throw new Error(`unknown scenario '${name}': no ${name}.xml in bench/scenarios/{proxies,custom,apis}`);
}

export function bodyFile(size: number): string {
  const f = path.join(REQUESTS, `${size}B_buyStocks.xml`);
  if (!existsSync(f)) {
    const have = readdirSync(REQUESTS).map((n) => /^(\d+)B_/.exec(n)?.[1]).filter(Boolean);
    throw new Error(`no request payload for size ${size} (have: ${have.join(', ')})`);
  }
  return f;
}

export function checkTools(): void {
  const missing: string[] = [];
  for (const [bin, args] of [
    ['nginx', ['-v']],
    ['wrk', ['-v']],
    ['taskset', ['-V']],
    ['openssl', ['version']],
  ] as const) {
    try {
      execFileSync(bin, args, { stdio: 'ignore' });
    } catch (e) {
      // wrk -v exits 1 after printing its version; only ENOENT means missing
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') missing.push(bin);
    }
  }
  if (!existsSync('/usr/lib/nginx/modules/ngx_http_js_module.so')) missing.push('ngx_http_js_module (libnginx-mod-http-js)');
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}. On Debian/Ubuntu: apt-get install -y nginx wrk libnginx-mod-http-js`);
  // optional: without ab the security group's HTTPS checks (a client certificate, which wrk cannot send) are SKIP
  if (S.groups.includes('security') && !haveAb()) info(`note: ${AB_MISSING}; the security group's mutual-SSL-over-HTTPS check will be SKIP`);
  if (!existsSync(path.join(ROOT, 'node_modules', 'undici'))) throw new Error('node_modules/undici missing: run npm install');
}

type Check = { ok: true } | { ok: false; detail: string };

/** One POST that must answer 200 with "symbol" in the body (the assertion of WSO2's JMeter plan). */
export async function sanity(url: string, body: string, authorization?: string, more: { headers?: Record<string, string>; clientCert?: string } = {}): Promise<Check> {
  try {
    const headers: Record<string, string> = { ...HEADERS, ...more.headers, ...(authorization ? { Authorization: authorization } : {}) };
    const init = { method: 'POST', headers, body, signal: AbortSignal.timeout(15_000) };
    let dispatcher = insecure;
    if (more.clientCert) {
      // one PEM with the certificate and its key, as ab -E takes it
      const pem = readFileSync(more.clientCert, 'utf8');
      dispatcher = new Agent({ connect: { rejectUnauthorized: false, cert: pem, key: pem } });
    }
    const res = url.startsWith('https:') ? await undiciFetch(url, { ...init, dispatcher }) : await fetch(url, init);
    if (dispatcher !== insecure) await dispatcher.close();
    const text = await res.text();
    if (res.status === 200 && text.includes('symbol')) return { ok: true };
    const excerpt = text.replace(/\s+/g, ' ').slice(0, 400);
    return { ok: false, detail: `HTTP ${res.status} ${res.statusText}; content-type ${res.headers.get('content-type') ?? '-'}; ${text.length} bytes${text.includes('symbol') ? '' : ', no "symbol"'}: ${excerpt || '(empty)'}` };
  } catch (e) {
    const err = e as Error & { cause?: Error };
    return { ok: false, detail: `request failed: ${err.message}${err.cause ? ` (${err.cause.message})` : ''}` };
  }
}

// ---------------------------------------------------------------- the runtime's home

/** A user for DirectProxyUT (UsernameToken PasswordText). */
export const BENCH_USER = { name: 'bench', password: 'bench-Pass-2468' };

export interface HomeOptions {
  scenarios: Scenario[];
  offset: number;
  backendPort: number;
  metrics?: boolean;
  workers?: number;
  hotDeployment?: boolean;
  jwtIssuer?: BenchIssuer;
  /** More artifacts: path under synapse-configs/default -> text. */
  files?: Map<string, string>;
  /** More deployment.toml lines (tables of their own: [transport.http], [[throttling.tier]]). */
  toml?: string[];
}

export function prepareHome(home: string, o: HomeOptions): void {
  mkdirSync(path.join(home, 'deployment'), { recursive: true });
  writeFileSync(
    path.join(home, 'deployment', 'deployment.toml'),
    [
      '# written by bench/stack.ts',
      '[server]',
      `offset = ${o.offset}`,
      `hot_deployment = ${o.hotDeployment ?? false}`,
      'bind_address = "127.0.0.1"',
      `workers = ${o.workers ?? 1}`,
      '',
      '# Prometheus metrics (on by default): DirectProxy-metrics-off runs on a second runtime with them off',
      '[metrics]',
      `enable = ${o.metrics ?? true}`,
      '',
      '# the HTTPS listener (DirectProxy-https) uses this key, made below with openssl',
      '[keystore.primary]',
      'file_name = "bench.pem"',
      'type = "PEM"',
      'key_file = "bench.key"',
      '',
      '# DirectProxyUT authenticates this user (UsernameToken PasswordText)',
      '[[internal_apis.users]]',
      `user.name = "${BENCH_USER.name}"`,
      `user.password = "${BENCH_USER.password}"`,
      'user.roles = ["admin"]',
      '',
      ...(o.toml ?? []),
      ...(o.jwtIssuer ? ['# DirectAPIJWT admits the RS256 tokens of this issuer (key made at start)', o.jwtIssuer.toml, ''] : []),
      '# MediatedProxy logs the routing header as "user": masking it is part of what is priced',
      '[masking_pattern.properties]',
      `"ROUTING" = 'xadmin;[^,]*'`,
      '',
    ].join('\n'),
  );
  // logs go to one file (no console), with %mm masking, as the issue prices MediatedProxy
  writeFileSync(
    path.join(home, 'deployment', 'log4j2.properties'),
    [
      'appenders = FILE',
      'appender.FILE.type = RollingFile',
      'appender.FILE.name = FILE',
      'appender.FILE.fileName = ${sys:logfiles.home}/mi.log',
      'appender.FILE.layout.type = PatternLayout',
      'appender.FILE.layout.pattern = [%d] %5p {%c{1}} [%X{Correlation-ID}] - %mm%ex%n',
      'appender.FILE.policies.size.size = 100MB',
      'appender.FILE.strategy.max = 2',
      'rootLogger.level = INFO',
      'rootLogger.appenderRef.FILE.ref = FILE',
      '',
    ].join('\n'),
  );
  const sec = path.join(home, 'deployment', 'security');
  mkdirSync(sec, { recursive: true });
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'bench.key', '-out', 'bench.pem', '-days', '2', '-subj', '/CN=127.0.0.1'], { cwd: sec, stdio: 'ignore' });
  const cfg = path.join(home, 'synapse-configs', 'default');
  for (const d of ['proxy-services', 'api', 'endpoints', 'local-entries', 'sequences']) mkdirSync(path.join(cfg, d), { recursive: true });
  for (const s of o.scenarios) copyFileSync(s.file, path.join(cfg, s.kind === 'api' ? 'api' : 'proxy-services', `${s.name}.xml`));
  for (const f of readdirSync(path.join(SCENARIOS_DIR, 'endpoints'))) {
    const xml = readFileSync(path.join(SCENARIOS_DIR, 'endpoints', f), 'utf8').replace(/(<address\b[^>]*\suri=")[^"]*(")/, `$1http://127.0.0.1:${o.backendPort}/service/EchoService$2`);
    writeFileSync(path.join(cfg, 'endpoints', f), xml);
  }
  for (const f of readdirSync(path.join(SCENARIOS_DIR, 'local-entries'))) copyFileSync(path.join(SCENARIOS_DIR, 'local-entries', f), path.join(cfg, 'local-entries', f));
  for (const [rel, text] of o.files ?? []) writeFileSync(path.join(cfg, rel), text);
}

// ---------------------------------------------------------------- processes

export interface Runtime {
  child: ChildProcess;
  home: string;
  log: string;
  offset: number;
  /** Whether it runs on SUT_CORE (one worker) or where the scheduler puts it. */
  pinned: boolean;
  httpPort: number;
  httpsPort: number;
  /** Wall-clock milliseconds from spawn to the ready line. */
  spawnToReadyMs: number;
  /** The runtime's own figure from its ready line (`in N ms`). */
  ownReadyMs: number;
}

export class Stack {
  /** Roots of the process trees the bench started: their CPU is not "other" in the noise column. */
  readonly roots: number[] = [];
  private readonly started = new Map<string, Promise<unknown>>();
  private nextOffset = S.offset;

  constructor(
    readonly teardown: Teardown,
    readonly tmp: string,
  ) {}

  private once<T>(key: string, start: () => Promise<T>): Promise<T> {
    let p = this.started.get(key) as Promise<T> | undefined;
    if (!p) this.started.set(key, (p = start()));
    return p;
  }

  /** The echo backend's port (nginx + njs, or node:http), pinned with wrk to PIN_CORE. */
  echo(kind: Backend): Promise<number> {
    return this.once(`echo-${kind}`, async () => {
      if (kind === 'nginx') {
        await this.mustBeFree(S.echoPort, 'nginx echo backend (ECHO_PORT)');
        this.roots.push(await this.startNginx('nginx echo backend', 'nginx-echo-backend.conf', path.join(this.tmp, 'nginx-echo'), true));
        await waitForPort(S.echoPort, 5000);
        return S.echoPort;
      }
      await this.mustBeFree(S.echoNodePort, 'node echo backend (ECHO_NODE_PORT)');
      const script = path.join(HARNESS, 'backend-echo.mjs');
      const [cmd, args] = PIN_CORE === undefined ? [process.execPath, [script]] : ['taskset', ['-c', String(PIN_CORE), process.execPath, script]];
      await this.startNode('node echo backend', cmd, args, { PORT: String(S.echoNodePort) }, S.echoNodePort);
      return S.echoNodePort;
    });
  }

  /** nginx as a plain reverse proxy (1 worker, upstream keep-alive) to the nginx echo backend. */
  nginxBaseline(): Promise<Sut> {
    return this.once('nginx-baseline', async () => {
      await this.echo('nginx');
      await this.mustBeFree(S.nginxPort, 'nginx baseline (NGINX_PORT)');
      const pid = await this.startNginx('nginx baseline', 'nginx.conf', path.join(this.tmp, 'nginx-bench'), false);
      this.roots.push(pid);
      await waitForPort(S.nginxPort, 5000);
      return { target: 'nginx', url: `http://127.0.0.1:${S.nginxPort}/services/DirectProxy`, pid };
    });
  }

  /** node:http + undici Pool streaming pass-through to the given echo backend. */
  undici(backend: Backend): Promise<Sut> {
    return this.once(`undici-${backend}`, async () => {
      const upstream = await this.echo(backend);
      const port = backend === 'nginx' ? S.undiciPort : S.undiciNodePort;
      await this.mustBeFree(port, `undici pass-through (${backend === 'nginx' ? 'UNDICI_PORT' : 'UNDICI_NODE_PORT'})`);
      const [cmd, args] = onSutCore(process.execPath, [path.join(HARNESS, 'passthru-undici.mjs')]);
      const child = await this.startNode(`undici pass-through (${backend} echo)`, cmd, args, { PORT: String(port), UPSTREAM: `http://127.0.0.1:${upstream}` }, port);
      return { target: 'undici', url: `http://127.0.0.1:${port}/services/DirectProxy`, pid: child.pid! };
    });
  }

  /** A runtime in its own home; `key` names it (the same key gets the same runtime). */
  runtime(key: string, o: Omit<HomeOptions, 'offset' | 'backendPort'> & { backend?: Backend; backendPort?: number; unpinned?: boolean }): Promise<Runtime> {
    return this.once(`runtime-${key}`, async () => {
      const backendPort = o.backendPort ?? (o.backend ? await this.echo(o.backend) : S.echoPort);
      const offset = await this.freeOffset();
      const home = path.join(this.tmp, `home-${key}`);
      prepareHome(home, { ...o, offset, backendPort });
      const rt = await this.startRuntime(key, home, offset, !o.unpinned && (o.workers ?? 1) === 1);
      this.roots.push(rt.child.pid!);
      return rt;
    });
  }

  /** Stops the runtime of `key` (SIGTERM, as an operator would) and starts it again on the same home and ports. */
  async restart(key: string): Promise<Runtime> {
    const old = await (this.started.get(`runtime-${key}`) as Promise<Runtime> | undefined);
    if (!old) throw new Error(`no runtime '${key}' to restart`);
    await stopChild(old.child, 15_000);
    const rt = await this.startRuntime(key, old.home, old.offset, old.pinned);
    this.roots.push(rt.child.pid!);
    this.started.set(`runtime-${key}`, Promise.resolve(rt));
    return rt;
  }

  /** Runtimes at consecutive offsets from OFFSET, skipping one whose ports are taken. */
  private async freeOffset(): Promise<number> {
    for (let tries = 0; tries < 50; tries++) {
      const o = this.nextOffset++;
      const ports = [8280 + o, 8243 + o, 9191 + o, 9154 + o];
      if ((await Promise.all(ports.map((p) => portFree(p)))).every(Boolean)) return o;
      info(`offset ${o}: one of the ports ${ports.join(', ')} is in use; trying ${o + 1}`);
    }
    throw new Error(`no free port offset from OFFSET ${S.offset} on`);
  }

  private async mustBeFree(port: number, what: string): Promise<void> {
    if (!(await portFree(port))) throw new Error(`port ${port} for the ${what} is in use; stop whatever holds it or set the env var`);
  }

  private async startNginx(name: string, template: string, dir: string, pin: boolean): Promise<number> {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755); // a root master runs its workers as nobody
    const conf = path.join(dir, 'nginx.conf');
    const text = readFileSync(path.join(HARNESS, template), 'utf8')
      .replaceAll('/tmp/nginx-echo', dir)
      .replaceAll('/tmp/nginx-bench', dir)
      .replaceAll('__HARNESS__', HARNESS)
      .replace(/listen 127\.0\.0\.1:9001;/, `listen 127.0.0.1:${S.echoPort};`)
      .replace(/server 127\.0\.0\.1:9001;/, `server 127.0.0.1:${S.echoPort};`)
      .replace(/listen 127\.0\.0\.1:8280;/, `listen 127.0.0.1:${S.nginxPort};`);
    writeFileSync(conf, text);
    const args = ['-c', conf, '-p', dir + '/', '-e', path.join(dir, 'error.log')];
    try {
      const [cmd, cmdArgs] = pin && PIN_CORE !== undefined ? ['taskset', ['-c', String(PIN_CORE), 'nginx', ...args]] : onSutCore('nginx', args);
      execFileSync(cmd, cmdArgs, { stdio: 'pipe' });
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      throw new Error(`${name}: nginx failed to start: ${err.stderr?.toString().trim() || err.message}\n${tail(path.join(dir, 'error.log'), 10)}`);
    }
    let pid: number | undefined;
    for (let i = 0; i < 50 && !(pid = readPidFile(path.join(dir, 'nginx.pid'))); i++) await sleep(50);
    if (!pid) throw new Error(`${name}: nginx wrote no pid file in ${dir}`);
    const master = pid;
    this.teardown.add(name, async () => {
      if (!isAlive(master)) return;
      try {
        execFileSync('nginx', [...args, '-s', 'quit'], { stdio: 'ignore' });
      } catch {
        process.kill(master, 'SIGTERM');
      }
      if (!(await waitPidGone(master, 5000))) {
        process.kill(master, 'SIGTERM');
        if (!(await waitPidGone(master, 2000))) process.kill(master, 'SIGKILL');
      }
    });
    return master;
  }

  /** A node process of the harness (echo backend, pass-through, Node-RED) that must listen on `port`. */
  async startNode(name: string, cmd: string, args: string[], env: Record<string, string>, port: number, timeoutMs = 10_000, cwd = HARNESS): Promise<ChildProcess> {
    const log = path.join(this.tmp, `${name.replace(/\W+/g, '-')}.log`);
    const fd = openSync(log, 'w');
    // cwd HARNESS: 'undici' resolves from the project's node_modules
    const child = this.teardown.track(spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] }));
    closeSync(fd);
    this.teardown.add(name, () => stopChild(child, 3000));
    try {
      await Promise.race([
        waitForPort(port, timeoutMs),
        waitExit(child, timeoutMs).then((exited) => {
          if (exited) throw new Error('exited');
        }),
      ]);
    } catch (e) {
      throw new Error(`${name} did not start (${(e as Error).message}):\n${tail(log, 20)}`);
    }
    this.roots.push(child.pid!);
    return child;
  }

  private async startRuntime(key: string, home: string, offset: number, pin: boolean): Promise<Runtime> {
    const log = path.join(this.tmp, `runtime-${key}.log`);
    const fd = openSync(log, 'w');
    const args = [path.join(ROOT, 'bin', 'mi.js'), 'start', '--home', home];
    info(`starting runtime '${key}': node ${args.map((a) => (a.startsWith(ROOT + path.sep) ? path.relative(ROOT, a) : a)).join(' ')}   (output: ${log})`);
    const t0 = performance.now();
    const [cmd, cmdArgs] = onSutCore(process.execPath, args, pin);
    const child = this.teardown.track(spawn(cmd, cmdArgs, { cwd: ROOT, env: process.env, stdio: ['ignore', fd, fd] }));
    closeSync(fd);
    this.teardown.add(`runtime ${key}`, () => stopChild(child, 15_000));
    const deadline = Date.now() + 60_000;
    let line: string | undefined;
    for (;;) {
      const out = existsSync(log) ? readFileSync(log, 'utf8') : '';
      line = /^(?!.*\b(?:not|never)\s+ready\b).*\bready\b.*$/im.exec(out)?.[0];
      if (line) break;
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`runtime '${key}' exited (${child.exitCode ?? child.signalCode}) before printing 'ready'. Its output:\n${indent(out.trim() || '(none)')}`);
      if (Date.now() > deadline) throw new Error(`runtime '${key}' printed no 'ready' line within 60 s. Its output:\n${indent(tail(log, 60).trim() || '(none)')}`);
      await sleep(10);
    }
    const spawnToReadyMs = performance.now() - t0;
    const httpPort = 8280 + offset;
    try {
      await waitForPort(httpPort, 5000);
    } catch (e) {
      throw new Error(`runtime '${key}' printed 'ready' but ${(e as Error).message}. Output:\n${indent(tail(log, 30))}`);
    }
    const own = Number(/ in (\d+) ms/.exec(line)?.[1]);
    return { child, home, log, offset, pinned: pin, httpPort, httpsPort: 8243 + offset, spawnToReadyMs, ownReadyMs: own };
  }
}
