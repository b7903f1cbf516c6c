/**
 * The streaming matcher must agree with the DOM engine (@xmldom/xmldom + xpath through synapseString) on
 * every document and path it answers, and answer often enough to be worth having.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import type { Runtime } from '../../src/runtime.js';
import { compileXPath } from '../../src/expr/xpath-expression.js';
import type { Expression } from '../../src/expr/expression.js';
import { compileStreamPath, type StreamPath } from '../../src/expr/stream-path.js';
import { compileDomPath } from '../../src/expr/dom-path.js';
import xpathModule from 'xpath';
import { testMessage, testRuntime } from '../helpers/message.js';

// the typings omit parse(), which the package exports
const XPATH = xpathModule as unknown as { parse(src: string): { select(options: { node: unknown; namespaces: Record<string, string> }): unknown[] } };
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/expr/fixtures');

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const NS: Record<string, string> = {
  soapenv: SOAP11,
  s12: SOAP12,
  t: 'http://someuri',
  m: 'http://services.samples/xsd',
  p: 'urn:p',
  q: 'urn:q',
  x: 'urn:x',
  xml: 'http://www.w3.org/XML/1998/namespace',
};

let rt: Runtime | undefined;
function runtime(): Runtime {
  return (rt ??= testRuntime());
}

const xpaths = new Map<string, Expression>();
const streams = new Map<string, StreamPath | undefined>();
function keyOf(expr: string, ns: Record<string, string>): string {
  return expr + '\u0000' + JSON.stringify(ns);
}

interface Outcome {
  kind: string;
  stream: string | undefined;
  /** the DOM engine's string value, or the error it raised */
  dom: string | Error;
}

/** Evaluates one expression both ways, exactly as compileXPath().stringValue() would choose between them. */
function evaluate(expr: string, body: string | Buffer, contentType = 'text/xml', ns: Record<string, string> = NS): Outcome {
  const k = keyOf(expr, ns);
  let x = xpaths.get(k);
  if (!x) xpaths.set(k, (x = compileXPath(expr, ns)));
  if (!streams.has(k)) streams.set(k, compileStreamPath(expr, ns));
  const sp = streams.get(k);
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(body);

  const mc = testMessage(runtime(), { body: raw, contentType });
  const kind = mc.payload.kind;
  // the stream reads only bytes known to be UTF-8 (a body in another charset, or naming an unknown one, goes to the DOM)
  const utf8 = mc.payload.utf8RawBytes;
  const stream =
    sp && utf8 && (kind === 'soap11' || kind === 'soap12' || kind === 'xml') ? sp.match(utf8, kind === 'xml') : undefined;
  let dom: string | Error;
  try {
    mc.payload.markXmlChanged(); // the DOM is the truth now: no raw bytes, no fast path
    assert.equal(mc.payload.rawBytes, undefined);
    dom = x.stringValue(mc);
  } catch (err) {
    dom = err as Error;
  }
  return { kind, stream, dom };
}

function show(s: string | Error | undefined): string {
  return s instanceof Error ? `Error(${s.message})` : JSON.stringify(s);
}

/** Agreement: a defined stream result equals the DOM result, and the DOM did not fail. */
function assertAgrees(o: Outcome, expr: string, doc: string): void {
  if (o.stream === undefined) return;
  assert.ok(!(o.dom instanceof Error), `stream answered ${show(o.stream)} where the DOM failed with ${show(o.dom)}\n  expr: ${expr}\n  doc: ${JSON.stringify(doc)}`);
  assert.equal(o.stream, o.dom, `expr: ${expr}\n  doc: ${JSON.stringify(doc)}`);
}

const env = (inner: string, header = ''): string =>
  `<soapenv:Envelope xmlns:soapenv="${SOAP11}">${header ? `<soapenv:Header>${header}</soapenv:Header>` : ''}<soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`;

// ---------------------------------------------------------------------------------------------------------

interface Doc {
  name: string;
  xml: string;
  contentType?: string;
}

const BENCH: Doc[] = ['500B', '1000B', '10000B', '100000B'].map((s) => ({
  name: `bench ${s}_buyStocks.xml`,
  xml: readFileSync(path.join(FIXTURES, `${s}_buyStocks.xml`), 'utf8'),
}));

