/**
 * Would docker/Dockerfile make an image that starts? There is no container engine here, so the runtime
 * stage's steps are run as written: WORKDIR, ENV, COPY (from the context with the .dockerignore, or from the
 * build stage), RUN (as root, through /bin/sh -c, exactly the text of the Dockerfile), then the ENTRYPOINT
 * as the USER, with the HEALTHCHECK command polled as Docker would, and a sample called.
 *
 * It all runs in a private mount and network namespace (unshare, as root): the image's top folder (/opt)
 * and /etc (where useradd writes) are bind-mounted from copies in a scratch folder,
 * so `useradd` and `chown` act on the copies and the host is not changed, and the image's fixed ports
 * (8290, 9201, ...) are free whatever else runs on the machine.
 *
 * The build stage's output is stood in for by this checkout: its compiled dist/src and its node_modules,
 * pruned with the build stage's own `npm prune` command (so a dev dependency the runtime needs fails here).
 * The build stage's install steps are checked as text: native modules built there, nothing installed in
 * the runtime stage (the image this replaces ran `npm ci --ignore-scripts` there, and had no SQLite binding).
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFrom } from '../../src/config/config.js';
import { observabilitySettings } from '../../src/observability/observability-settings.js';
import { copyOf, execForm, stages, type Stage } from '../helpers/dockerfile.js';
import { ROOT } from '../helpers/process.js';

const DOCKER = path.join(ROOT, 'docker');
const TEXT = readFileSync(path.join(DOCKER, 'Dockerfile'), 'utf8');
const IGNORE = readFileSync(path.join(DOCKER, 'Dockerfile.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const runs = (s: Stage): string[] => s.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);

/** Why this test cannot run here, or undefined. */
function cannotRun(): string | undefined {
  if (process.getuid?.() !== 0) return 'it must run as root to run the RUN lines (useradd, chown) in a private namespace';
  const r = spawnSync('unshare', ['--mount', '--net', '--fork', 'sh', '-c', 'ip link set lo up && command -v setpriv'], { encoding: 'utf8' });
  if (r.status !== 0) return `unshare --mount --net, ip or setpriv is not usable here: ${(r.stderr || r.error?.message || '').trim()}`;
  return undefined;
}

