/**
 * The deploy-time half of the streaming path matcher: recognises the supported subset of XPath location
 * paths (see stream-path.ts) and compiles one into a plan of element steps, namespace ids and the final
 * selection. Anything outside the subset throws Unsupported, and the expression keeps the DOM engine.
 */
import { SOAP11_NS, SOAP12_NS } from '../xml/dom.js';
import { NsId, XML_NS, XMLNS_NS } from '../xml/namespace-scope.js';

/** Element steps per path (bits of an int32 mask, bit 0 is the context). */
export const MAX_STEPS = 29;

/**
 * Namespace ids of a plan: >= 0 index its URI table (XML, XMLNS, SOAP 1.1, SOAP 1.2, then the path's own),
 * the order of the tokenizer's KnownUris. Const enums, for the matcher's loops (see Ch in xml/bytes.ts).
 */
export const enum PlanNs {
  NONE = NsId.NONE,
  ANY = -3,
  SOAP11 = 2,
  SOAP12 = 3,
}

/** What the path selects at its end. */
export const enum Final {
  ELEMENT = 0,
  TEXT = 1,
  ATTR = 2,
}

export interface NameTest {
  local: Buffer | null; // null: any local name
  ns: number;
}

export interface Step extends NameTest {
  desc: boolean; // preceded by `//`
  pos: number; // positional predicate, 0 when none
}

export interface Plan {
  steps: Step[]; // steps[0] is unused (bit 0 is the document)
  final: number;
  finalDesc: boolean;
  attr: NameTest | null;
  /** Namespace names by id; the path's own start at index 4. */
  uris: string[];
  requireBody: boolean;
}

/** The path is outside the streaming subset. */
export class Unsupported {}

/** The plan of `source`, or undefined when the path is outside the subset. */
export function planOf(source: string, namespaces: Record<string, string>): Plan | undefined {
  try {
    return parsePath(source, namespaces);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
}

const NCNAME = /^[A-Za-z_][A-Za-z0-9._-]*/;


export function parsePath(source: string, namespaces: Record<string, string>): Plan {
  const uris = [XML_NS, XMLNS_NS, SOAP11_NS, SOAP12_NS];
  const nsId = (prefix: string | undefined): number => {
    if (prefix === undefined) return PlanNs.NONE;
    if (!Object.prototype.hasOwnProperty.call(namespaces, prefix)) throw new Unsupported();
    const uri = namespaces[prefix];
    // '' makes the xpath package resolve the prefix against the document; xmlns attributes are declarations
    if (typeof uri !== 'string' || uri === '' || uri === XMLNS_NS || !/^[\x20-\x7e]*$/.test(uri)) throw new Unsupported();
    let id = uris.indexOf(uri);
    if (id < 0) id = uris.push(uri) - 1;
    return id;
  };
  const fail = (): never => {
    throw new Unsupported();
  };

  let i = 0;
  const n = source.length;
  const ws = (): void => {
    while (i < n && /[ \t\r\n]/.test(source[i]!)) i++;
  };
  const name = (): string | undefined => {
    const m = NCNAME.exec(source.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    return m[0];
  };

  const anyRoot: Step = { desc: false, local: null, ns: PlanNs.ANY, pos: 0 };
  const steps: Step[] = [anyRoot]; // placeholder at index 0
  let requireBody = false;
  let desc = false;
  let needStep = true;

  ws();
  if (source[i] === '$') {
    i++;
    const v = name();
    if (v === 'body' || v === 'header') {
      steps.push({ ...anyRoot }, { desc: false, local: Buffer.from(v === 'body' ? 'Body' : 'Header'), ns: PlanNs.ANY, pos: 1 });
      requireBody = v === 'body';
    } else if (v === 'env') {
      steps.push({ ...anyRoot });
    } else fail();
    ws();
    if (i === n) needStep = false;
    else if (source.startsWith('//', i)) {
      desc = true;
      i += 2;
    } else if (source[i] === '/') i++;
    else fail();
  } else if (source.startsWith('//', i)) {
    desc = true;
    i += 2;
  } else if (source[i] === '/') {
    i++;
  } else {
    steps.push({ ...anyRoot }); // relative to the Envelope
  }

  let final = Final.ELEMENT;
  let finalDesc = false;
  let attr: NameTest | null = null;
  while (needStep) {
    ws();
    if (source[i] === '@') {
      i++;
      ws();
      const a = name();
      if (a === undefined) fail();
      let prefix: string | undefined;
      let local = a!;
      if (source[i] === ':') {
        i++;
        const l = name();
        if (l === undefined) fail();
        prefix = local;
        local = l!;
      }
      attr = { local: Buffer.from(local), ns: nsId(prefix) };
      final = Final.ATTR;
      finalDesc = desc;
      ws();
      if (i !== n) fail();
      break;
    }
    let local: string | undefined;
    let prefix: string | undefined;
    if (source[i] === '*') {
      i++;
    } else {
      const first = name();
      if (first === undefined) fail();
      if (source.startsWith('::', i)) fail();
      if (source[i] === ':' && source[i + 1] === '*') {
        prefix = first;
        i += 2;
      } else if (source[i] === ':') {
        i++;
        const l = name();
        if (l === undefined) fail();
        prefix = first;
        local = l;
      } else {
        local = first;
        const save = i;
        ws();
        if (source[i] === '(') {
          i++;
          ws();
          if (first !== 'text' || source[i] !== ')') fail();
          i++;
          ws();
          if (i !== n) fail();
          final = Final.TEXT;
          finalDesc = desc;
          break;
        }
        if (source.startsWith('::', i)) fail();
        i = save;
      }
    }
    const step: Step = { desc, local: local === undefined ? null : Buffer.from(local), ns: prefix === undefined && local === undefined ? PlanNs.ANY : nsId(prefix), pos: 0 };
    ws();
    if (source[i] === '[') {
      i++;
      ws();
      const m = /^[0-9]+/.exec(source.slice(i));
      if (!m) fail();
      i += m![0].length;
      ws();
      if (source[i] !== ']') fail();
      i++;
      const pos = Number(m![0]);
      if (!(pos >= 1 && pos <= 0x7fffffff)) fail();
      step.pos = pos;
      ws();
    }
    steps.push(step);
    if (i === n) break;
    if (source.startsWith('//', i)) {
      desc = true;
      i += 2;
    } else if (source[i] === '/') {
      desc = false;
      i++;
    } else fail();
  }
  const count = steps.length - 1;
  if (count > MAX_STEPS) fail();
  // the Document itself, or its children other than the root element (xmldom keeps white space text there)
  if (count === 0 && (final === Final.ELEMENT || final === Final.TEXT || !finalDesc)) fail();
  return { steps, final, finalDesc, attr, uris, requireBody };
}