const DOCS: Doc[] = [
  {
    name: 'namespaces: default namespaces, re-bound prefixes, xmlns=""',
    xml: `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="${SOAP11}" xmlns:p="urn:p">
  <soapenv:Header><t:routing xmlns:t="http://someuri" p:prio="high" xml:lang="en">r1</t:routing><routing xmlns="http://someuri">r2</routing></soapenv:Header>
  <soapenv:Body>
    <p:order id="1"><p:symbol>IBM</p:symbol><symbol>noNs</symbol>
      <x xmlns="urn:p"><symbol>defaultP</symbol><p:symbol xmlns:p="urn:q">rebound</p:symbol><symbol xmlns="">none</symbol><a:symbol xmlns:a="urn:p">aliased</a:symbol></x>
    </p:order>
    <order xmlns="urn:q" id="2" p:id="p2"><symbol>Q</symbol></order>
    <order id="3"><symbol p:id="s3">plain</symbol></order>
  </soapenv:Body>
</soapenv:Envelope>
`,
  },
  {
    name: 'entities, character references, CDATA, comments, PIs, literal &',
    xml: env(
      `<a>x &amp; y &lt;z&gt; &quot;q&quot; &apos;s&apos; &#65;&#x41;&#x1F600; &#0000066;&#x00e9;</a>` +
        `<a><![CDATA[<not a tag> & &amp; ]]> plus <![CDATA[]]>tail</a>` +
        `<b>before<!-- comment <a>x</a> & -->after<?pi data >?>end<?other?></b>` +
        `<c>a & b &; &#; done</c>` +
        `<d>multi-byte: é ü 日本語 😀 ]]> > </d>` +
        `<e>one&#13;&#10;two\r\nthree\rfour\u0085five\u2028six</e>` +
        `<f attr="a&#9;b&#10;c\td\ne\r\nf&lt;&gt;&amp;" x='single "quoted" &apos;' y="has > inside" z=""/>` +
        `<g><![CDATA[ ]]></g><h><!-- only a comment --></h><i></i><j/><k>   </k>`,
    ),
  },
  {
    name: 'nested elements with the same name',
    xml: env(`<a>1<a>2<a>3</a>2b</a>1b</a><a>4</a><b><a>5</a><a>6<a>7</a></a></b>`),
  },
  {
    name: 'positional predicates across parents',
    xml: env(
      `<list><order><symbol>A1</symbol><symbol>A2</symbol></order><other/><order><symbol>B1</symbol></order><order><symbol>C1</symbol></order></list>` +
        `<list><x/><order><symbol>D1</symbol></order></list><order><symbol>E1</symbol></order>`,
    ),
  },
  {
    name: 'attributes, white space inside tags, self-closing elements',
    xml: `<soapenv:Envelope\n\txmlns:soapenv = '${SOAP11}'\n><soapenv:Body\n><order\n  id="o1"\n  p:id="po1" xmlns:p="urn:p"\n  q:id='qo1'  xmlns:q="urn:q"><symbol id = "s1" >IBM</symbol ><symbol/><symbol></symbol></order\n><order id="o2" /><order\tid="o3"></order></soapenv:Body></soapenv:Envelope>`,
  },
  {
    name: 'prolog and epilog: declaration, comments, PIs, white space',
    xml: `<?xml version='1.0' standalone="yes" ?>\n<!-- prolog -->\n<?app x?>\n${env('<a>1</a>', '<h>head</h>')}\n<!-- epilog -->\n<?app y?>\n\n`,
  },
  {
    name: 'two Header elements (bad SOAP, but the DOM reads both)',
    xml: `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Header><t:routing xmlns:t="http://someuri">one</t:routing></soapenv:Header><soapenv:Body><a>x</a></soapenv:Body><soapenv:Header><routing xmlns="http://someuri">two</routing></soapenv:Header></soapenv:Envelope>`,
  },
  {
    name: 'default namespace on the Envelope',
    xml: `<Envelope xmlns="${SOAP11}"><Header><routing xmlns="http://someuri">r</routing></Header><Body><order><symbol>S</symbol></order><order xmlns=""><symbol>T</symbol></order></Body></Envelope>`,
  },
  {
    name: 'SOAP 1.2',
    xml: `<s:Envelope xmlns:s="${SOAP12}"><s:Header><t:routing xmlns:t="http://someuri">r12</t:routing></s:Header><s:Body><order><symbol>X12</symbol></order></s:Body></s:Envelope>`,
    contentType: 'application/soap+xml; charset=UTF-8',
  },
  {
    name: 'long and non-ASCII text',
    xml: env(`<a>${'long text '.repeat(20)}é</a><a>${'ü'.repeat(40)}</a><b>${'x&amp;'.repeat(30)}</b><c a="${'v'.repeat(50)}" b="${'é'.repeat(20)}"/>`),
  },
  {
    name: 'odd but well-formed markup',
    xml: env(
      `<a b="/>" c='>'\r\n d="x\r\ny"\r\n/><a><![CDATA[x]]]></a><a>x<?pi ??>y</a><p:a xmlns:p="urn:&#112;">v</p:a>` +
        `<a xmlns:b="urn:b" b:c="1" c="2" x:id="3" xmlns:x="urn:p"/><a>&#0000000000065;&#x0041;\u2029&#x10FFFF;&#0;&#xD800;</a>` +
        `<b/>\n<b>x</b \n><c>]]&gt;</c>`,
    ),
  },
  {
    name: 'empty Body, no Header',
    xml: `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Body/></soapenv:Envelope>`,
  },
  {
    name: 'text directly in the Body and the Envelope',
    xml: `<soapenv:Envelope xmlns:soapenv="${SOAP11}">env text<soapenv:Body>body text</soapenv:Body></soapenv:Envelope>`,
  },
  {
    name: 'POX body with declaration and trailing white space',
    xml: `<?xml version="1.0" encoding="UTF-8"?>\n<order id="1"><symbol>IBM</symbol><symbol>MSFT</symbol></order>\n`,
    contentType: 'application/xml',
  },
  {
    name: 'POX body with leading white space and BOM',
    xml: `\uFEFF  \n<m:order xmlns:m="http://services.samples/xsd"><m:symbol>IBM</m:symbol><symbol>x</symbol></m:order>`,
    contentType: 'application/xml',
  },
  {
    name: 'POX body: several roots, top-level text and CDATA, soapenv prefix from the wrapper',
    xml: `<a>1</a>text<a>2</a><![CDATA[cd]]><soapenv:x>wrapper prefix</soapenv:x>`,
    contentType: 'application/xml',
  },
  {
    name: 'POX that is itself an envelope, sent as application/xml',
    xml: env('<order><symbol>inner</symbol></order>'),
    contentType: 'application/xml',
  },
  {
    name: 'text/xml that is not an envelope is POX',
    xml: `<order><symbol>plain</symbol></order>`,
  },
];

