/**
 * The one place that configures @xmldom/xmldom: DOCTYPE is rejected before parsing (the parser would
 * otherwise accept entity declarations), parse problems are collected instead of printed, and every node
 * keeps its line and column so artifact errors can point at file:line:col.
 */
import { DOMParser, XMLSerializer } from '@xmldom/xmldom';
import './xmldom-regex-cache.js';

export const SYNAPSE_NS = 'http://ws.apache.org/ns/synapse';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface XmlProblem {
  line: number;
  col: number;
  message: string;
}

export class XmlParseError extends Error {
  constructor(readonly problem: XmlProblem, readonly doctype = false) {
    super(problem.message);
  }
}

const DOCTYPE = /<!DOCTYPE/i;

/** Position of the first DOCTYPE declaration, or -1. */
export function findDoctype(text: string): number {
  const m = DOCTYPE.exec(text);
  return m ? m.index : -1;
}

function lineCol(text: string, index: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < index; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: index - last };
}

/** Parses XML strictly. Throws XmlParseError with a position on any error or DOCTYPE. */
export function parseXml(text: string): Document {
  const dt = findDoctype(text);
  if (dt >= 0) {
    const { line, col } = lineCol(text, dt);
    throw new XmlParseError({ line, col, message: 'DOCTYPE is not allowed' }, true);
  }
  let problem: XmlProblem | undefined;
  const parser = new DOMParser({
    locator: true,
    onError(level, message, context) {
      if (level === 'warning' || problem) return;
      const loc = (context as { locator?: { lineNumber?: number; columnNumber?: number } } | undefined)?.locator;
      const m = /line:(\d+),col:(\d+)/.exec(message);
      problem = {
        line: loc?.lineNumber ?? (m ? Number(m[1]) : 1),
        col: loc?.columnNumber ?? (m ? Number(m[2]) : 1),
        message: message.replace(/\n?@#\[line:\d+,col:\d+\]/, '').replace(/^\[xmldom [a-z]+\]\s*/i, '').trim(),
      };
      // the first problem decides: stop here instead of building the rest of a broken document
      throw new Error(problem.message);
    },
  });
  let doc: Document | undefined;
  try {
    doc = parser.parseFromString(text, 'text/xml') as unknown as Document;
  } catch (err) {
    if (!problem) problem = { line: 1, col: 1, message: (err as Error).message };
  }
  if (problem || !doc || !doc.documentElement) {
    throw new XmlParseError(problem ?? { line: 1, col: 1, message: 'no root element' });
  }
  return doc;
}

const serializer = new XMLSerializer();

export function serializeXml(node: Node): string {
  return serializer.serializeToString(node as never);
}

export function position(node: Node): { line: number; col: number } {
  const n = node as Node & { lineNumber?: number; columnNumber?: number };
  return { line: n.lineNumber ?? 0, col: n.columnNumber ?? 0 };
}

export function childElements(el: Element | Document): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

export function firstChildElement(el: Element | Document, localName?: string): Element | undefined {
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (!localName || (n as Element).localName === localName)) return n as Element;
  }
  return undefined;
}

/** Concatenated text of the direct text and CDATA children. */
export function textOf(el: Element): string {
  let s = '';
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === 3 || n.nodeType === 4) s += n.nodeValue ?? '';
  return s;
}

/** Namespace declarations in scope for an element (prefix -> uri), nearest wins. */
export function namespacesInScope(el: Element): Record<string, string> {
  const out: Record<string, string> = {};
  for (let n: Node | null = el; n && n.nodeType === 1; n = n.parentNode) {
    const attrs = (n as Element).attributes;
    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      if (a.name.startsWith('xmlns:')) {
        const p = a.name.slice(6);
        if (!(p in out)) out[p] = a.value;
      }
    }
  }
  return out;
}