/** Paths under a COPY'd folder that the .dockerignore keeps out of the build context. */
function ignoredUnder(src: string): string[] {
  return IGNORE.filter((p) => !/[*?[]/.test(p) && p.startsWith(src + '/')).map((p) => p.slice(src.length + 1));
}

describe('docker/Dockerfile makes an image that starts', function () {
  this.timeout(240_000);
  const all = stages(TEXT);
  const build = all[0]!;
  const runtime = all.at(-1)!;

  it('builds the native modules in the build stage and keeps its production dependencies only', () => {
    assert.ok(all.length >= 2, 'a build stage and a runtime stage');
    const b = runs(build).join(' && ');
    assert.match(b, /npm ci\b/);
    const scriptsOff = /npm ci\b[^&]*--ignore-scripts/.test(b);
    assert.ok(!scriptsOff || /npm rebuild\b[^&]*\bbetter-sqlite3\b/.test(b), 'better-sqlite3\'s install script runs in the build stage');
    assert.match(b, /npm prune --omit=dev/);
  });

  it('installs nothing in the runtime stage: node_modules and the compiled code come from the build stage', () => {
    for (const r of runs(runtime)) assert.doesNotMatch(r, /\bnpm (ci|install|i|rebuild)\b/, `the runtime stage must not install: ${r}`);
    const fromBuild = runtime.instructions.filter((i) => i.op === 'COPY').map((i) => copyOf(i.args)).filter((c) => c.from === build.name);
    const sources = fromBuild.flatMap((c) => c.sources);
    assert.ok(sources.some((s) => /\/node_modules$/.test(s)), 'node_modules from the build stage');
    assert.ok(sources.some((s) => /\/dist\/src$/.test(s)), 'dist/src from the build stage');
  });

  it('its runtime stage, run as written, starts as the non-root user: healthy, the sample answers, SIGTERM exits 0', async function () {
    const why = cannotRun();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    assert.ok(existsSync(path.join(ROOT, 'dist', 'src', 'main.js')), 'the checkout is compiled (npx tsc -p .)');
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'mi-image-'));
    try {
      // --- the build stage's output: /src with the compiled code and node_modules, pruned by its own command
      const bsrc = path.join(scratch, 'build', 'src');
      mkdirSync(bsrc, { recursive: true });
      for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) copyFileSync(path.join(ROOT, f), path.join(bsrc, f));
      cpSync(path.join(ROOT, 'dist', 'src'), path.join(bsrc, 'dist', 'src'), { recursive: true });
      // hard links (fast, same disk) of the real folder, never of a symlink to a shared one; npm rewrites its
      // hidden lock file in place, so that one file is removed from the copy first
      const modules = realpathSync(path.join(ROOT, 'node_modules'));
      const linked = spawnSync('cp', ['-al', modules, path.join(bsrc, 'node_modules')]);
      if (linked.status !== 0) cpSync(modules, path.join(bsrc, 'node_modules'), { recursive: true });
      rmSync(path.join(bsrc, 'node_modules', '.package-lock.json'), { force: true });
      const prune = runs(build)
        .flatMap((r) => r.split('&&'))
        .map((c) => c.trim())
        .find((c) => c.startsWith('npm prune'));
      assert.ok(prune, 'the build stage prunes the dev dependencies');
      execFileSync('/bin/sh', ['-c', prune], { cwd: bsrc, stdio: 'pipe', timeout: 120_000 });
      assert.ok(!existsSync(path.join(bsrc, 'node_modules', 'mocha')), 'dev dependencies are gone');

      const { script, port, internal } = runtimeScript(runtime, build.name, scratch);
      writeFileSync(path.join(scratch, 'run.sh'), script);
      const out = await new Promise<string>((resolve) => {
        execFile('unshare', ['--mount', '--net', '--fork', '--', 'bash', path.join(scratch, 'run.sh')], { timeout: 200_000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) =>
          resolve(`${stdout}${stderr}${err ? `\n[exit: ${err.message}]` : ''}`),
        );
      });
      const log = existsSync(path.join(scratch, 'server.log')) ? readFileSync(path.join(scratch, 'server.log'), 'utf8') : '(no server log)';
      const detail = `\n--- steps ---\n${out}\n--- server ---\n${log}`;
      assert.match(out, /^STEPS DONE$/m, `a step of the runtime stage failed${detail}`);
      assert.match(out, /^HEALTHY yes$/m, `the HEALTHCHECK never passed${detail}`);
      assert.match(out, new RegExp(`^SAMPLE 200 .*"greeting": ?"Hello World"`, 'm'), `GET :${port}/hello/World${detail}`);
      assert.match(out, /^LIVENESS 200 \{"server":"started"\}$/m, detail);
      assert.match(out, /^METRIC wso2_integration_api_request_count_total\{service_name="HelloAPI".*\} 1$/m, `the sample is counted on :${internal}${detail}`);
      // the user wrote the embedded database, the logs and the first-start key store, as itself
      const owner = /^OWNER (\S+) (\d+):(\d+)$/gm;
      const owners = [...out.matchAll(owner)].map((m) => ({ file: m[1]!, uid: Number(m[2]), gid: Number(m[3]) }));
      assert.equal(owners.length, 3, detail);
      for (const o of owners) assert.ok(o.uid !== 0 && o.gid !== 0, `${o.file} is owned by ${o.uid}:${o.gid}${detail}`);
      assert.match(out, /^EXIT 0$/m, `SIGTERM: a clean stop${detail}`);
      assert.ok(statSync(path.join(scratch, 'root')).isDirectory());
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

/**
 * The bash script that runs the runtime stage's steps in order inside the namespace, then the entrypoint as
 * the image's user, the health check until it passes, the sample, and a SIGTERM.
 */
function runtimeScript(runtime: Stage, buildName: string, scratch: string): { script: string; port: number; internal: number } {
  const root = path.join(scratch, 'root');
  const workdirs = runtime.instructions.filter((i) => i.op === 'WORKDIR').map((i) => i.args);
  const top = '/' + (workdirs[0] ?? '/opt').split('/')[1];
  assert.ok(workdirs.every((w) => w.startsWith(top + '/') || w === top), 'every WORKDIR under one top folder');
  assert.ok(!process.execPath.startsWith(top + '/'), `node itself lives under ${top}`);
  mkdirSync(path.join(root, top), { recursive: true });
  const config = configFrom(ROOT, {});
  const ports = config.ports;
  const internal = observabilitySettings(config).internalPort;
  const lines = ['set -eu', 'ip link set lo up', `mount --bind ${q(path.join(root, top))} ${q(top)}`];
  // the user database (a copy of /etc: groupadd and useradd replace files by renaming, so the folder is
  // what must be a copy) and the login records useradd writes, seen in place of the host's
  const etc = path.join(scratch, 'etc');
  lines.push(`cp -a /etc ${q(etc)}`, `mount --bind ${q(etc)} /etc`);
  const logs = path.join(scratch, 'var-log');
  mkdirSync(logs);
  for (const f of ['/var/log/lastlog', '/var/log/faillog']) {
    if (!existsSync(f)) continue;
    const copy = path.join(logs, path.basename(f));
    copyFileSync(f, copy);
    lines.push(`mount --bind ${q(copy)} ${q(f)}`);
  }
  if (existsSync('/var/mail')) {
    mkdirSync(path.join(scratch, 'mail'));
    lines.push(`mount --bind ${q(path.join(scratch, 'mail'))} /var/mail`);
  }
  const env: Record<string, string> = {};
  let cwd = '/';
  let user = 'root';
  let entrypoint: string[] = [];
  let health: string[] = [];
  for (const i of runtime.instructions) {
    switch (i.op) {
      case 'ENV': {
        const m = /^(\S+?)(?:=|\s+)(.*)$/.exec(i.args)!;
        env[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
        lines.push(`export ${m[1]}=${q(env[m[1]!]!)}`);
        break;
      }
      case 'WORKDIR':
        cwd = path.posix.resolve(cwd, i.args);
        lines.push(`mkdir -p ${q(cwd)}`, `cd ${q(cwd)}`);
        break;
      case 'RUN': {
        const exec = execForm(i.args);
        const cmd = exec ? exec.map(q).join(' ') : `/bin/sh -c ${q(i.args)}`;
        lines.push(`echo ${q(`STEP RUN ${i.args}`)}`, user === 'root' ? cmd : `as_user ${cmd}`);
        break;
      }
      case 'COPY': {
        const c = copyOf(i.args);
        const dest = path.posix.resolve(cwd, c.dest);
        const intoDir = c.dest.endsWith('/') || c.sources.length > 1;
        lines.push(`echo ${q(`STEP COPY ${i.args}`)}`);
        for (const src of c.sources) {
          assert.ok(c.from === undefined || c.from === buildName, `COPY --from=${c.from}: only the build stage is known`);
          const abs = c.from ? path.join(scratch, 'build', src) : path.join(ROOT, src);
          assert.ok(existsSync(abs), `COPY source ${src} exists`);
          if (statSync(abs).isDirectory()) {
            lines.push(`mkdir -p ${q(dest)}`, `cp -R ${q(abs + '/.')} ${q(dest + '/')}`);
            if (!c.from) for (const rel of ignoredUnder(src.replace(/\/$/, ''))) lines.push(`rm -rf ${q(path.posix.join(dest, rel))}`);
          } else if (intoDir) {
            lines.push(`mkdir -p ${q(dest)}`, `cp ${q(abs)} ${q(dest + '/')}`);
          } else {
            lines.push(`mkdir -p ${q(path.posix.dirname(dest))}`, `cp ${q(abs)} ${q(dest)}`);
          }
        }
        break;
      }
      case 'USER':
        user = i.args;
        break;
      case 'ENTRYPOINT':
        entrypoint = execForm(i.args) ?? ['/bin/sh', '-c', i.args];
        break;
      case 'HEALTHCHECK': {
        const m = /\bCMD\s+(.*)$/.exec(i.args)!;
        health = execForm(m[1]!) ?? ['/bin/sh', '-c', m[1]!];
        break;
      }
      default:
        break; // EXPOSE, VOLUME: metadata
    }
  }
  assert.notEqual(user, 'root', 'the image runs as a user of its own');
  assert.ok(entrypoint.length && health.length, 'an ENTRYPOINT and a HEALTHCHECK');
  const envArgs = Object.entries(env).map(([k, v]) => q(`${k}=${v}`)).join(' ');
  const sample = `fetch('http://127.0.0.1:${ports.http}/hello/World').then(async (r) => console.log('SAMPLE ' + r.status + ' ' + (await r.text())))`;
  const live = `fetch('http://127.0.0.1:${internal}/liveness').then(async (r) => console.log('LIVENESS ' + r.status + ' ' + (await r.text())))`;
  const metric = `fetch('http://127.0.0.1:${internal}/metric-service/metrics').then(async (r) => { for (const l of (await r.text()).split('\\n')) if (l.startsWith('wso2_integration_api_request_count_total{service_name="HelloAPI"')) console.log('METRIC ' + l); })`;
  lines.push(
    'echo STEPS DONE',
    `U=${q(user)}`,
    'UHOME=$(getent passwd "$U" | cut -d: -f6)',
    // Docker runs the entrypoint and the health check as USER, with its HOME, PATH and the ENV values
    `AS_USER=(setpriv --reuid="$U" --regid="$U" --clear-groups -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$UHOME" ${envArgs})`,
    'as_user() { "${AS_USER[@]}" "$@"; }',
    `cd ${q(cwd)}`,
    // no function or subshell in between: setpriv and env exec, so $! is the server's own pid
    `"\${AS_USER[@]}" ${entrypoint.map(q).join(' ')} > ${q(path.join(scratch, 'server.log'))} 2>&1 &`,
    'pid=$!',
    'trap \'kill -9 $pid 2>/dev/null || true\' EXIT',
    'healthy=no',
    'for i in $(seq 1 240); do',
    `  if as_user ${health.map(q).join(' ')}; then healthy=yes; break; fi`,
    '  kill -0 $pid 2>/dev/null || break',
    '  sleep 0.5',
    'done',
    'echo "HEALTHY $healthy"',
    `as_user node -e ${q(sample)} || true`,
    `as_user node -e ${q(live)} || true`,
    `as_user node -e ${q(metric)} || true`,
    `for f in ${q(cwd + '/data/mi.db')} ${q(cwd + '/logs')} ${q(cwd + '/deployment/security')}; do stat -c 'OWNER %n %u:%g' "$f" || true; done`,
    'kill -TERM $pid',
    'set +e',
    'wait $pid',
    'echo "EXIT $?"',
  );
  return { script: lines.join('\n') + '\n', port: ports.http, internal };
}