const EXPRESSIONS = [
  '//order[1]/symbol',
  '/soapenv:Envelope/soapenv:Header/t:routing',
  '/soapenv:Envelope/soapenv:Header/t:routing/text()',
  '/soapenv:Envelope/soapenv:Header/*',
  '/soapenv:Envelope/soapenv:Body/m:buyStocks/order[2]/price',
  '/soapenv:Envelope/soapenv:Body/*[1]/*[1]',
  '/s12:Envelope/s12:Header/t:routing',
  '/s12:Envelope/s12:Body/order/symbol',
  '/*/soapenv:Body/order/symbol',
  '/*[1]/*[2]/*[1]/*[1]',
  '/Envelope/Body/order',
  '//t:routing',
  '//t:routing/@p:prio',
  '//t:routing/@xml:lang',
  '//symbol',
  '//symbol[1]',
  '//symbol[2]',
  '//p:symbol',
  '//q:symbol',
  '//x/symbol',
  '//p:x/p:symbol',
  '//p:*',
  '//q:*[1]',
  '//order',
  '//order[2]',
  '//order[3]/symbol',
  '//order/symbol[1]',
  '//list//symbol',
  '//list/order[2]/symbol',
  '//*[3]',
  '//*[1]/symbol',
  '//a',
  '//a[1]',
  '//a[2]',
  '//a/text()',
  '//a/@b',
  '//a/@c',
  '//a/@d',
  '//a/@p:id',
  '//p:a',
  '//a//text()',
  '//a[1]/a[1]/a',
  '//b',
  '//b/text()',
  '//b//a',
  '//c',
  '//d',
  '//e',
  '//f/@attr',
  '//f/@x',
  '//f/@y',
  '//f/@z',
  '//f/@missing',
  '//g',
  '//h',
  '//i',
  '//j',
  '//k',
  '//k/text()',
  '//@id',
  '//@p:id',
  '//order/@id',
  '//order/@q:id',
  '//*/@id',
  '//symbol/@id',
  '//c/@a',
  '//c/@b',
  '//soapenv:Body',
  '//soapenv:Body/text()',
  '//soapenv:Envelope/text()',
  '//soapenv:x',
  '$body/*',
  '$body/*[1]/*[1]',
  '$body//symbol',
  '$body/order/symbol',
  '$body/text()',
  '$body',
  '$header/*',
  '$header/t:routing/text()',
  '$header//text()',
  '$env/soapenv:Body/*[2]',
  'soapenv:Body/order',
  'soapenv:Body//symbol[1]',
  'soapenv:Header/t:routing',
  '/soapenv:Envelope/soapenv:Body/p:order/p:symbol',
  '/soapenv:Envelope/*[2]/*/symbol',
  '/soapenv:Envelope//symbol',
  '/soapenv:Envelope/soapenv:Body//order[1]//symbol',
  '//m:buyStocks/order[1]/symbol',
  '//m:order/m:symbol',
  '//text',
];

