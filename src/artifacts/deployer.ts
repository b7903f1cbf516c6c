/**
 * Keeps the artifact folder and the running deployment in step: a full scan at start, then (with hot
 * deployment) a re-parse of each changed file and a relink of everything, swapped in atomically. A file that
 * breaks keeps its last good version serving, as Micro Integrator restores a failed update; each problem
 * is logged once, with file:line and its code. Users' files are never renamed or touched. Extension modules
 * under HOME/extensions/ are watched too: a change redeploys the artifacts whose handlers or class mediators
 * use the changed file.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Runtime } from '../runtime.js';
import type { MediatorParser } from './parse-context.js';
import { formatDiagnostic, type Diagnostic } from './diagnostic.js';
import { parseArtifactFile, parseArtifactText, type ParsedArtifact, type ParsedFile } from './loader.js';
import { link, servingClaims, type LinkResult } from './linker.js';
import type { Artifact } from './model.js';
import { BUILTIN_SEQUENCES } from './builtin-sequences.js';
import { ExtensionLoader } from '../handlers/extension-loader.js';
import { inBackground } from '../mediators/deploy-compiles.js';

export const DEPLOYER_LOGGER = 'org.apache.synapse.deployers.SynapseArtifactDeployer';

/** An API's OpenAPI definition beside it (`<ApiName>_swagger.yaml`): a change redeploys the artifacts beside it. */
const DEFINITION_FILE = /_swagger\.(ya?ml|json)$/;

/** How Micro Integrator names each kind in its "has been deployed from file" lines. */
const ARTIFACT_LABEL: Record<Artifact['kind'], string> = {
  proxy: 'ProxyService',
  api: 'API',
  sequence: 'Sequence',
  endpoint: 'Endpoint',
  localEntry: 'LocalEntry',
  template: 'Template',
  endpointTemplate: 'Template',
};

