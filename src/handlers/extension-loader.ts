/**
 * Extension modules under HOME/extensions/, named in artifacts as `extensions/x.ts` (default export) or
 * `extensions/x.ts#Name` (named export). Each module is compiled once and cached until one of the files it
 * bundles changes (checked by stat on every load, and dropped at once when the watcher reports a change).
 * The loader also remembers which artifact file uses which module files, so hot reload can redeploy exactly
 * the artifacts a changed file affects. One loader per deployer: no global state.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { Errors, MiError } from '../errors.js';
import { compileModule, type CompiledModule } from './compile.js';
import { ExtensionError } from './extension-error.js';

export const EXTENSIONS_DIR = 'extensions';
export const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** An export of a loaded module. */
export interface LoadedExport {
  readonly spec: string;
  readonly value: unknown;
  readonly module: CompiledModule;
}

interface CacheEntry {
  /** mtime:size of every input when compiled; any difference means recompile. */
  readonly stamps: ReadonlyMap<string, string>;
  readonly module?: CompiledModule;
  readonly error?: MiError;
}

/** True when `spec` names a module file rather than a built-in class name. */
export function isModuleSpec(spec: string): boolean {
  const p = spec.split('#')[0]!;
  return p.includes('/') || MODULE_EXTENSIONS.some((e) => p.endsWith(e));
}

function stamp(file: string): string {
  try {
    const st = statSync(file);
    return st.isFile() ? `${st.mtimeMs}:${st.size}` : 'not-a-file';
  } catch {
    return 'missing';
  }
}

export class ExtensionLoader {
  readonly home: string;
  readonly dir: string;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly users = new Map<string, Set<string>>();
  private readonly listeners = new Set<(affected: ReadonlySet<string>) => void>();

  constructor(home: string) {
    this.home = path.resolve(home);
    this.dir = path.join(this.home, EXTENSIONS_DIR);
  }

  /** The export `spec` names, loaded for `user` (an artifact file, or another key) so its changes reach it. */
  load(spec: string, user: string): LoadedExport {
    const hash = spec.indexOf('#');
    const rel = (hash < 0 ? spec : spec.slice(0, hash)).trim();
    const name = hash < 0 ? undefined : spec.slice(hash + 1).trim();
    let module: CompiledModule;
    try {
      const file = this.resolve(rel);
      this.use(user, [file]);
      module = this.module(file);
    } catch (err) {
      // a missing file or a broken one: its creation or fix must redeploy the user
      if (err instanceof ExtensionError) this.use(user, err.files);
      throw err;
    }
    this.use(user, module.inputs);
    const key = name || 'default';
    let value = module.exports[key];
    // a CommonJS module's module.exports is its default export
    if (value === undefined && key === 'default' && !module.exports['__esModule']) value = module.exports;
    if (value === undefined || value === null) {
      const names = Object.keys(module.exports).filter((k) => k !== '__esModule');
      throw new ExtensionError(
        Errors.EXTENSION_INVALID,
        `${rel} has no ${name ? `export '${name}'` : 'default export'}; it exports ${names.length ? names.map((n) => (n === 'default' ? 'default' : `#${n}`)).join(', ') : 'nothing'}`,
      );
    }
    return { spec, value, module };
  }

  /** Forgets what `user` depended on (before it is parsed again, or when it is removed). */
  forget(user: string): void {
    this.users.delete(user);
  }

  /**
   * Files under extensions/ changed: drops the modules built from them and returns the users (artifact
   * files, ...) that depend on them; listeners hear the same set.
   */
  changed(files: Iterable<string>): Set<string> {
    const set = new Set<string>();
    for (const f of files) set.add(path.resolve(f));
    for (const [entry, c] of this.cache) {
      for (const f of c.stamps.keys()) {
        if (set.has(f)) {
          this.cache.delete(entry);
          break;
        }
      }
    }
    const affected = new Set<string>();
    for (const [user, deps] of this.users) {
      for (const f of set) {
        if (deps.has(f)) {
          affected.add(user);
          break;
        }
      }
    }
    for (const l of this.listeners) l(affected);
    return affected;
  }

  /** Calls `listener` with the affected users after each change; returns the unsubscribe function. */
  onChange(listener: (affected: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private use(user: string, files: readonly string[]): void {
    let s = this.users.get(user);
    if (!s) this.users.set(user, (s = new Set()));
    for (const f of files) s.add(f);
  }

  private resolve(rel: string): string {
    const how = `give a module under ${EXTENSIONS_DIR}/ as ${EXTENSIONS_DIR}/name.ts or ${EXTENSIONS_DIR}/name.ts#ExportName`;
    if (path.isAbsolute(rel)) throw new ExtensionError(Errors.EXTENSION_NOT_FOUND, `'${rel}' is an absolute path; ${how}`);
    const file = path.resolve(this.home, rel);
    const inside = path.relative(this.dir, file);
    if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new ExtensionError(Errors.EXTENSION_NOT_FOUND, `'${rel}' is not under ${EXTENSIONS_DIR}/ of the home folder; ${how}`);
    }
    if (!MODULE_EXTENSIONS.some((e) => file.endsWith(e))) {
      throw new ExtensionError(Errors.EXTENSION_NOT_FOUND, `'${rel}' must end with ${MODULE_EXTENSIONS.join(', ')}`);
    }
    if (stamp(file) === 'missing') throw new ExtensionError(Errors.EXTENSION_NOT_FOUND, `${file} does not exist`, [file]);
    return file;
  }

  private module(file: string): CompiledModule {
    const c = this.cache.get(file);
    if (c && [...c.stamps].every(([f, s]) => stamp(f) === s)) {
      if (c.error) throw c.error;
      return c.module!;
    }
    try {
      const module = compileModule(file);
      this.cache.set(file, { stamps: stamps(module.inputs), module });
      return module;
    } catch (err) {
      if (!(err instanceof MiError)) throw err;
      const files = [file, ...(err instanceof ExtensionError ? err.files : [])];
      const e = new ExtensionError(err.spec, `${path.relative(this.home, file)} ${err.message}`, files, { cause: err.cause });
      this.cache.set(file, { stamps: stamps(files), error: e });
      throw e;
    }
  }
}

function stamps(files: readonly string[]): Map<string, string> {
  return new Map(files.map((f) => [f, stamp(f)]));
}
