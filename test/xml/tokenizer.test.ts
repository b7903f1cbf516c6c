/**
 * The one XML byte tokenizer (src/xml/) and its two readers, the streaming path matcher and the WS-Security
 * envelope scanner: what it reads and refuses, and, against thousands of hostile inputs, that nothing
 * throws but the coded MI_XML errors and that time grows linearly with the input.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MiError } from '../../src/errors.js';
import { compileStreamPath } from '../../src/expr/stream-path.js';
import { scanEnvelope } from '../../src/security/ws-security/envelope-scanner.js';
import { KnownUris } from '../../src/xml/namespace-scope.js';
import { Token, XmlTokenizer, type XmlDialect } from '../../src/xml/tokenizer.js';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const STRICT: XmlDialect = { xmldomReferences: false, asciiNames: false };
const XMLDOM: XmlDialect = { xmldomReferences: true, asciiNames: true };
const KNOWN = new KnownUris([SOAP11, 'urn:p']);

/** Every token of xml, written as a short string (text and CDATA decoded). */
function tokens(xml: string | Buffer, dialect = STRICT, maxDepth = 100): string[] {
  const tok = new XmlTokenizer(dialect);
  tok.begin(Buffer.isBuffer(xml) ? xml : Buffer.from(xml), 0, KNOWN, maxDepth, true);
  const out: string[] = [];
  try {
    for (;;) {
      const t = tok.next();
      if (t === Token.EOF) return out;
      if (t === Token.START) {
        const attrs = Array.from({ length: tok.attrCount }, (_, a) => ` ${tok.attrQName(a)}{${tok.uri(tok.attrNs[a]!)}}=${JSON.stringify(tok.attrValue(a))}`);
        out.push(`<${tok.qname()}{${tok.uri(tok.ns)}}@${tok.depth}${attrs.join('')}${tok.selfClosing ? '/' : ''}>`);
      } else if (t === Token.END) out.push(`</@${tok.depth}>`);
      else if (t === Token.TEXT) out.push(`text ${JSON.stringify(tok.text())}`);
      else if (t === Token.CDATA) out.push(`cdata ${JSON.stringify(tok.text())}`);
      else if (t === Token.COMMENT) out.push('comment');
      else if (t === Token.PI) out.push('pi');
    }
  } finally {
    tok.finish();
  }
}

/** The MiError reading xml throws (its code and message). */
function refusal(xml: string | Buffer, dialect = STRICT, maxDepth = 100): { code: string; message: string } {
  try {
    tokens(xml, dialect, maxDepth);
  } catch (err) {
    assert.ok(err instanceof MiError, `not an MiError: ${String(err)}`);
    return { code: err.code, message: err.message };
  }
  assert.fail(`accepted: ${String(xml).slice(0, 200)}`);
}

