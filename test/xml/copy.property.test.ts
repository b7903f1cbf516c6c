/**
 * The split, clone and merge mediators copy DOM nodes with src/xml/copy.ts instead of @xmldom/xmldom's
 * cloneNode/importNode (several times faster). On random documents (prefixes, default namespaces and their
 * undeclaring, attributes in and out of namespaces, references, CDATA, comments, processing instructions,
 * white space) the copy serializes byte for byte as the library's own copy does, keeps the parser's line and
 * column, and shares nothing with its source.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { copyDocument, copyNode } from '../../src/xml/copy.js';
import { parseXml, position, serializeXml } from '../../src/xml/dom.js';
import { soapDocuments as documents } from '../helpers/xml-arbitrary.js';

const RUNS = Number(process.env['XML_COPY_RUNS'] ?? 500);

function elements(n: Node, out: Element[] = []): Element[] {
  for (let c = n.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) {
      out.push(c as Element);
      elements(c, out);
    }
  }
  return out;
}

describe('DOM copies (src/xml/copy.ts) against @xmldom/xmldom', function () {
  this.timeout(120_000);

  it('a whole document: the same serialization as cloneNode(true), and nothing shared', () => {
    fc.assert(
      fc.property(documents, (text) => {
        const doc = parseXml(text);
        const mine = copyDocument(doc);
        assert.equal(serializeXml(mine), serializeXml(doc.cloneNode(true)));
        assert.notEqual(mine.documentElement, doc.documentElement);
        // editing the copy leaves the source as it was
        const before = serializeXml(doc);
        const body = elements(mine).find((e) => e.localName === 'Body')!;
        while (body.firstChild) body.removeChild(body.firstChild);
        assert.equal(serializeXml(doc), before);
      }),
      { numRuns: RUNS },
    );
  });

  it('an element into another document: the same serialization as importNode(el, true), in place too', () => {
    fc.assert(
      fc.property(documents, fc.nat(), (text, pick) => {
        const src = parseXml(text);
        const all = elements(src);
        const el = all[pick % all.length]!;
        const a = parseXml('<r xmlns:p="urn:other"><slot/></r>');
        const b = parseXml('<r xmlns:p="urn:other"><slot/></r>');
        const mine = copyNode(a, el);
        const theirs = b.importNode(el, true);
        assert.equal(serializeXml(mine), serializeXml(theirs));
        a.documentElement.firstChild!.appendChild(mine);
        b.documentElement.firstChild!.appendChild(theirs);
        assert.equal(serializeXml(a), serializeXml(b));
        assert.equal(mine.ownerDocument, a);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps where the parser found each element', () => {
    const doc = parseXml('<a>\n  <b x="1">\n    <c/>\n  </b>\n</a>');
    const copy = copyDocument(doc);
    assert.deepEqual(elements(copy).map(position), elements(doc).map(position));
    assert.deepEqual(position(elements(copy)[2]!), { line: 3, col: 5 });
  });
});
