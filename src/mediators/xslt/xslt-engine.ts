/**
 * The XSLT engine: SaxonJS 2 (XSLT 3.0, so the XSLT 1.0 and 2.0 stylesheets Micro Integrator runs on Saxon
 * behave the same). SaxonJS runs compiled stylesheets (SEF); the compiler is the `xslt3` command, run once
 * per stylesheet when it deploys, in a child process. A compiled stylesheet is cached in memory and on disk
 * (HOME/tmp/xslt-cache, by a hash of the stylesheet and its imports), so a restart or a relink does not
 * compile it again. Per message the transformation runs in-process and synchronously.
 */
import { createHash } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

interface SaxonJS {
  transform(options: Record<string, unknown>, mode: 'sync'): { principalResult: unknown };
}

let saxon: SaxonJS | undefined;
function engine(): SaxonJS {
  // loaded on first use: a runtime without xslt mediators does not pay for it
  return (saxon ??= require('saxon-js') as SaxonJS);
}

export class XsltCompileError extends Error {}

/** A compiled stylesheet, ready to transform. */
export interface CompiledStylesheet {
  readonly hash: string;
  /** xsl:output method="text": the result is text, wrapped as Axis2 wraps text. */
  readonly textOutput: boolean;
  /** `onMessage` hears xsl:message texts (Saxon writes them to the error stream). */
  transform(sourceXml: string, params: Record<string, string> | undefined, onMessage: (text: string) => void): string;
}

/** The stylesheet text plus the documents it imports (`<resource location key>`), by location. */
export interface StylesheetSource {
  readonly text: string;
  readonly resources: ReadonlyMap<string, string>;
}

const compiled = new Map<string, CompiledStylesheet>();

function hashOf(src: StylesheetSource): string {
  const h = createHash('sha256').update(src.text);
  for (const [loc, text] of [...src.resources].sort(([a], [b]) => (a < b ? -1 : 1))) h.update('\u0000' + loc + '\u0000' + text);
  return h.digest('hex');
}

function xslt3Path(): string {
  return path.join(path.dirname(require.resolve('xslt3/package.json')), 'xslt3.js');
}

/** Lays the stylesheet and its resources out as files, so that xsl:import/include hrefs resolve. */
function layOut(src: StylesheetSource): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-xslt-'));
  for (const [loc, text] of src.resources) {
    const rel = path.normalize(loc);
    if (path.isAbsolute(rel) || rel.startsWith('..') || /^[a-z][\w+.-]*:/i.test(loc)) {
      rmSync(dir, { recursive: true, force: true });
      throw new XsltCompileError(`resource location '${loc}' must be a relative path (as the stylesheet's xsl:import/xsl:include href names it)`);
    }
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  writeFileSync(path.join(dir, '__stylesheet.xsl'), src.text);
  return dir;
}

function compilerArgs(dir: string): string[] {
  return [xslt3Path(), `-xsl:${path.join(dir, '__stylesheet.xsl')}`, `-export:${path.join(dir, '__stylesheet.sef.json')}`, '-nogo', '-relocate:on'];
}

/** The compiler's complaint without its boilerplate and our temporary paths. */
function compilerMessage(out: string, dir: string): string {
  const lines = out
    .split('\n')
    .map((l) => l.split(dir + path.sep).join('').replace(/file:\/\/\/?[^\s]*?__stylesheet\.xsl/g, 'stylesheet').trim())
    .filter((l) => l !== '' && l !== 'Failed to compile stylesheet');
  return lines.join(' ').replace(/__stylesheet\.xsl/g, 'stylesheet') || 'the stylesheet does not compile';
}

function load(src: StylesheetSource, hash: string, sefText: string): CompiledStylesheet {
  const sef = JSON.parse(sefText) as unknown;
  const textOutput = /<xsl:output\b[^>]*\bmethod\s*=\s*["']text["']/.test(src.text);
  const c: CompiledStylesheet = {
    hash,
    textOutput,
    transform(sourceXml, params, onMessage) {
      const deliverMessage = (node: { textContent?: string | null }): void => onMessage(String(node?.textContent ?? ''));
      const r = engine().transform({ stylesheetInternal: sef, sourceText: sourceXml, destination: 'serialized', stylesheetParams: params ?? {}, deliverMessage }, 'sync');
      return String(r.principalResult ?? '');
    },
  };
  compiled.set(hash, c);
  return c;
}

function cacheFile(cacheDir: string | undefined, hash: string): string | undefined {
  return cacheDir ? path.join(cacheDir, `${hash}.sef.json`) : undefined;
}

function fromCache(src: StylesheetSource, hash: string, cacheDir: string | undefined): CompiledStylesheet | undefined {
  const hit = compiled.get(hash);
  if (hit) return hit;
  const f = cacheFile(cacheDir, hash);
  if (f && existsSync(f)) {
    try {
      return load(src, hash, readFileSync(f, 'utf8'));
    } catch {
      // a damaged cache file is compiled again
    }
  }
  return undefined;
}

function store(cacheDir: string | undefined, hash: string, sefText: string): void {
  const f = cacheFile(cacheDir, hash);
  if (!f) return;
  try {
    mkdirSync(cacheDir!, { recursive: true, mode: 0o700 });
    writeFileSync(f + '.part', sefText);
    renameSync(f + '.part', f);
  } catch {
    // no disk cache: the next start compiles again
  }
}

/** Compiles at deploy time (blocking: deployment waits for its stylesheets). Throws XsltCompileError. */
export function compileStylesheetSync(src: StylesheetSource, cacheDir: string | undefined): CompiledStylesheet {
  const hash = hashOf(src);
  const hit = fromCache(src, hash, cacheDir);
  if (hit) return hit;
  const dir = layOut(src);
  try {
    const r = spawnSync(process.execPath, compilerArgs(dir), { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new XsltCompileError(compilerMessage(`${r.stderr ?? ''}\n${r.stdout ?? ''}`, dir) + (r.error ? ` (${r.error.message})` : ''));
    const sefText = readFileSync(path.join(dir, '__stylesheet.sef.json'), 'utf8');
    store(cacheDir, hash, sefText);
    return load(src, hash, sefText);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles on the request path (a dynamic key's first use) without blocking other requests. */
export async function compileStylesheet(src: StylesheetSource, cacheDir: string | undefined): Promise<CompiledStylesheet> {
  const hash = hashOf(src);
  const hit = fromCache(src, hash, cacheDir);
  if (hit) return hit;
  const dir = layOut(src);
  try {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, compilerArgs(dir), { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
        if (err) reject(new XsltCompileError(compilerMessage(`${stderr}\n${stdout}`, dir)));
        else resolve(readFileSync(path.join(dir, '__stylesheet.sef.json'), 'utf8'));
      });
    });
    store(cacheDir, hash, out);
    return load(src, hash, out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
