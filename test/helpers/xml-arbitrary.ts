/**
 * Random SOAP documents for the property tests of the DOM readers and copies: prefixes, default namespaces
 * and their undeclaring, attributes in and out of namespaces, references, CDATA, comments, processing
 * instructions, white space and line ends of every kind, an XML declaration and a byte order mark.
 */
import fc from 'fast-check';

type N = { t: 'text'; s: string } | { t: 'cdata'; s: string } | { t: 'comment'; s: string } | { t: 'pi'; s: string } | El;
interface El {
  t: 'el';
  name: string;
  decls: string[];
  attrs: string[];
  children: N[];
}

const text = fc.constantFrom('x', ' ', '\n  ', '&amp;&lt;&gt;&quot;&apos;', '&#65;&#x1F600;', 'é😀', 'a]]b', '1.50', '\t', 'a\r\nb', 'c\rd', 'e\u2028f', '&#13;', '&#xD;&#10;');
const tree = fc.letrec<{ node: N; el: El }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 5, depthIdentifier: 'tree' },
    { weight: 3, arbitrary: text.map((s) => ({ t: 'text' as const, s })) },
    { weight: 3, arbitrary: tie('el') },
    { weight: 1, arbitrary: fc.constantFrom('', 'c', '<a>&amp;', 'x\r\ny').map((s) => ({ t: 'cdata' as const, s })) },
    { weight: 1, arbitrary: fc.constantFrom('', ' c ', '-x', 'a\r\nb').map((s) => ({ t: 'comment' as const, s })) },
    { weight: 1, arbitrary: fc.constantFrom('', 'd="1"', 'x y', '  lead', 'a\rb').map((s) => ({ t: 'pi' as const, s })) },
  ),
  el: fc.record({
    t: fc.constant('el' as const),
    name: fc.constantFrom('a', 'p:a', 'q:order', 'soapenv:Body', 'symbol'),
    decls: fc.uniqueArray(fc.constantFrom('xmlns="urn:d"', 'xmlns=""', 'xmlns:p="urn:p2"', 'xmlns:z="urn:z"'), { selector: (d) => d.split('=')[0], maxLength: 2 }),
    attrs: fc.uniqueArray(fc.constantFrom('id="1"', 'p:id="&amp;"', 'xml:lang="en"', 'q:v=""', 'n="a&#10;b"', "s='x\ty\r\nz'", 'u="é&lt;"'), { selector: (a) => a.split('=')[0], maxLength: 3 }),
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

export const soapDocuments = fc
  .record({
    root: tree.el,
    decl: fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', "<?xml version='1.0'?>", '<?xml version="1.0" ?>\r\n'),
    before: fc.constantFrom('', '<!--top-->', '<?pi x?>\n', ' \n', '\r\n<!-- a\r\nb -->\n'),
    after: fc.constantFrom('', '\n', '<!--end-->', '<?pi after?> '),
  })
  .map(({ root, decl, before, after }) => {
    const body = xml(root);
    return `${decl}${before}<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:p="urn:p" xmlns:q="urn:q"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>${after}`;
  });

/** Plain XML (POX) bodies: a root element in no envelope, with what may stand around it. */
export const poxBodies = fc
  .record({
    root: tree.el,
    lead: fc.constantFrom('', ' \n', '\ufeff', '<?xml version="1.0"?>', '<?xml version="1.0"?>\n', '\t<?xml version="1.0" encoding="utf-8"?>'),
    after: fc.constantFrom('', '\n', '<!--end-->', ' <b/>', 'tail'),
  })
  .map(({ root, lead, after }) => `${lead}${xml(root).replace(/^<(\w+:)?(\w+)/, '<$1$2 xmlns:p="urn:p" xmlns:q="urn:q" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"')}${after}`);

/** Some of them damaged as below. */
export const maybeDamagedPoxBodies = fc.tuple(poxBodies, fc.option(fc.tuple(fc.nat(), fc.constantFrom('', '<', '&', '</soapenv:Body>', '<!DOCTYPE x>')), { freq: 3 })).map(([text, damage]) => damaged(text, damage));

/** The same documents, some of them damaged (a byte dropped, doubled or replaced): for readers that must refuse what xmldom refuses. */
export const maybeDamagedSoapDocuments = fc
  .tuple(soapDocuments, fc.option(fc.tuple(fc.nat(), fc.constantFrom('', '<', '&', '>', '"', ']]>', '\u0000', '<!DOCTYPE x>', '<b>')), { freq: 3 }))
  .map(([text, damage]) => damaged(text, damage));

/** `bad` put in at a place, or the character there dropped when `bad` is empty. */
function damaged(text: string, damage: [number, string] | null): string {
  if (!damage) return text;
  const [at, bad] = damage;
  const k = at % text.length;
  return text.slice(0, k) + bad + text.slice(k + (bad === '' ? 1 : 0));
}
