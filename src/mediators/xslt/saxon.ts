/**
 * SaxonJS 2, loaded on first use (a runtime without XSLT does not pay for it), and the part of its own DOM
 * that this runtime builds source trees in and reads results from. SaxonJS reads only trees of its own DOM
 * (an xmldom tree reads as empty), and parses source text with a bundled character-by-character SAX parser;
 * building its tree from our byte tokenizer or DOM is several times cheaper.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** A node of SaxonJS's DOM (its source trees and its `destination: 'document'` results). */
export interface SaxonNode {
  nodeType: number;
  namespaceURI: string | null;
  prefix?: string | null;
  localName: string;
  tagName?: string;
  nodeValue: string | null;
  target?: string;
  firstChild: SaxonNode | null;
  nextSibling: SaxonNode | null;
  attributes: ArrayLike<SaxonAttr>;
  appendChild(child: SaxonNode): void;
  setAttributeNode(attr: SaxonAttr): void;
}

export interface SaxonAttr {
  name: string;
  value: string;
  nodeValue: string;
  namespaceURI: string | null;
  prefix?: string | null;
}

export interface SaxonDocument extends SaxonNode {
  createElementNS(ns: string, qname: string): SaxonNode;
  createAttributeNS(ns: string, qname: string): SaxonAttr;
  createTextNode(text: string): SaxonNode;
  createComment(text: string): SaxonNode;
  createProcessingInstruction(target: string, data: string): SaxonNode;
}

interface SaxonJS {
  transform(options: Record<string, unknown>, mode: 'sync'): { principalResult: unknown };
  getPlatform(): { createDocument(): SaxonDocument };
}

let saxon: SaxonJS | undefined;

export function saxonJs(): SaxonJS {
  return (saxon ??= require('saxon-js') as SaxonJS);
}

/** An empty document of SaxonJS's DOM, to build a source tree in. */
export function newSaxonDocument(): SaxonDocument {
  const doc = saxonJs().getPlatform().createDocument();
  // transform() writes its options into a debug line, whatever the log level: for a source node that is
  // toString(), which serializes the whole document (a quarter of a 10 KB transform, for 30 characters)
  (doc as unknown as { toString(): string }).toString = documentLabel;
  return doc;
}

function documentLabel(): string {
  return '#document';
}