describe('streaming path matcher', function () {
  this.timeout(120_000);

  describe('agrees with the DOM engine', () => {
    for (const doc of [...DOCS, ...BENCH]) {
      it(doc.name, () => {
        let defined = 0;
        const big = doc.xml.length > 50_000;
        // the DOM engine needs about a second per // expression on 100 KB: a representative few there
        const exprs = big
          ? ['//order[1]/symbol', '/soapenv:Envelope/soapenv:Header/t:routing', '$body/m:buyStocks/order[3]/buyerID', '/soapenv:Envelope/soapenv:Body/m:buyStocks/order[2]/price', '$header/*']
          : EXPRESSIONS;
        for (const expr of exprs) {
          const o = evaluate(expr, doc.xml, doc.contentType);
          assertAgrees(o, expr, doc.xml);
          if (!(o.dom instanceof Error) && o.stream !== undefined) defined++;
        }
        assert.ok(defined >= Math.min(exprs.length / 3, 4), `only ${defined} of ${exprs.length} expressions answered by the stream`);
      });
    }
  });

  describe('answers what routing asks, with the values Synapse gives', () => {
    const check = (expr: string, xml: string, expected: string, contentType?: string): void => {
      const o = evaluate(expr, xml, contentType);
      assert.equal(o.dom, expected, `DOM for ${expr}`);
      assert.equal(o.stream, expected, `stream for ${expr}`);
    };
    it('bench requests', () => {
      const b1k = BENCH[1]!.xml;
      check('//order[1]/symbol', b1k, 'N');
      check('/soapenv:Envelope/soapenv:Header/t:routing', b1k, 'xadmin;server1;community#1.0##');
      check('$body/m:buyStocks/order[3]/buyerID', b1k, 'doe');
      check('//order/symbol', BENCH[0]!.xml, 'SUNMSFT');
    });
    it('concatenates every node of the set in document order', () => {
      check('//a', env('<a>x<a>y</a>z</a>'), 'xzy');
      check('//a/text()', env('<a>x<a>y</a>z</a>'), 'xyz');
      check('//@id', env('<a id="1"><b id="2"/></a><c id="3"/>'), '123');
    });
    it('positional predicates count siblings under each parent', () => {
      check('//o[1]', env('<r><a><o>1</o><o>2</o></a><a><o>3</o></a></r>'), '13');
      check('//*[2]', env('<a>1</a><b>x</b><a>2</a>'), 'x');
    });
    it('decodes references, CDATA and line ends as xmldom does', () => {
      check('//a', env('<a>&#65;&#x42;&amp;&lt;<![CDATA[&amp;]]>&#13;\r\n&#x1F600;</a>'), 'AB&<&amp;\r\n😀');
      check('//a/@b', env('<a b="1\t2\r\n3&#10;"/>'), '1 2 3\n');
      check('//a', env('<a>a & b</a>'), 'a & b');
    });
    it('unprefixed names match elements in no namespace only', () => {
      check('//symbol', env('<symbol xmlns="urn:p">1</symbol><symbol>2</symbol>'), '2');
      check('//p:symbol', env('<symbol xmlns="urn:p">1</symbol><symbol>2</symbol>'), '1');
    });
    it('wraps POX bodies like the DOM engine', () => {
      check('//order/symbol', '<?xml version="1.0"?>\n<order><symbol>IBM</symbol></order>', 'IBM', 'application/xml');
      check('/soapenv:Envelope/soapenv:Body/order/@id', '<order id="7"/>', '7', 'application/xml');
      check('$body/order/symbol', '<order><symbol>IBM</symbol></order>', 'IBM', 'application/xml');
    });
    it('an empty match is the empty string', () => {
      check('//nothing', BENCH[1]!.xml, '');
      check('//a', env('<a/>'), '');
      check('//a', env('<a></a>'), '');
    });
  });

  describe('falls back (undefined) where it cannot be sure', () => {
    const fallsBack = (expr: string, xml: string | Buffer, domFails: boolean, contentType?: string): void => {
      const o = evaluate(expr, xml, contentType);
      assert.equal(o.stream, undefined, `stream for ${expr} on ${JSON.stringify(xml.toString())}`);
      assert.equal(o.dom instanceof Error, domFails, `DOM for ${expr}: ${show(o.dom)}`);
    };

    it('does not compile what it does not support', () => {
      for (const e of [
        'count(//a)',
        'string(//a)',
        '//a | //b',
        '//a = "x"',
        '//a and //b',
        '//a[@id="1"]',
        '//a[last()]',
        '//a[position()=1]',
        '//a[1][1]',
        '//a[0]',
        '//a[1.5]',
        '(//a)[1]',
        '//a/..',
        '//a/.',
        './/a',
        '.',
        'ancestor::a',
        'child::a',
        '//a/following-sibling::b',
        '//comment()',
        '//node()',
        '//processing-instruction()',
        '//@*',
        '//a/@p:*',
        '//a/@id/b',
        '//a/@id[1]',
        '//a/text()[1]',
        '//a/text()/b',
        '/',
        '//',
        '/text()',
        '//text()',
        '/@id',
        '//a/',
        '//undeclared:a',
        '$ctx:foo',
        '$body[1]',
        '$unknown/a',
        '//é',
        '"literal"',
        '42',
      ]) {
        assert.equal(compileStreamPath(e, NS), undefined, e);
      }
    });

    it('compiles the supported forms', () => {
      for (const e of ['/a', '/p:a/b', '//a', '//a/b', '//a//b', 'a/b', '*', '//p:*', '//a[1]', '//a[ 12 ]/b', '//a/text()', '//a//text()', '//a/@b', '//a/@p:b', '//@b', '$body/a', '$header//a', '$env/a', '$body', ' / a / b ', '//text', '//text/a']) {
        assert.notEqual(compileStreamPath(e, NS), undefined, e);
      }
    });

    it('DOCTYPE, anywhere the DOM engine looks for it', () => {
      fallsBack('//a', `<!DOCTYPE soapenv:Envelope>${env('<a>1</a>')}`, true);
      fallsBack('//a', `<?xml version="1.0"?>\n<!doctype x [<!ENTITY e "x">]>${env('<a>&e;</a>')}`, true);
      fallsBack('//a', env('<a>1</a><!-- <!DocType in a comment -->'), true);
      fallsBack('//a', env('<a><![CDATA[<!DOCTYPE]]></a>'), true);
      fallsBack('//a', '<!DOCTYPE a><a>1</a>', true, 'application/xml');
    });

    it('malformed XML', () => {
      const cases = [
        env('<a>1</b>'),
        env('<a>1'),
        env('<a>1</a>').slice(0, -3),
        env('<p:a>1</p:a>'),
        env('<a p:b="1">1</a>'),
        env('<a>&foo;</a>'),
        env('<a>&amp</a>'),
        env('<a>&#X41;</a>'),
        env('<a>&#x;</a>'),
        env('<a>&1a;</a>'),
        env('<a b="1" b="2">1</a>'),
        env('<a b="<">1</a>'),
        env('<a b="&nope;">1</a>'),
        env('<a><!-- a -- b --></a>'),
        env('<a><!---></a>'),
        env('<a><![CDATA[x</a>'),
        env('<a><?xml version="1.0"?></a>'),
        env('<a><? pi?></a>'),
        env('<a:b:c/>'),
        env('<1a/>'),
        env('<xmlns>1</xmlns>'),
        env('<a></ a>'),
        env('<a>\u0001<!--\u0001--></a>'),
        ` <?xml version="1.0"?>${env('<a>1</a>')}`,
        `<?xml version="2.0"?>${env('<a>1</a>')}`,
        `text${env('<a>1</a>')}`,
        `${env('<a>1</a>')}text`,
        `${env('<a>1</a>')}<a/>`,
        `<![CDATA[x]]>${env('<a>1</a>')}`,
        `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Body><a>1</a></soapenv:Body></soapenv:Envelope></x>`,
      ];
      for (const xml of cases) fallsBack('//a', xml, true);
    });

    it('XML the DOM accepts but the stream does not try to reproduce', () => {
      const lenient = [
        env('<a b=1>x</a>'), // unquoted attribute value (a warning only)
        env('<a b="1"c="2">x</a>'), // no white space between attributes
        env('<a xmlns:p="">x</a>'), // XML 1.1 prefix undeclaration
        env('<é>x</é>'), // non-ASCII names
        env('<a p:xmlns="1" xmlns:p="urn:p">x</a>'), // an attribute named xmlns in a namespace
        `\uFEFF${env('<a>x</a>')}`, // a byte order mark before the envelope (the DOM route decodes it away)
      ];
      for (const xml of lenient) fallsBack('//a', xml, false);
    });

    it('invalid UTF-8 (which the DOM route refuses: XML is read strictly)', () => {
      const [before, after] = env('<a>#</a>').split('#') as [string, string];
      fallsBack('//a', Buffer.concat([Buffer.from(before), Buffer.from([0xc3, 0x28]), Buffer.from(after)]), true);
    });

    it('elements whose string value Synapse serializes', () => {
      fallsBack('//order', BENCH[1]!.xml, false);
      fallsBack('//a', env('<a>  <b/>  </a>'), false);
      fallsBack('//a', env('<a>   </a>'), false);
      fallsBack('//a', env('<a><!--c--></a>'), false);
      fallsBack('$body', env('<a/>'), false);
    });

    it('a root that is not a SOAP Envelope, and $body without a Body', () => {
      fallsBack('//a', `<soapenv:Envelope xmlns:soapenv="urn:not-soap"><a>1</a></soapenv:Envelope>`, true);
      fallsBack('$body/a', `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Header/></soapenv:Envelope>`, true);
      const o = evaluate('$header/a', `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Body/></soapenv:Envelope>`);
      assert.equal(o.stream, '');
      assert.equal(o.dom, '');
    });

    it('nesting deeper than the default depth guard', () => {
      const nest = (n: number): string => env('<a>'.repeat(n) + 'x' + '</a>'.repeat(n));
      const ok = evaluate('//a/text()', nest(98));
      assert.equal(ok.stream, 'x');
      assert.equal(ok.dom, 'x');
      fallsBack('//a/text()', nest(99), true);
    });

    it('empty input (a blank POX body is an empty Body)', () => {
      assert.equal(compileStreamPath('//a', NS)!.match(Buffer.alloc(0), false), undefined);
      const blank = evaluate('//a', '  \n', 'application/xml');
      assert.equal(blank.stream, '');
      assert.equal(blank.dom, '');
    });

    it('processing instructions holding "<" (they would skew the depth guard)', () => {
      fallsBack('//a', env('<a>1<?pi <b?></a>'), false);
    });
  });

  describe('stops early', () => {
    it('once no open element can add to the result', () => {
      // nothing after the first Header can match /soapenv:Envelope/soapenv:Header[1]/t:routing[1]: the rest
      // of the bytes is not read (deferred parsing, as Axiom does); the DOM engine parses everything
      const head = `<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Header><t:routing xmlns:t="http://someuri">r</t:routing></soapenv:Header>`;
      const sp = compileStreamPath('/soapenv:Envelope/soapenv:Header[1]/t:routing[1]', NS)!;
      assert.equal(sp.match(Buffer.from(head + '<soapenv:Body><a>1</a></soapenv:Body></soapenv:Envelope>'), false), 'r');
      assert.equal(sp.match(Buffer.from(head + '<soapenv:Body><unclosed>'), false), 'r');
      // without the predicates a second Header could still follow, so everything is read
      const all = compileStreamPath('/soapenv:Envelope/soapenv:Header/t:routing', NS)!;
      assert.equal(all.match(Buffer.from(head + '<soapenv:Body><unclosed>'), false), undefined);
      // descendant paths always read the whole document
      assert.equal(compileStreamPath('//t:routing', NS)!.match(Buffer.from(head + '<soapenv:Body><unclosed>'), false), undefined);
    });
  });

  describe('property: random documents and paths', () => {
    /** STREAM_PATH_RUNS=5000 for a longer hunt */
    const RUNS = Number(process.env['STREAM_PATH_RUNS'] ?? 400);
    const PATH_NS: Record<string, string> = { soapenv: SOAP11, p: 'urn:x', q: 'urn:y', r: 'urn:z', s: 'urn:unused' };
    const NAMES = ['a', 'b', 'order', 'text'];
    const PREFIXES = ['p', 'q', 'r'];
    const URIS = ['urn:x', 'urn:y', 'urn:z'];

    type Node =
      | { t: 'text'; s: string }
      | { t: 'cdata'; s: string }
      | { t: 'comment'; s: string }
      | { t: 'pi'; s: string }
      | El;
    interface El {
      t: 'el';
      prefix: string | null;
      local: string;
      attrs: { prefix: string | null; local: string; value: string; quote: string }[];
      decls: { prefix: string; uri: string }[];
      declsFirst: boolean;
      children: Node[];
      selfClose: boolean;
      ws: string;
    }

    const text = fc
      .array(fc.constantFrom('x', 'Y', ' ', ' ', '\n', '\t', '\r\n', '\r', 'é', '😀', '\u2028', '\u0085', '&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#65;', '&#x42;', '&#38;', '&#13;', '&#x1F600;', '& ', '>', ']]>', '"', "'"), { minLength: 1, maxLength: 6 })
      .map((a) => a.join(''));
    const attrValue = fc.array(fc.constantFrom('v', ' ', '\t', '\n', '\r\n', 'é', '&amp;', '&lt;', '&#9;', '&#10;', '&quot;', '>', '& '), { maxLength: 4 }).map((a) => a.join(''));
    const cdata = fc.array(fc.constantFrom('c', ' ', '<', '&amp;', ']', 'é', '\r\n', '\n'), { maxLength: 4 }).map((a) => a.join(''));
    const comment = fc.array(fc.constantFrom('k', ' ', '-k', '<a>', '&', 'é'), { maxLength: 4 }).map((a) => a.join(''));

    const nodeArb = fc.letrec<{ node: Node; el: El }>((tie) => ({
      node: fc.oneof(
        { maxDepth: 4, depthIdentifier: 'tree' },
        text.map((s) => ({ t: 'text' as const, s })),
        cdata.map((s) => ({ t: 'cdata' as const, s })),
        comment.map((s) => ({ t: 'comment' as const, s })),
        fc.constantFrom('pi', 'pi x="1"', 'x-y  data ').map((s) => ({ t: 'pi' as const, s })),
        tie('el'),
        tie('el'),
        tie('el'),
      ),
      el: fc.record({
        t: fc.constant('el' as const),
        prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null, freq: 2 }),
        local: fc.constantFrom(...NAMES),
        attrs: fc.uniqueArray(
          fc.record({
            prefix: fc.option(fc.constantFrom(...PREFIXES), { nil: null, freq: 2 }),
            local: fc.constantFrom('id', 'x'),
            value: attrValue,
            quote: fc.constantFrom('"', "'"),
          }),
          { selector: (a) => a.local, maxLength: 2 },
        ),
        decls: fc.uniqueArray(fc.record({ prefix: fc.constantFrom('', ...PREFIXES), uri: fc.constantFrom(...URIS, '') }), { selector: (d) => d.prefix, maxLength: 2 }),
        declsFirst: fc.boolean(),
        children: fc.array(tie('node'), { maxLength: 5, depthIdentifier: 'tree' }),
        selfClose: fc.boolean(),
        ws: fc.constantFrom(' ', '\n  ', '\t'),
      }) as fc.Arbitrary<El>,
    }));

    /** An element as the path sees it: expanded name and positions among its element siblings. */
    interface Info {
      ns: string | null;
      local: string;
      posAll: number; // among all element siblings (for `*`)
      posName: number; // among siblings with the same expanded name
      posNs: number; // among siblings in the same namespace (for `p:*`)
    }

    /** Scope after an element's own declarations (and those the serializer adds for unbound prefixes). */
    function scopeOf(n: El, scope: Map<string, string>): { inner: Map<string, string>; decls: string[] } {
      const inner = new Map(scope);
      const decls: string[] = [];
      for (const d of n.decls) {
        if (d.prefix === '') {
          decls.push(`xmlns=${JSON.stringify(d.uri)}`);
          inner.set('', d.uri);
        } else if (d.uri !== '') {
          decls.push(`xmlns:${d.prefix}=${JSON.stringify(d.uri)}`);
          inner.set(d.prefix, d.uri);
        }
      }
      for (const prefix of [n.prefix, ...n.attrs.map((a) => a.prefix)]) {
        if (prefix && !inner.has(prefix)) {
          const uri = URIS[PREFIXES.indexOf(prefix)]!;
          decls.push(`xmlns:${prefix}="${uri}"`);
          inner.set(prefix, uri);
        }
      }
      return { inner, decls };
    }

    function nsOf(n: El, scope: Map<string, string>): string | null {
      const uri = scopeOf(n, scope).inner.get(n.prefix ?? '');
      return uri ? uri : null;
    }

    /** Child infos for a list of sibling nodes under `scope`. */
    function siblingInfos(nodes: Node[], scope: Map<string, string>): (Info | undefined)[] {
      const seen: Info[] = [];
      return nodes.map((c) => {
        if (c.t !== 'el') return undefined;
        const ns = nsOf(c, scope);
        const info: Info = {
          ns,
          local: c.local,
          posAll: seen.length + 1,
          posName: seen.filter((s) => s.ns === ns && s.local === c.local).length + 1,
          posNs: seen.filter((s) => s.ns === ns).length + 1,
        };
        seen.push(info);
        return info;
      });
    }

    /** Serializes n; every element's chain of infos from the root goes to `chains`. */
    function serialize(n: Node, scope: Map<string, string>, chain: Info[] = [], chains: Info[][] = []): string {
      switch (n.t) {
        case 'text':
          return n.s;
        case 'cdata':
          return `<![CDATA[${n.s}]]>`;
        case 'comment':
          return `<!--${n.s}-->`;
        case 'pi':
          return `<?${n.s}?>`;
        case 'el': {
          chains.push(chain);
          const { inner, decls } = scopeOf(n, scope);
          const attrs = n.attrs.map((a) => `${a.prefix ? a.prefix + ':' : ''}${a.local}=${a.quote}${a.value}${a.quote}`);
          const all = n.declsFirst ? [...decls, ...attrs] : [...attrs, ...decls];
          const qn = (n.prefix ? n.prefix + ':' : '') + n.local;
          const open = `<${qn}${all.map((a) => n.ws + a).join('')}`;
          if (n.selfClose && n.children.length === 0) return `${open}${n.ws === '\t' ? ' ' : ''}/>`;
          const infos = siblingInfos(n.children, inner);
          const body = n.children.map((c, i) => serialize(c, inner, infos[i] ? [...chain, infos[i]!] : chain, chains)).join('');
          return `${open}>${body}</${qn}${n.ws === '\t' ? '\n' : ''}>`;
        }
      }
    }

    const docArb: fc.Arbitrary<DocSpec> = fc.record({
      decl: fc.boolean(),
      prolog: fc.constantFrom('', '\n', '<!-- p -->\n', '<?app?>'),
      envPrefix: fc.constantFrom('soapenv:', 'env:', ''),
      header: fc.option(fc.array(nodeArb.el, { maxLength: 2 }), { nil: undefined }),
      body: fc.array(nodeArb.node, { minLength: 1, maxLength: 5 }),
      epilog: fc.constantFrom('', '\n', '<!-- e -->'),
      pox: fc.boolean(),
    });

    interface DocSpec {
      decl: boolean;
      prolog: string;
      envPrefix: string;
      header: El[] | undefined;
      body: Node[];
      epilog: string;
      pox: boolean;
    }

    function docXml(d: DocSpec): { xml: string; contentType: string; chains: Info[][] } {
      const decl = d.decl ? '<?xml version="1.0" encoding="UTF-8"?>' : '';
      const chains: Info[][] = [];
      const root = (local: string, posAll = 1): Info => ({ ns: SOAP11, local, posAll, posName: 1, posNs: posAll });
      if (d.pox) {
        // a POX body: the DOM engine wraps it in an Envelope and Body
        const infos = siblingInfos(d.body, new Map());
        const top = [root('Envelope'), root('Body')];
        const xml = decl + d.prolog + d.body.map((n, i) => serialize(n, new Map(), infos[i] ? [...top, infos[i]!] : top, chains)).join('');
        return { xml, contentType: 'application/xml', chains };
      }
      const p = d.envPrefix;
      const xmlns = p ? `xmlns:${p.slice(0, -1)}` : 'xmlns';
      const scope = new Map<string, string>();
      if (!p) scope.set('', SOAP11);
      let header = '';
      if (d.header) {
        const infos = siblingInfos(d.header, scope);
        const top = [root('Envelope'), root('Header')];
        header = `<${p}Header>${d.header.map((n, i) => serialize(n, scope, [...top, infos[i]!], chains)).join('')}</${p}Header>`;
      }
      const infos = siblingInfos(d.body, scope);
      const top = [root('Envelope'), root('Body', d.header ? 2 : 1)];
      const body = d.body.map((n, i) => serialize(n, scope, infos[i] ? [...top, infos[i]!] : top, chains)).join('');
      return {
        xml: `${decl}${d.prolog}<${p}Envelope ${xmlns}="${SOAP11}">${header}<${p}Body>${body}</${p}Body></${p}Envelope>${d.epilog}`,
        contentType: 'text/xml',
        chains,
      };
    }

    const PREFIX_OF: Record<string, string> = { [SOAP11]: 'soapenv', 'urn:x': 'p', 'urn:y': 'q', 'urn:z': 'r' };

    /** A path aimed at one element of the document (chain from the root), shaped by the choices. */
    function targetedPath(chain: Info[], choices: number[]): string {
      const c = (i: number): number => choices[i % choices.length]!;
      let start = '/';
      let from = 0;
      const mode = c(0) % 4;
      if (mode === 1) {
        start = '//';
        from = c(1) % chain.length;
      } else if (mode === 2 && chain.length > 2 && chain[1]!.local === 'Body') {
        start = '$body/';
        from = 2;
      } else if (mode === 3 && chain.length > 1) {
        start = '';
        from = 1;
      }
      let path = start;
      let desc = false;
      for (let i = from; i < chain.length; i++) {
        const e = chain[i]!;
        const r = c(i + 2);
        if (i > from && i < chain.length - 1 && r % 5 === 0) {
          desc = true; // leave this step to a `//`
          continue;
        }
        const prefix = e.ns === null ? '' : PREFIX_OF[e.ns];
        let name = prefix === '' ? e.local : `${prefix}:${e.local}`;
        let pos = e.posName;
        if (prefix === undefined || r % 7 === 1) {
          name = '*';
          pos = e.posAll;
        } else if (r % 7 === 2 && prefix !== '') {
          name = `${prefix}:*`;
          pos = e.posNs;
        }
        const predicate = (r >> 3) % 3 === 0 ? `[${(r >> 5) % 4 === 0 ? pos + 1 : pos}]` : '';
        path += (i === from ? '' : desc ? '//' : '/') + name + predicate;
        desc = false;
      }
      return path + ['', '', '/text()', '//text()', '/@id', '/@x', '/@p:id', '//@id'][c(chain.length + 3) % 8];
    }

    const stepArb = fc.record({
      sep: fc.constantFrom('/', '/', '//'),
      name: fc.constantFrom(...NAMES, 'p:a', 'p:order', 'q:b', 'q:text', 'r:a', 's:a', '*', '*', 'p:*', 'soapenv:Body', 'soapenv:Envelope', 'soapenv:Header'),
      pos: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined, freq: 3 }),
    });
    const pathArb = fc
      .record({
        start: fc.constantFrom('/soapenv:Envelope/', '/*/', '//', '//', '/', '', '$body/', '$body//', '$header/', '$env/', '/soapenv:Envelope/soapenv:Body/'),
        steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
        final: fc.constantFrom('', '', '', '/text()', '//text()', '/@id', '/@p:id', '//@id', '/@x', '/@q:x'),
      })
      .map(({ start, steps, final }) => start + steps.map((s, i) => (i === 0 ? '' : s.sep) + s.name + (s.pos ? `[${s.pos}]` : '')).join('') + final);

    /** A document with random paths, and paths aimed at its own elements (so that many select something). */
    const targeted = fc.record({ pick: fc.nat(), choices: fc.array(fc.nat(), { minLength: 4, maxLength: 8 }) });
    const docWithPaths = fc.tuple(docArb, fc.array(pathArb, { maxLength: 3 }), fc.array(targeted, { minLength: 1, maxLength: 4 })).map(([doc, randomPaths, aimed]) => {
      const { chains } = docXml(doc);
      return { doc, paths: [...randomPaths, ...(chains.length ? aimed.map((t) => targetedPath(chains[t.pick % chains.length]!, t.choices)) : [])] };
    });

    it('stream === DOM whenever the stream answers, and it answers often', () => {
      let total = 0;
      let answered = 0;
      let nonEmpty = 0;
      fc.assert(
        fc.property(docWithPaths, ({ doc: d, paths }) => {
          const { xml, contentType } = docXml(d);
          for (const p of paths) {
            assert.notEqual(compileStreamPath(p, PATH_NS), undefined, p);
            const o = evaluate(p, xml, contentType, PATH_NS);
            assertAgrees(o, p, xml);
            total++;
            if (o.stream !== undefined) {
              answered++;
              if (o.stream !== '') nonEmpty++;
            }
          }
        }),
        { numRuns: RUNS },
      );
      assert.ok(answered / total > 0.5, `the stream answered only ${answered} of ${total}`);
      assert.ok(nonEmpty / total > 0.12, `only ${nonEmpty} of ${total} answers were non-empty`);
    });

    it('the DOM walk (dom-path.ts) selects the same elements, in the same order, as the xpath package', () => {
      let walked = 0;
      let selectedSome = 0;
      fc.assert(
        fc.property(docWithPaths, ({ doc: d, paths }) => {
          const { xml, contentType } = docXml(d);
          let env: Document;
          try {
            env = testMessage(runtime(), { body: xml, contentType }).payload.envelope();
          } catch {
            return; // not a message the DOM takes
          }
          for (const p of paths) {
            const walk = compileDomPath(p, PATH_NS);
            if (!walk) continue;
            const mine = walk.select(env);
            const theirs = XPATH.parse(p).select({ node: env.documentElement, namespaces: PATH_NS });
            assert.equal(mine.length, theirs.length, `expr: ${p}\n  doc: ${xml}`);
            mine.forEach((n, i) => assert.ok((n as unknown) === theirs[i], `expr: ${p}: node ${i} differs\n  doc: ${xml}`));
            walked++;
            if (mine.length) selectedSome++;
          }
        }),
        { numRuns: RUNS },
      );
      assert.ok(walked > RUNS / 2, `only ${walked} paths were walked`);
      assert.ok(selectedSome > walked / 5, `only ${selectedSome} of ${walked} walks selected anything`);
    });

    const damage = fc.constantFrom('<', '>', '&', '"', "'", '</a>', '<a>', '<b/>', '<!--', '-->', ']]>', '\u0001', '\r', 'xmlns:p=""', ' p:z="1"', ' xmlns="urn:y"', '&#0;', '&#x110000;', '&amp', '?>', '<?xml?>', '/', '=', ':', '\uFEFF');
    const damaged = (d: DocSpec, at: number, del: number, ins: string): { bad: string; contentType: string } => {
      const { xml, contentType } = docXml(d);
      const i = at % (xml.length + 1);
      return { bad: xml.slice(0, i) + ins + xml.slice(i + del), contentType };
    };

    it('a declaration whose encoding quotes do not match names no charset: stream and DOM agree on it', () => {
      // found by the property below (seed -836694685): the charset sniffer read `encoding="U'TF-8"` as 'u'
      const bad = `<?xml version="1.0" encoding="U'TF-8"?><!-- p -->\n<a\tx=""\tq:id="v& \r\n"\txmlns:p="urn:x"\txmlns=""\txmlns:q="urn:y"></a\n>x`;
      assertAgrees(evaluate('//a', bad, 'application/xml', PATH_NS), '//a', bad);
    });

    it('damaged documents: the stream never answers where the DOM fails (descendant paths read everything)', () => {
      let domFailed = 0;
      fc.assert(
        fc.property(docArb, fc.nat(), fc.nat(3), damage, fc.array(pathArb.filter((p) => p.startsWith('//')), { minLength: 1, maxLength: 3 }), (d, at, del, ins, paths) => {
          const { bad, contentType } = damaged(d, at, del, ins);
          for (const p of paths) {
            const o = evaluate(p, bad, contentType, PATH_NS);
            if (o.dom instanceof Error) domFailed++;
            assertAgrees(o, p, bad);
          }
        }),
        { numRuns: Math.ceil(RUNS * 0.75) },
      );
      assert.ok(domFailed > 50, `only ${domFailed} damaged documents were rejected by the DOM`);
    });

    it('damaged documents, any path: where the DOM succeeds the stream agrees', () => {
      fc.assert(
        fc.property(docArb, fc.nat(), fc.nat(3), damage, fc.array(pathArb, { minLength: 1, maxLength: 3 }), (d, at, del, ins, paths) => {
          const { bad, contentType } = damaged(d, at, del, ins);
          for (const p of paths) {
            const o = evaluate(p, bad, contentType, PATH_NS);
            if (!(o.dom instanceof Error) && o.stream !== undefined) assert.equal(o.stream, o.dom, `expr: ${p}\n  doc: ${JSON.stringify(bad)}`);
          }
        }),
        { numRuns: Math.ceil(RUNS * 0.5) },
      );
    });
  });
});
