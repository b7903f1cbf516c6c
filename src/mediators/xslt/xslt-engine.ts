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
import { parseXml, XmlParseError } from '../../xml/dom.js';
import { serializeOmElement } from '../../xml/om-serialize.js';
import { compilesDeferred, defer } from '../deploy-compiles.js';
import { saxonJs, type SaxonDocument, type SaxonNode } from './saxon.js';

const require = createRequire(import.meta.url);

export class XsltCompileError extends Error {}

/** A compiled stylesheet, ready to transform. */
export interface CompiledStylesheet {
  readonly hash: string;
  /** xsl:output method="text": the result is text, wrapped as Axis2 wraps text. */
  readonly textOutput: boolean;
  /** The result is taken as the serializer writes it (method="text", and indent="yes", whose whitespace MI keeps). */
  readonly serializedOutput: boolean;
  /**
   * Runs the stylesheet on a source tree. The result: the serializer's text when `serialized` (or when the
   * stylesheet's output is serialized anyway), else the result document. `onMessage` hears xsl:message texts
   * (Saxon writes them to the error stream).
   */
  run(source: SaxonDocument, params: Record<string, string> | undefined, onMessage: (text: string) => void, serialized?: boolean): RawResult;
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

const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/**
 * Copies an element of SaxonJS's result tree into our DOM, in the message's document: cheaper than
 * serializing it and parsing the text again (measured ~20-60% less per transform on the bench stylesheets).
 */
function copyElement(doc: Document, n: SaxonNode): Element {
  const e = doc.createElementNS(n.namespaceURI || null, n.prefix ? `${n.prefix}:${n.localName}` : n.localName);
  const at = n.attributes;
  // namespace declarations first, as Axiom writes them (SaxonJS lists them after the attributes); the xml
  // prefix is never declared
  for (let i = 0; i < at.length; i++) {
    const a = at[i]!;
    if ((a.name === 'xmlns' || a.name.startsWith('xmlns:')) && a.name !== 'xmlns:xml') e.setAttributeNS(XMLNS_NS, a.name, a.value);
  }
  for (let i = 0; i < at.length; i++) {
    const a = at[i]!;
    if (a.name !== 'xmlns' && !a.name.startsWith('xmlns:')) e.setAttributeNS(a.namespaceURI || null, a.name, a.value);
  }
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) e.appendChild(copyElement(doc, c));
    else if (c.nodeType === 3 || c.nodeType === 4) e.appendChild(doc.createTextNode(c.nodeValue ?? ''));
    else if (c.nodeType === 8) e.appendChild(doc.createComment(c.nodeValue ?? ''));
    else if (c.nodeType === 7) e.appendChild(doc.createProcessingInstruction(c.target ?? c.localName, c.nodeValue ?? ''));
  }
  return e;
}

export class XsltResultError extends Error {}

