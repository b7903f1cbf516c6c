/**
 * Turns one extension module (TypeScript or JavaScript) into its exports, synchronously, so artifacts keep
 * deploying in one synchronous pass. esbuild bundles the module with its relative imports (TypeScript
 * compiled, types dropped, packages and node: built-ins left to require()) into CommonJS, which is then
 * evaluated in this process with a require() rooted at the module's folder. The bundle's inputs tell hot
 * reload which files the module depends on; its source map turns stack traces back into the user's lines.
 */
import { buildSync, type BuildFailure, type Message } from 'esbuild';
import { createRequire, SourceMap } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { Errors } from '../errors.js';
import { ExtensionError } from './extension-error.js';
import { whereThrown } from './stack-trace.js';

export interface CompiledModule {
  /** The module file (the name stack frames carry). */
  readonly file: string;
  readonly exports: Record<string, unknown>;
  /** Absolute paths of every file bundled into it (the module and its relative imports). */
  readonly inputs: readonly string[];
  readonly sourceMap: SourceMap | undefined;
}

const PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', '__mi_import_meta_url'];

function located(m: Message, cwd: string): string {
  const l = m.location;
  return l ? `${path.resolve(cwd, l.file)}:${l.line}:${l.column + 1}: ${m.text}` : m.text;
}

export function compileModule(file: string): CompiledModule {
  const cwd = path.dirname(file);
  let result;
  try {
    result = buildSync({
      entryPoints: [file],
      absWorkingDir: cwd,
      outfile: file + '.bundle.js',
      write: false,
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      // import.meta has no CommonJS equivalent: give it the module's own URL, path and folder
      define: { 'import.meta.url': '__mi_import_meta_url', 'import.meta.filename': '__filename', 'import.meta.dirname': '__dirname' },
    });
  } catch (err) {
    const errors = (err as BuildFailure).errors;
    if (!errors?.length) throw new ExtensionError(Errors.EXTENSION_LOAD, `cannot be compiled: ${(err as Error).message}`, [file], { cause: err });
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    const files = errors.flatMap((m) => (m.location ? [path.resolve(cwd, m.location.file)] : []));
    throw new ExtensionError(Errors.EXTENSION_LOAD, `does not compile: ${located(errors[0]!, cwd)}${more}`, files);
  }
  const inputs = Object.keys(result.metafile!.inputs).map((p) => path.resolve(cwd, p));
  let code = '';
  let sourceMap: SourceMap | undefined;
  for (const o of result.outputFiles!) {
    if (o.path.endsWith('.map')) {
      const raw = JSON.parse(o.text) as { sources: string[] };
      // sources are relative to the bundle's folder, which is the module's folder
      raw.sources = raw.sources.map((s) => path.resolve(cwd, s));
      sourceMap = new SourceMap(raw as ConstructorParameters<typeof SourceMap>[0]);
    } else code = o.text;
  }
  const module = { exports: {} as Record<string, unknown> };
  try {
    const fn = vm.compileFunction(code, PARAMS, {
      filename: file,
      // let a dynamic import() in the module use Node's loader (Node >= 20.12; older ones refuse it)
      importModuleDynamically: (vm.constants as { USE_MAIN_CONTEXT_DEFAULT_LOADER?: unknown } | undefined)?.USE_MAIN_CONTEXT_DEFAULT_LOADER as never,
    });
    fn.call(module.exports, module.exports, createRequire(file), module, file, cwd, pathToFileURL(file).href);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const where = whereThrown(e, file, sourceMap);
    throw new ExtensionError(Errors.EXTENSION_LOAD, `fails to load: ${e.message}${where ? ` (at ${where})` : ''}`, inputs, { cause: err });
  }
  return { file, exports: module.exports, inputs, sourceMap };
}