export function listArtifactFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const e of entries.sort()) {
      const p = path.join(d, e);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (e.endsWith('.xml')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function builtinArtifacts(mediators: MediatorParser): ParsedArtifact[] {
  const out: ParsedArtifact[] = [];
  for (const [name, xml] of Object.entries(BUILTIN_SEQUENCES)) {
    const parsed = parseArtifactText(`<built-in ${name}>`, xml, mediators);
    out.push(...parsed.artifacts);
  }
  return out;
}

export class Deployer {
  private readonly files = new Map<string, ParsedFile>();
  private readonly lastGood = new Map<string, ParsedFile>();
  private reported = new Set<string>();
  private watcher: FSWatcher | undefined;
  private extWatcher: FSWatcher | undefined;
  private readonly builtins: ParsedArtifact[];
  private pending = new Set<string>();
  private pendingExt = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly mediators: MediatorParser;
  /** Handler and class mediator modules: one compile cache, and who uses which file. */
  readonly extensions: ExtensionLoader;
  last: LinkResult | undefined;

  constructor(
    private readonly runtime: Runtime,
    readonly dir: string,
    mediators: MediatorParser,
  ) {
    this.extensions = new ExtensionLoader(runtime.config.home);
    // the parser keeps its own methods (prototype) and carries the deployer's loader
    this.mediators = Object.assign(Object.create(mediators) as MediatorParser, { extensions: this.extensions });
    this.builtins = builtinArtifacts(this.mediators);
  }

  /** Parses every file, links and activates. Returns the diagnostics of this round. */
  deployAll(): LinkResult {
    for (const f of listArtifactFiles(this.dir)) this.load(f);
    return this.relink();
  }

  /** deployAll(), with slow compiles (stylesheets) run in parallel in the background first. */
  async deployAllInBackground(): Promise<LinkResult> {
    for (const f of listArtifactFiles(this.dir)) this.load(f);
    await this.precompile();
    return this.relink();
  }

  /**
   * A dry link in which slow compiles start in the background (deploy-compiles.ts), then the wait for them:
   * the deployment that serves keeps serving meanwhile, and the real link finds every compile cached.
   */
  private async precompile(): Promise<void> {
    // again until a dry link starts nothing: files that changed meanwhile may bring new stylesheets (a compiler
    // killed by its timeout is not remembered as failed, so the rounds are bounded; the real link then blocks)
    for (let round = 0; round < 3; round++) {
      const started = inBackground(() => this.link());
      if (!started.length) return;
      await Promise.all(started);
    }
  }

  private load(file: string): void {
    this.extensions.forget(file);
    const parsed = parseArtifactFile(file, this.mediators, this.runtime.config.home);
    this.files.set(file, parsed);
    if (!parsed.diagnostics.some((d) => d.severity === 'error')) this.lastGood.set(file, parsed);
  }

  private relink(): LinkResult {
    const result = this.link();
    this.runtime.activate(result.deployment);
    this.report(result.diagnostics);
    this.reportDeployed(result.deployed);
    this.last = result;
    return result;
  }

  /** Links the last good version of every file against what serves; activates nothing. */
  private link(): LinkResult {
    const inputs: ParsedFile[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const [file, parsed] of this.files) {
      diagnostics.push(...parsed.diagnostics);
      const broken = parsed.diagnostics.some((d) => d.severity === 'error');
      const good = broken ? this.lastGood.get(file) : parsed;
      if (good) inputs.push(good);
    }
    // what serves keeps serving: a newcomer with the same name or API context is refused
    const result = link(inputs, this.builtins, servingClaims(this.last?.deployed ?? []));
    result.diagnostics.unshift(...diagnostics);
    return result;
  }

  /** Logs each artifact that is now serving and was not (or was another version), once it is live. */
  private reportDeployed(deployed: readonly Artifact[]): void {
    const log = this.runtime.logs.get(DEPLOYER_LOGGER);
    const key = (a: Artifact): string => `${a.kind}:${a.name}`;
    const before = new Map((this.last?.deployed ?? []).map((a) => [key(a), a]));
    for (const a of deployed) {
      const prev = before.get(key(a));
      if (prev === a) continue;
      const what = `${ARTIFACT_LABEL[a.kind]} named '${a.name}'`;
      log.info(prev?.file === a.file ? `${what} has been updated from file : ${a.file}` : `${what} has been deployed from file : ${a.file}`);
    }
  }

  private report(diags: Diagnostic[]): void {
    const log = this.runtime.logs.get(DEPLOYER_LOGGER);
    const now = new Set<string>();
    for (const d of diags) {
      const line = formatDiagnostic(d);
      now.add(line);
      if (this.reported.has(line)) continue;
      if (d.severity === 'error') log.error(`Deployment failed: ${line}`);
      else log.warn(line);
    }
    this.reported = now;
  }

  /** Watches the folder; changes settle for 150 ms and then redeploy. */
  async watch(): Promise<void> {
    const w = watch(this.dir, {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
      ignored: (p, st) => !!st?.isFile() && !p.endsWith('.xml') && !DEFINITION_FILE.test(p),
    });
    const onChange = (file: string): void => {
      this.pending.add(file);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 150);
    };
    w.on('add', onChange).on('change', onChange).on('unlink', onChange);
    w.on('unlinkDir', () => onChange(''));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    this.watcher = w;
    await this.watchExtensions();
  }

  /** HOME/extensions/ (which may not exist yet): watched from the home, everything else there ignored. */
  private async watchExtensions(): Promise<void> {
    const home = this.extensions.home;
    const ext = this.extensions.dir;
    const w = watch(home, {
      ignoreInitial: true,
      awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 25 },
      ignored: (p) => !(p === home || p === ext || p.startsWith(ext + path.sep)) || p.includes(`${path.sep}node_modules`),
    });
    const onChange = (file: string): void => {
      this.pendingExt.add(file);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), 150);
    };
    w.on('add', onChange).on('change', onChange).on('unlink', onChange);
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    this.extWatcher = w;
  }

  private flush(): void {
    // a definition file stands for the artifact files of its folder (one of them is its API)
    const changed = [...new Set([...this.pending].flatMap((f) => (DEFINITION_FILE.test(f) ? [...this.files.keys()].filter((x) => path.dirname(x) === path.dirname(f)) : [f])))];
    this.pending.clear();
    const log = this.runtime.logs.get(DEPLOYER_LOGGER);
    if (this.pendingExt.size) {
      const ext = [...this.pendingExt];
      this.pendingExt.clear();
      for (const f of this.extensions.changed(ext)) {
        if (!this.files.has(f) || changed.includes(f)) continue;
        changed.push(f);
        log.info(`Extension ${ext.map((e) => path.relative(this.extensions.home, e)).join(', ')} changed: redeploying ${f}`);
      }
    }
    for (const f of changed) {
      if (f === '') {
        for (const known of [...this.files.keys()]) if (!exists(known)) this.forget(known);
        continue;
      }
      if (exists(f)) {
        this.load(f); // "deployed" is logged once the artifacts serve (reportDeployed)
      } else if (this.files.has(f)) {
        this.forget(f);
        log.info(`Artifact file ${f} removed: its artifacts are undeployed`);
      }
    }
    // one redeployment at a time: a change that arrives while stylesheets compile waits for its turn
    this.redeploying = this.redeploying.then(async () => {
      try {
        await this.precompile();
        this.relink();
      } catch (err) {
        log.error(`Redeployment failed: ${(err as Error).message}`);
      }
    });
  }

  /** The redeployment in progress (resolved when none). */
  private redeploying: Promise<void> = Promise.resolve();

  private forget(f: string): void {
    this.files.delete(f);
    this.lastGood.delete(f);
    this.extensions.forget(f);
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.redeploying;
    await this.watcher?.close();
    await this.extWatcher?.close();
  }
}

function exists(f: string): boolean {
  try {
    return statSync(f).isFile();
  } catch {
    return false;
  }
}
