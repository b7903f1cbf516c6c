/**
 * One artifact file -> models. Dispatches on the root element (proxy, api, sequence, endpoint, localEntry,
 * template, or a <definitions> holding several), so a file in any sub-folder deploys. Problems become
 * diagnostics with file:line:col; nothing here throws for a user mistake.
 */
import { readFileSync } from 'node:fs';
import { Errors } from '../errors.js';
import { parseXml, XmlParseError, childElements, SYNAPSE_NS } from '../xml/dom.js';
import { parseEndpoint } from '../endpoints/parse.js';
import { withExternalPrefetch } from '../endpoints/external-prefetch.js';
import { observeCompiles, type Expression } from '../expr/expression.js';
import { diagnostic, type Diagnostic } from './diagnostic.js';
import { ParseAbort, ParseContext, type KeyRef, type MediatorParser } from './parse-context.js';
import type { Artifact } from './model.js';
import { isEndpointTemplate, parseEndpointTemplate } from './endpoint-template.js';
import { parseApi } from './parse-api.js';
import { parseLocalEntry } from './parse-local-entry.js';
import { parseProxy } from './parse-proxy.js';
import { parseNamedSequence, parseTemplate } from './parse-sequence.js';

export interface ParsedArtifact {
  artifact: Artifact;
  refs: KeyRef[];
  /** Shared resources (DB connection pools) it uses; absent when none. */
  resources?: ReadonlySet<string>;
}

export interface ParsedFile {
  file: string;
  artifacts: ParsedArtifact[];
  diagnostics: Diagnostic[];
}

const ROOTS = ['proxy', 'api', 'sequence', 'endpoint', 'localEntry', 'template'];

function parseOne(el: Element, ctx: ParseContext): Artifact {
  switch (el.localName) {
    case 'proxy':
      return parseProxy(el, ctx);
    case 'api':
      return parseApi(el, ctx);
    case 'sequence':
      return parseNamedSequence(el, ctx);
    case 'localEntry':
      return parseLocalEntry(el, ctx);
    case 'template':
      return isEndpointTemplate(el) ? parseEndpointTemplate(el, ctx) : parseTemplate(el, ctx);
    case 'endpoint': {
      const name = el.getAttribute('name');
      if (!name) ctx.fail(el, Errors.MISSING_ATTRIBUTE, "an endpoint artifact needs the 'name' attribute");
      // expressions of a named endpoint are checked as a mediator's are, and its external lookups fetched before each send
      const exprs: Expression[] = [];
      const endpoint = observeCompiles((e) => exprs.push(e), () => parseEndpoint(el, ctx, name!));
      ctx.checkVaultLookups(el, exprs);
      return { kind: 'endpoint', name: name!, file: ctx.file, endpoint: withExternalPrefetch(endpoint, exprs) };
    }
    default:
      return ctx.fail(el, Errors.UNKNOWN_ROOT, `<${el.localName}> is not a deployable artifact; expected one of ${ROOTS.join(', ')}`);
  }
}

export function parseArtifactText(file: string, text: string, mediators: MediatorParser, home = '.'): ParsedFile {
  const out: ParsedFile = { file, artifacts: [], diagnostics: [] };
  let doc: Document;
  try {
    doc = parseXml(text);
  } catch (err) {
    if (err instanceof XmlParseError) {
      out.diagnostics.push(diagnostic(file, err.problem, err.doctype ? Errors.XML_DOCTYPE : Errors.XML_MALFORMED, err.problem.message));
      return out;
    }
    throw err;
  }
  const root = doc.documentElement;
  const elements = root.localName === 'definitions' ? childElements(root) : [root];
  for (const el of elements) {
    const ctx = new ParseContext(file, mediators, home);
    if (el.namespaceURI !== SYNAPSE_NS) {
      ctx.warn(el, Errors.UNKNOWN_ELEMENT, `<${el.localName}> is not in the Synapse namespace ${SYNAPSE_NS}`);
    }
    if (root.localName === 'definitions' && (el.localName === 'registry' || el.localName === 'description')) {
      if (el.localName === 'registry') ctx.warn(el, Errors.UNSUPPORTED, 'the <registry> definition is ignored; registry resources are not supported (use local entries)');
      out.diagnostics.push(...ctx.diagnostics);
      continue;
    }
    try {
      const artifact = parseOne(el, ctx);
      if (!ctx.failed) out.artifacts.push(ctx.resources.size ? { artifact, refs: ctx.refs, resources: ctx.resources } : { artifact, refs: ctx.refs });
    } catch (err) {
      if (!(err instanceof ParseAbort)) throw err;
    }
    out.diagnostics.push(...ctx.diagnostics);
  }
  return out;
}

export function parseArtifactFile(file: string, mediators: MediatorParser, home = '.'): ParsedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { file, artifacts: [], diagnostics: [diagnostic(file, { line: 0, col: 0 }, Errors.XML_MALFORMED, `cannot read the file: ${(err as Error).message}`)] };
  }
  return parseArtifactText(file, text, mediators, home);
}