describe('XML byte tokenizer', () => {
  describe('reads', () => {
    it('start and end tags, attributes with their namespaces, self-closing elements, text, depth', () => {
      assert.deepEqual(tokens(`<s:E xmlns:s="${SOAP11}" a='1' s:b="2"><x/>t<y xmlns="urn:p" c="3">u</y></s:E>`), [
        `<s:E{${SOAP11}}@1 xmlns:s{http://www.w3.org/2000/xmlns/}="${SOAP11}" a{}="1" s:b{${SOAP11}}="2">`,
        '<x{}@2/>',
        'text "t"',
        '<y{urn:p}@2 xmlns{http://www.w3.org/2000/xmlns/}="urn:p" c{}="3">',
        'text "u"',
        '</@2>',
        '</@1>',
      ]);
    });

    it('the predefined entities and character references; CDATA as written; comments and PIs as markers', () => {
      assert.deepEqual(tokens('<a b="&lt;&#65;&#x42;">&amp;&quot;&apos;&gt;&#x1F600;<![CDATA[<&amp;>]]><!-- c --><?pi x?></a>'), [
        '<a{}@1 b{}="<AB">',
        'text "&\\"\'>😀"',
        'cdata "<&amp;>"',
        'comment',
        'pi',
        '</@1>',
      ]);
    });

    it('line ends and attribute values normalized as XML (and xmldom) say', () => {
      assert.deepEqual(tokens('<a b="1\t2\r\n3&#10;">x\r\ny\rz</a>'), ['<a{}@1 b{}="1 2 3\\n">', 'text "x\\ny\\nz"', '</@1>']);
    });

    it('the XML declaration at the start only', () => {
      assert.deepEqual(tokens('<?xml version="1.0" encoding="UTF-8"?><a/>'), ['<a{}@1/>']);
      assert.match(refusal('<a/><?xml version="1.0"?>').message, /XML declaration that is not at the start/);
      assert.match(refusal('<?xml version="2.0"?><a/>').message, /malformed XML declaration/);
    });

    it('prefixes re-bound inside, and back in scope after the element closes', () => {
      assert.deepEqual(tokens('<p:a xmlns:p="urn:p"><p:b xmlns:p="urn:q"/><p:c/></p:a>'), [
        '<p:a{urn:p}@1 xmlns:p{http://www.w3.org/2000/xmlns/}="urn:p">',
        '<p:b{urn:q}@2 xmlns:p{http://www.w3.org/2000/xmlns/}="urn:q"/>',
        '<p:c{urn:p}@2/>',
        '</@1>',
      ]);
    });

    it('thousands of prefixes in scope (past the few compared byte by byte), shadowed and restored', () => {
      const decls = Array.from({ length: 3000 }, (_, i) => ` xmlns:p${i}="urn:${i}"`).join('');
      const xml = `<r${decls}><p7:a xmlns:p7="urn:inner"><p2999:b/></p7:a><p7:c p1:x="1"/></r>`;
      const t = tokens(xml);
      assert.match(t[1]!, /^<p7:a\{urn:inner\}/);
      assert.match(t[2]!, /^<p2999:b\{urn:2999\}/);
      assert.match(t[4]!, /^<p7:c\{urn:7\}@2 p1:x\{urn:1\}="1"\/>$/);
    });

    it('names beyond ASCII in the strict dialect; the xmldom dialect leaves them to the DOM', () => {
      assert.deepEqual(tokens('<é a="1">x</é>'), ['<é{}@1 a{}="1">', 'text "x"', '</@1>']);
      assert.equal(refusal('<é>x</é>', XMLDOM).code, 'MI_XML_001');
    });

    it("an '&' that starts no reference: text for xmldom, an error in strict XML", () => {
      assert.deepEqual(tokens('<a>a & b &#0;</a>', XMLDOM), ['<a{}@1>', 'text "a & b \\u0000"', '</@1>']);
      assert.match(refusal('<a>a & b</a>').message, /an '&' that starts no entity reference/);
      assert.match(refusal('<a>&#0;</a>').message, /unknown entity '&#0;'/);
    });

    it('checks text only when asked for it or moved past: a reader may stop at text without failing', () => {
      const tok = new XmlTokenizer(STRICT);
      tok.begin(Buffer.from('{"json": "a & b"}'), 0, KNOWN, 100, true);
      assert.equal(tok.next(), Token.TEXT);
      assert.equal(tok.isBlank(), false);
      assert.throws(() => tok.next(), /an '&' that starts no entity reference/);
      tok.finish();
    });

    it('passes over text when asked to, still checking its references', () => {
      const tok = new XmlTokenizer(STRICT);
      tok.begin(Buffer.from('<a>x<b/>y &amp; z</a>'), 0, KNOWN, 100, true);
      const kinds = [];
      for (let t = tok.next(true); t !== Token.EOF; t = tok.next(true)) kinds.push(t);
      tok.finish();
      assert.deepEqual(kinds, [Token.START, Token.START, Token.END]);
      assert.throws(() => {
        tok.begin(Buffer.from('<a>x &bogus; y</a>'), 0, KNOWN, 100, true);
        while (tok.next(true) !== Token.EOF);
      }, /unknown entity '&bogus;'/);
      tok.finish();
    });
  });

  describe('refuses, with a coded error that names the construct', () => {
    const cases: [string, string, RegExp][] = [
      ['<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', 'MI_XML_002', /DOCTYPE/],
      ['<a><!doctype x></a>', 'MI_XML_002', /DOCTYPE/],
      ['<a b="1" b="2"/>', 'MI_XML_001', /attribute 'b' appears twice on <a>/],
      ['<a xmlns:p="urn:x" xmlns:q="urn:x" p:b="1" q:b="2"/>', 'MI_XML_001', /attributes 'p:b' and 'q:b' of <a> have the same namespace and local name/],
      ['<a><b></a>', 'MI_XML_001', /<\/a> closes <b>/],
      ['<a>', 'MI_XML_001', /<a> is not closed/],
      ['</a>', 'MI_XML_001', /no element is open/],
      ['<p:a/>', 'MI_XML_001', /namespace prefix 'p' of <p:a> is not declared/],
      ['<a p:b="1"/>', 'MI_XML_001', /namespace prefix of attribute 'p:b' is not declared/],
      ['<a xmlns:p=""/>', 'MI_XML_001', /prefix 'p' is undeclared with an empty namespace/],
      ['<a xmlns:xml="urn:x"/>', 'MI_XML_001', /the prefix 'xml' may not be declared/],
      ['<a xmlns:p="http://www.w3.org/2000/xmlns/"/>', 'MI_XML_001', /may not be bound/],
      ['<a b=1/>', 'MI_XML_001', /attribute 'b' of <a> is not quoted/],
      ['<a b="<"/>', 'MI_XML_001', /'<' in the value of attribute 'b'/],
      ['<a b="1"c="2"/>', 'MI_XML_001', /must be separated by white space/],
      ['<a b="x', 'MI_XML_001', /unterminated value of attribute 'b'/],
      ['<a b', 'MI_XML_001', /attribute 'b' of <a> has no value/],
      ['<a', 'MI_XML_001', /unterminated start tag <a>/],
      ['<a:b:c/>', 'MI_XML_001', /'a:b:c' is not a qualified name/],
      ['<1a/>', 'MI_XML_001', /a name was expected/],
      ['<a><!-- x -- y --></a>', 'MI_XML_001', /'--' inside a comment/],
      ['<a><!-- x', 'MI_XML_001', /unterminated comment/],
      ['<a><![CDATA[x</a>', 'MI_XML_001', /unterminated CDATA section/],
      ['<a><?pi x', 'MI_XML_001', /unterminated processing instruction/],
      ['<a>\u0001<!--\u0001--></a>', 'MI_XML_001', /a character XML does not allow in a comment/],
      ['<a>&amp</a>', 'MI_XML_001', /an '&' that starts no entity reference/],
      ['<a>&nope;</a>', 'MI_XML_001', /unknown entity '&nope;'/],
      ['<a><!ELEMENT a ANY></a>', 'MI_XML_001', /unknown markup declaration/],
    ];
    for (const [xml, code, message] of cases) {
      it(`${JSON.stringify(xml)} (${code})`, () => {
        const r = refusal(xml);
        assert.equal(r.code, code);
        assert.match(r.message, message);
      });
    }

    it('nesting deeper than the limit (MI_XML_003)', () => {
      assert.equal(tokens('<a>'.repeat(5) + '</a>'.repeat(5), STRICT, 5).length, 10);
      const r = refusal('<a>'.repeat(6) + '</a>'.repeat(6), STRICT, 5);
      assert.equal(r.code, 'MI_XML_003');
      assert.match(r.message, /nesting deeper than 5 elements/);
    });

    it('quotes at most the start of a huge name', () => {
      const r = refusal(`<${'n'.repeat(1_000_000)} b="1" b="2"/>`);
      assert.ok(r.message.length < 300, `message of ${r.message.length} characters`);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// hostile inputs

const MATCHERS = ['//order[1]/symbol', '/soapenv:Envelope/soapenv:Header/t:routing', '$body/a/b[2]', '//a/@b', '//a//text()'].map(
  (p) => compileStreamPath(p, { soapenv: SOAP11, t: 'http://someuri' })!,
);

/** Everything a reader may do with the bytes; throws only what a reader must never throw. */
function readEverywhere(bytes: Buffer): void {
  for (const dialect of [STRICT, XMLDOM]) {
    try {
      tokens(bytes, dialect);
    } catch (err) {
      if (!(err instanceof MiError) || !/^MI_XML_00[1-3]$/.test(err.code)) throw err;
    }
  }
  for (const m of MATCHERS) {
    for (const wrapped of [false, true]) {
      const r = m.match(bytes, wrapped);
      assert.ok(r === undefined || typeof r === 'string');
    }
  }
  const scan = scanEnvelope(bytes, 100);
  assert.ok(['soap', 'not-soap', 'malformed'].includes(scan.kind));
}

const NAME = fc.oneof(fc.constantFrom('a', 'b', 'p:a', 'xmlns', 'xmlns:p', 'xml:lang', 'q:', ':a', 'é', '1'), fc.string({ minLength: 1, maxLength: 4 }));
const PIECE = fc.oneof(
  fc.constantFrom('<', '>', '/>', '</', '&', '&amp', '&#', '&#x;', '&#99999999;', '&#0;', '&lt;', '"', "'", '=', '<!--', '-->', '<![CDATA[', ']]>', '<?pi ', '?>', '<?xml version="1.0"?>', '<!DOCTYPE a>', ' ', '\n', '\u0001', '\uFEFF'),
  NAME.map((n) => `<${n}>`),
  NAME.map((n) => `</${n}>`),
  fc.tuple(NAME, NAME, fc.constantFrom('"v"', "'&amp;'", '"urn:p"', '""', '"<"')).map(([e, a, v]) => `<${e} ${a}=${v}>`),
  fc.constantFrom(`<soapenv:Envelope xmlns:soapenv="${SOAP11}">`, '<soapenv:Header>', '<soapenv:Body>', '</soapenv:Header>', '</soapenv:Body>', '</soapenv:Envelope>'),
);
const HOSTILE = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.array(PIECE, { maxLength: 40 }).map((p) => Buffer.from(p.join(''))),
  fc.nat(300).map((n) => Buffer.from('<a>'.repeat(n) + '</a>'.repeat(n >> 1))),
  fc.tuple(fc.nat(300), fc.boolean()).map(([n, dup]) => Buffer.from(`<a${Array.from({ length: n }, (_, i) => ` x${dup ? i % 7 : i}="1"`).join('')}/>`)),
  fc.tuple(fc.nat(50), fc.constantFrom('&', '&#', '&#x', '&amp', '&#12345678901;', '&lt')).map(([n, e]) => Buffer.from(`<a b="${e.repeat(n)}">${e.repeat(n)}</a>`)),
  fc.constantFrom('<!--', '<![CDATA[', '<?pi', '<a b="', '<a', '</', '<!DOCTYPE').map((u) => Buffer.from(`<soapenv:Envelope xmlns:soapenv="${SOAP11}"><soapenv:Header>${u}`)),
  fc.nat(20_000).map((n) => Buffer.from(`<${'n'.repeat(n + 1)} ${'a'.repeat(n + 1)}="1">x</${'n'.repeat(n)}>`)),
);

describe('hostile inputs', function () {
  this.timeout(120_000);

  it('nothing throws but coded MI_XML errors: tokenizer, streaming matcher, envelope scanner', () => {
    fc.assert(fc.property(HOSTILE, readEverywhere), { numRuns: 3000 });
  });

  it('mutated SOAP envelopes', () => {
    const base = Buffer.from(`<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="${SOAP11}" xmlns:p="urn:p"><soapenv:Header><t:routing xmlns:t="http://someuri" p:a="&amp;">r<![CDATA[x]]></t:routing><!--c--></soapenv:Header><soapenv:Body><order><symbol>IBM</symbol></order></soapenv:Body></soapenv:Envelope>`);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 5 }), (edits) => {
        const b = Buffer.from(base);
        for (const [i, c] of edits) b[i] = c;
        readEverywhere(b);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------------------
// linear time

/** CPU milliseconds of the fastest of a few runs (the least disturbed by the rest of the machine). */
function cpuMs(run: () => void): number {
  let best = Infinity;
  for (let k = 0; k < 3; k++) {
    const t = process.cpuUsage();
    run();
    const u = process.cpuUsage(t);
    best = Math.min(best, (u.user + u.system) / 1000);
  }
  return best;
}

/** Input shapes that would be quadratic in a careless reader; each doc(n) is about n times bigger. */
const SHAPES: Record<string, (n: number) => Buffer> = {
  'attributes on the Envelope': (n) => envelope(Array.from({ length: n }, (_, i) => ` a${i}="v"`).join('')),
  'namespace declarations and prefixed attributes': (n) => envelope(Array.from({ length: n }, (_, i) => ` xmlns:p${i}="urn:u${i}" p${i}:a="v"`).join('')),
  'tiny elements': (n) => envelope('', '<a/>'.repeat(n * 2)),
  'nested elements with their own namespaces': (n) => envelope('', Array.from({ length: n / 10 }, (_, i) => `<a xmlns="urn:${i}"><b xmlns:q="urn:q${i}"><q:c/></b></a>`).join('')),
  'deep nesting, repeated': (n) => envelope('', ('<a>'.repeat(90) + '</a>'.repeat(90)).repeat(Math.max(1, n / 90))),
  'references in text and attributes': (n) => envelope('', `<a b="${'&amp;'.repeat(n)}">${'&lt;&#65;'.repeat(n)}</a>`),
  'comments, CDATA and PIs': (n) => envelope('', '<!-- c --><![CDATA[d]]><?p i?>'.repeat(n / 3)),
  'a huge name': (n) => envelope('', `<${'n'.repeat(n * 10)}>x</${'n'.repeat(n * 10)}>`),
  'an unterminated comment after many elements': (n) => Buffer.concat([envelope('', '<a>x</a>'.repeat(n)).subarray(0, -40), Buffer.from('<!--')]),
};

function envelope(attrs: string, body = '<x/>'): Buffer {
  return Buffer.from(`<soapenv:Envelope xmlns:soapenv="${SOAP11}"${attrs}><soapenv:Header><t:routing xmlns:t="http://someuri">r</t:routing></soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`);
}

const READERS: Record<string, (b: Buffer) => void> = {
  tokenizer: (b) => {
    try {
      tokens(b);
    } catch (err) {
      if (!(err instanceof MiError)) throw err;
    }
  },
  'streaming matcher': (b) => void MATCHERS[0]!.match(b, false),
  'envelope scanner': (b) => void scanEnvelope(b, 100),
};

describe('linear time, whatever the input', function () {
  this.timeout(300_000);
  const N = 10_000;
  for (const [shape, doc] of Object.entries(SHAPES)) {
    for (const [reader, read] of Object.entries(READERS)) {
      it(`${shape}: ${reader}`, () => {
        const small = doc(N);
        const big = doc(N * 10);
        read(small); // compiled before it is timed
        const t1 = Math.max(cpuMs(() => read(small)), 0.5);
        const t10 = cpuMs(() => read(big));
        // linear is about 10x; quadratic would be about 100x. The margin absorbs a busy machine and GC.
        assert.ok(t10 < 40 * t1, `${(t10 / t1).toFixed(1)}x the time for 10x the input (${t1.toFixed(1)} ms, then ${t10.toFixed(1)} ms)`);
      });
    }
  }
});
