/**
 * `mi validate` type-checks HOME/extensions/ with the TypeScript compiler API, when `typescript` can be
 * resolved from the home (a dev dependency of a home made by `mi init`). The runtime compiles extensions
 * without looking at types (esbuild drops them), so this is where `mc.inbound.query.toUpperCase()` is
 * found before a request finds it. The home's tsconfig.json is used when there is one; otherwise the
 * options below, which are the ones `mi init` writes. Nothing here is loaded by `mi start`.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TS from 'typescript';

export interface TypeProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** `TS2339` */
  readonly code: string;
  readonly message: string;
}

export type TypeCheck = { readonly checked: false; readonly reason: string } | { readonly checked: true; readonly files: number; readonly problems: readonly TypeProblem[] };

/** The options `mi init` writes into tsconfig.json, in tsconfig's own spelling. */
export const EXTENSION_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2022', 'DOM'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noEmit: true,
  skipLibCheck: true,
} as const;

const SOURCE = /\.(?:ts|mts|cts)$/;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function loadTypeScript(home: string): typeof TS | undefined {
  try {
    const req = createRequire(path.join(home, 'package.json'));
    return req(req.resolve('typescript')) as typeof TS;
  } catch {
    return undefined;
  }
}

function compilerOptions(ts: typeof TS, home: string): { options: TS.CompilerOptions; errors: readonly TS.Diagnostic[] } {
  const tsconfig = path.join(home, 'tsconfig.json');
  if (existsSync(tsconfig)) {
    const read = ts.readConfigFile(tsconfig, (f) => ts.sys.readFile(f));
    if (read.error) return { options: {}, errors: [read.error] };
    const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, home, undefined, tsconfig);
    // "No inputs were found" does not matter here: the files checked are those under extensions/
    return { options: { ...parsed.options, noEmit: true }, errors: parsed.errors.filter((e) => e.code !== 18003) };
  }
  const converted = ts.convertCompilerOptionsFromJson(EXTENSION_COMPILER_OPTIONS, home);
  return { options: converted.options, errors: converted.errors };
}

export function typeCheckExtensions(home: string): TypeCheck {
  const dir = path.join(home, 'extensions');
  const files = existsSync(dir) ? sources(dir) : [];
  if (files.length === 0) return { checked: false, reason: 'no TypeScript files under extensions/' };
  const ts = loadTypeScript(home);
  if (!ts) return { checked: false, reason: `typescript cannot be found from ${home} (npm install --save-dev typescript @types/node there to have extensions/ type-checked)` };
  const { options, errors } = compilerOptions(ts, home);
  const diagnostics = errors.length ? errors : ts.getPreEmitDiagnostics(ts.createProgram(files, options));
  const problems = diagnostics
    .filter((d) => d.category === ts.DiagnosticCategory.Error)
    .map((d): TypeProblem => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
      if (!d.file || d.start === undefined) return { file: path.join(home, 'tsconfig.json'), line: 0, col: 0, code: `TS${d.code}`, message };
      const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
      return { file: d.file.fileName, line: line + 1, col: character + 1, code: `TS${d.code}`, message };
    });
  return { checked: true, files: files.length, problems };
}
