/**
 * The message DOM built from the bytes by the byte tokenizer (src/xml/dom-from-bytes.ts) against
 * @xmldom/xmldom's parser on random SOAP documents, some of them damaged: where xmldom refuses a document the
 * builder gives nothing (xmldom then reports the error); where the builder answers, its tree serializes as
 * xmldom's byte for byte and has the same nodes, names, namespaces and in-scope prefixes; and it answers for
 * nearly every document xmldom accepts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseXml, serializeXml } from '../../src/xml/dom.js';
import { stripDeclaration, wrap } from '../../src/context/payload-envelope.js';
import { documentFromBytes, poxEnvelopeFromBytes } from '../../src/xml/dom-from-bytes.js';
import { maybeDamagedPoxBodies, maybeDamagedSoapDocuments } from '../helpers/xml-arbitrary.js';

const RUNS = Number(process.env['XML_DOM_RUNS'] ?? 1500);

/** Every node's type, names, namespace and value, attributes with theirs, and the prefixes each element resolves. */
function shape(n: Node, out: string[] = []): string[] {
  const e = n as Element;
  let line = `${n.nodeType} ${n.nodeName} ns=${n.nodeType === 1 ? e.namespaceURI : ''} p=${n.nodeType === 1 ? e.prefix : ''} l=${n.nodeType === 1 ? e.localName : ''} v=${JSON.stringify(n.nodeValue)}`;
  if (n.nodeType === 1) {
    for (let i = 0; i < e.attributes.length; i++) {
      const a = e.attributes[i]!;
      line += ` @${a.name}[${a.namespaceURI} ${a.prefix} ${a.localName}]=${JSON.stringify(a.value)}`;
    }
    line += ` in-scope ${['p', 'q', 'z', 'soapenv', null].map((p) => e.lookupNamespaceURI(p)).join(',')}`;
  }
  out.push(line);
  for (let c = n.firstChild; c; c = c.nextSibling) shape(c, out);
  return out;
}

/** Holds the builder to xmldom on one input; counts how often each answered. */
function compare(mine: Document | undefined, parse: () => Document, counts: { accepted: number; built: number }): void {
  let theirs: Document | undefined;
  try {
    theirs = parse();
  } catch {
    theirs = undefined;
  }
  if (!theirs) {
    assert.equal(mine, undefined, 'xmldom refuses this document; the builder must not answer');
    return;
  }
  counts.accepted++;
  if (!mine) return;
  counts.built++;
  assert.equal(serializeXml(mine), serializeXml(theirs));
  assert.deepEqual(shape(mine), shape(theirs));
}

describe('the message DOM built from bytes against @xmldom/xmldom', function () {
  this.timeout(180_000);

  it('SOAP: the same tree where xmldom accepts the document, nothing where it refuses it', () => {
    const counts = { accepted: 0, built: 0 };
    fc.assert(
      fc.property(maybeDamagedSoapDocuments, fc.boolean(), (text, bom) => {
        const bytes = Buffer.from((bom ? '\ufeff' : '') + text, 'utf8');
        // what the message's text is (a lone surrogate of the generator is not UTF-8 and becomes U+FFFD)
        compare(documentFromBytes(bytes, 100), () => parseXml(bytes.toString('utf8').replace(/^\ufeff/, '')), counts);
      }),
      { numRuns: RUNS },
    );
    assert.ok(counts.built > counts.accepted * 0.95, `the builder answered for ${counts.built} of ${counts.accepted} documents xmldom accepts`);
  });

  it('POX: the same envelope as wrapping the text and parsing it', () => {
    const counts = { accepted: 0, built: 0 };
    fc.assert(
      fc.property(maybeDamagedPoxBodies, (text) => {
        const bytes = Buffer.from(text, 'utf8');
        compare(poxEnvelopeFromBytes(bytes, 100), () => parseXml(wrap('1.1', stripDeclaration(bytes.toString('utf8')))), counts);
      }),
      { numRuns: RUNS },
    );
    assert.ok(counts.built > counts.accepted * 0.9, `the builder answered for ${counts.built} of ${counts.accepted} bodies xmldom accepts`);
  });
});