function load(src: StylesheetSource, hash: string, sefText: string): CompiledStylesheet {
  const sef = JSON.parse(sefText) as unknown;
  const output = /<xsl:output\b[^>]*>/.exec(src.text)?.[0] ?? '';
  const textOutput = /\bmethod\s*=\s*["']text["']/.test(output);
  // indentation is whitespace the result keeps in Micro Integrator (it parses the serialized result)
  const serializedOutput = textOutput || /\bindent\s*=\s*["']yes["']/.test(output);
  const c: CompiledStylesheet = {
    hash,
    textOutput,
    serializedOutput,
    run(source, params, onMessage, serialized) {
      const deliverMessage = (node: { textContent?: string | null }): void => onMessage(String(node?.textContent ?? ''));
      const asText = serialized || serializedOutput;
      // 'raw': the result items as they are (no result document around them: ~10% less per 1 KB transform)
      const options = { stylesheetInternal: sef, sourceNode: source, destination: asText ? 'serialized' : 'raw', stylesheetParams: params ?? NO_PARAMS, deliverMessage };
      const r = saxonJs().transform(options, 'sync').principalResult;
      return asText ? String(r ?? '') : (r as RawResult);
    },
  };
  compiled.set(hash, c);
  return c;
}

const NO_PARAMS = {};

/** What a 'raw' transform gives: one item (an element, a text node, a document), a sequence, or nothing. */
export type RawResult = SaxonNode | readonly unknown[] | string | number | boolean | null | undefined;

function items(result: RawResult): unknown[] {
  if (result === null || result === undefined) return [];
  if (Array.isArray(result)) return result as unknown[];
  const n = result as SaxonNode;
  if (typeof result === 'object' && (n.nodeType === 9 || n.nodeType === 11)) {
    const out: SaxonNode[] = [];
    for (let c = n.firstChild; c; c = c.nextSibling) out.push(c);
    return out;
  }
  return [result];
}

/** The one element of a result (whitespace, comments and instructions around it aside). */
function singleElement(result: RawResult): SaxonNode {
  let el: SaxonNode | undefined;
  for (const it of items(result)) {
    const n = it as SaxonNode;
    if (typeof it === 'object' && it !== null && n.nodeType === 1) {
      if (el) throw new XsltResultError('the result is not one XML element: it has more than one root element');
      el = n;
    } else if (typeof it !== 'object' || it === null || n.nodeType === 3 || n.nodeType === 4) {
      const text = typeof it === 'object' && it !== null ? (n.nodeValue ?? '') : String(it);
      if (!/^[ \t\r\n]*$/.test(text)) throw new XsltResultError('the result is not one XML element: it has text outside the root element');
    }
  }
  if (!el) throw new XsltResultError('the result has no element');
  return el;
}

/** The result as an element of `owner` (the message's document: nothing to import afterwards). */
export function resultElement(result: RawResult, xsl: CompiledStylesheet, owner: Document): Element {
  if (typeof result === 'string' && xsl.serializedOutput) return xsl.textOutput ? textElement(owner, result) : resultFromText(result);
  return copyElement(owner, singleElement(result));
}

/** The result as XML text, written as Axiom writes an element (the stylesheet's output is not serialized). */
export function resultXml(result: RawResult, xsl: CompiledStylesheet): string {
  if (typeof result === 'string' && xsl.serializedOutput) {
    if (!xsl.textOutput) throw new XsltResultError('an indented result is read through the DOM route');
    return `<text xmlns="${TEXT_NS}">${escapeText(result)}</text>`;
  }
  return serializeOmElement(singleElement(result) as unknown as Element);
}

const TEXT_NS = 'http://ws.apache.org/commons/ns/payload';

function escapeText(s: string): string {
  return s.replace(/[<>&\r]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '&#13;'));
}

/** Axis2's wrapper for a text result. */
function textElement(owner: Document, text: string): Element {
  const el = owner.createElementNS(TEXT_NS, 'text');
  el.setAttributeNS(XMLNS_NS, 'xmlns', TEXT_NS);
  el.appendChild(owner.createTextNode(text));
  return el;
}

function resultFromText(out: string): Element {
  let t = out.trimStart();
  if (t.startsWith('<?xml')) t = t.slice(t.indexOf('?>') + 2);
  try {
    return parseXml(t.trim()).documentElement;
  } catch (err) {
    throw new XsltResultError(`the result is not one XML element: ${err instanceof XmlParseError ? err.problem.message : String(err)}`);
  }
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

/** Compiler complaints by stylesheet hash: a stylesheet that does not compile is not compiled again. */
const failures = new Map<string, string>();
const MAX_FAILURES = 256;
/** Compiles running, by stylesheet hash (a stylesheet used twice is compiled once). */
const inFlight = new Map<string, Promise<CompiledStylesheet>>();

/**
 * Compiles at deploy time. Inside the deployer's dry link (deploy-compiles.ts) an uncached stylesheet is
 * compiled in the background and CompilePending thrown; otherwise the compile blocks. Throws XsltCompileError.
 */
export function compileStylesheetSync(src: StylesheetSource, cacheDir: string | undefined): CompiledStylesheet {
  const hash = hashOf(src);
  const hit = fromCache(src, hash, cacheDir);
  if (hit) return hit;
  const failed = failures.get(hash);
  if (failed !== undefined) throw new XsltCompileError(failed);
  if (compilesDeferred()) defer(compileInChild(src, hash, cacheDir));
  const dir = layOut(src);
  try {
    const r = spawnSync(process.execPath, compilerArgs(dir), { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) {
      const message = compilerMessage(`${r.stderr ?? ''}\n${r.stdout ?? ''}`, dir);
      if (!r.error) remember(hash, message);
      throw new XsltCompileError(message + (r.error ? ` (${r.error.message})` : ''));
    }
    const sefText = readFileSync(path.join(dir, '__stylesheet.sef.json'), 'utf8');
    store(cacheDir, hash, sefText);
    return load(src, hash, sefText);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compiles without blocking other requests (a dynamic key's first use, or a deployment in preparation). */
export function compileStylesheet(src: StylesheetSource, cacheDir: string | undefined): Promise<CompiledStylesheet> {
  const hash = hashOf(src);
  const hit = fromCache(src, hash, cacheDir);
  if (hit) return Promise.resolve(hit);
  const failed = failures.get(hash);
  if (failed !== undefined) return Promise.reject(new XsltCompileError(failed));
  return compileInChild(src, hash, cacheDir);
}

function compileInChild(src: StylesheetSource, hash: string, cacheDir: string | undefined): Promise<CompiledStylesheet> {
  let running = inFlight.get(hash);
  if (running) return running;
  const dir = layOut(src);
  running = new Promise<CompiledStylesheet>((resolve, reject) => {
    execFile(process.execPath, compilerArgs(dir), { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      try {
        if (err) {
          const message = compilerMessage(`${stderr}\n${stdout}`, dir);
          // a compiler that was killed (timeout) may succeed next time; a stylesheet error will not
          if (!err.killed) remember(hash, message);
          reject(new XsltCompileError(message));
          return;
        }
        const sefText = readFileSync(path.join(dir, '__stylesheet.sef.json'), 'utf8');
        store(cacheDir, hash, sefText);
        resolve(load(src, hash, sefText));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      } finally {
        inFlight.delete(hash);
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
  inFlight.set(hash, running);
  return running;
}

function remember(hash: string, message: string): void {
  if (failures.size >= MAX_FAILURES) failures.delete(failures.keys().next().value!);
  failures.set(hash, message);
}
