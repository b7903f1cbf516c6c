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

const RUNS = Number(process.env['XML_COPY_RUNS'] ?? 500);

type N = { t: 'text'; s: string } | { t: 'cdata'; s: string } | { t: 'comment'; s: string } | { t: 'pi'; s: string } | El;
interface El {
  t: 'el';
  name: string;
  decls: string[];
  attrs: string[];
  children: N[];
}

const text = fc.constantFrom('x', ' ', '\n  ', '&amp;&lt;&gt;&quot;&apos;', '&#65;&#x1F600;', 'é😀', 'a]]b', '1.50', '\t');
const tree = fc.letrec<{ node: N; el: El }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5, depthIdentifier: 'tree' },
    { weight: 3, arbitrary: text.map((s) => ({ t: 'text' as const, s })) },
    { weight: 3, arbitrary: tie('el') },
    { weight: 1, arbitrary: fc.constantFrom('', 'c', '<a>&amp;').map((s) => ({ t: 'cdata' as const, s })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' c ', '-x').map((s) => ({ t: 'comment' as const, s })) },
    { weight: 1, arbitrary: fc.constantFrom('', 'd="1"', 'x y').map((s) => ({ t: 'pi' as const, s })) },
  ),
  el: fc.record({
    t: fc.constant('el' as const),
    name: fc.constantFrom('a', 'p:a', 'q:order', 'soapenv:Body', 'symbol'),
    decls: fc.uniqueArray(fc.constantFrom('xmlns="urn:d"', 'xmlns=""', 'xmlns:p="urn:p2"', 'xmlns:z="urn:z"'), { selector: (d) => d.split('=')[0], maxLength: 2 }),
    attrs: fc.uniqueArray(fc.constantFrom('id="1"', 'p:id="&amp;"', 'xml:lang="en"', 'q:v=""', 'n="a&#10;b"'), { selector: (a) => a.split('=')[0], maxLength: 3 }),
    children: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'tree' }),
  }) as fc.Arbitrary<El>,
}));

function xml(n: N): string {
  switch (n.t) {
    case 'text':
      return n.s;
    case 'cdata':
      return `<![CDATA[${n.s}]]>`;
    case 'comment':
      return `<!--${n.s}-->`;
    case 'pi':
      return `<?pi ${n.s}?>`;
    case 'el': {
      const head = [n.name, ...n.decls, ...n.attrs].join(' ');
      const inner = n.children.map(xml).join('');
      return inner === '' ? `<${head}/>` : `<${head}>${inner}</${n.name}>`;
    }
  }
}

const documents = fc.record({ root: tree.el, before: fc.constantFrom('', '<!--top-->', '<?pi x?>\n'), decl: fc.boolean() }).map(({ root, before, decl }) => {
  const body = xml(root);
  return `${decl ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${before}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="urn:p" xmlns:q="urn:q"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
});

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
