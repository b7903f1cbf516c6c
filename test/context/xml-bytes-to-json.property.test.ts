/**
 * The JSON a SOAP or POX reply becomes, read straight from its bytes (xml-bytes-to-json.ts), against the DOM
 * route it stands in for (fast-check): random envelopes and POX bodies with prefixes, default namespaces,
 * attributes, numbers, booleans, nulls, references, CDATA, comments, xml-multiple instructions, repeated and
 * interleaved siblings, headers, declarations and byte order marks, some of them damaged. Wherever the byte
 * reader answers, its text is the DOM route's text to the byte; where the DOM route fails (malformed XML,
 * mixed content), the byte reader does not answer; and it answers for nearly every well-formed message.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Payload } from '../../src/context/payload.js';
import { xmlToJsonText } from '../../src/context/json-xml.js';
import { xmlBytesToJsonText } from '../../src/context/xml-bytes-to-json.js';

const RUNS = Number(process.env['XML_JSON_RUNS'] ?? 600);
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const LIMITS = { maxBodyBytes: 1 << 20, maxXmlDepth: 100 };

type Node = { t: 'text'; s: string } | { t: 'cdata'; s: string } | { t: 'comment' } | { t: 'multiple'; name: string } | El;
interface El {
  t: 'el';
  prefix: string;
  local: string;
  attrs: { name: string; value: string }[];
  children: Node[];
}

const value = fc.constantFrom('1', '25.0000', '-0', '1e3', '007', 'true', 'false', 'null', 'IBM', 'a b', '9007199254740993', '', ' ');
const text = fc.oneof(
  value,
  fc.constantFrom(' ', '\n  ', '&amp;', 'x &lt; y', '&#65;&#x42;', 'é😀', '"q"\\', '\t', 'a\r\nb', '& ', ']]'),
);
const nodeArb = fc.letrec<{ node: Node; el: El }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', maxDepth: 4, depthIdentifier: 'tree' },
    { weight: 2, arbitrary: text.map((s) => ({ t: 'text' as const, s })) }, // first: where the depth ends
    { weight: 2, arbitrary: tie('el') },
    { weight: 1, arbitrary: value.map((s) => ({ t: 'cdata' as const, s })) },
    { weight: 1, arbitrary: fc.constant({ t: 'comment' as const }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'item', 'a').map((name) => ({ t: 'multiple' as const, name })) },
  ),
  el: fc.record({
    t: fc.constant('el' as const),
    prefix: fc.constantFrom('', '', 'p:', 'q:'),
    local: fc.constantFrom('a', 'item', 'order', 'jsonObject', 'jsonArray', 'x-y', '_1'),
    attrs: fc.uniqueArray(
      fc.record({ name: fc.constantFrom('id', 'p:id', 'xsi:type', 'xmlns', 'xmlns:z', 'n'), value: fc.constantFrom('1', 'v', '&amp;', 'true', '') }),
      { selector: (a) => a.name.replace(/^.*:/, ''), maxLength: 3 },
    ),
    children: fc.array(tie('node'), { maxLength: 4, depthIdentifier: 'tree' }),
  }) as fc.Arbitrary<El>,
}));

function xml(n: Node): string {
  switch (n.t) {
    case 'text':
      return n.s;
    case 'cdata':
      return `<![CDATA[${n.s}]]>`;
    case 'comment':
      return '<!-- c -->';
    case 'multiple':
      return n.name ? `<?xml-multiple ${n.name}?>` : '<?xml-multiple?>';
    case 'el': {
      const decls = ' xmlns:p="urn:p" xmlns:q="urn:q" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
      const attrs = n.attrs.map((a) => ` ${a.name}="${a.name === 'xmlns' || a.name === 'xmlns:z' ? 'urn:' + a.value.replace(/&amp;/, 'amp') : a.value}"`).join('');
      const inner = n.children.map(xml).join('');
      return inner === '' ? `<${n.prefix}${n.local}${decls}${attrs}/>` : `<${n.prefix}${n.local}${decls}${attrs}>${inner}</${n.prefix}${n.local}>`;
    }
  }
}

interface Doc {
  pox: boolean;
  soap12: boolean;
  prefix: string;
  decl: boolean;
  bom: boolean;
  header: boolean;
  lead: string;
  body: Node[];
  damage: number;
}

const docArb: fc.Arbitrary<Doc> = fc.record({
  pox: fc.boolean(),
  soap12: fc.boolean(),
  prefix: fc.constantFrom('soapenv:', 's:', ''),
  decl: fc.boolean(),
  bom: fc.boolean(),
  header: fc.boolean(),
  lead: fc.constantFrom('', '\n', '<!-- lead -->', '<?app x?>'),
  body: fc.array(nodeArb.node, { minLength: 0, maxLength: 3 }),
  // 0: intact; otherwise one byte position is cut or doubled (a damaged message)
  damage: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 400 }) }),
});

function bytesOf(d: Doc): { raw: Buffer; contentType: string } {
  const decl = d.decl ? '<?xml version="1.0" encoding="UTF-8"?>' : '';
  const body = d.body.map(xml).join('');
  let text: string;
  let contentType: string;
  if (d.pox) {
    text = decl + d.lead + body;
    contentType = 'application/xml';
  } else {
    const p = d.prefix;
    const ns = d.soap12 ? SOAP12 : SOAP11;
    const xmlns = p ? `xmlns:${p.slice(0, -1)}="${ns}"` : `xmlns="${ns}"`;
    const header = d.header ? `<${p}Header><h:t xmlns:h="urn:h">1</h:t></${p}Header>` : '';
    text = `${decl}${d.lead}<${p}Envelope ${xmlns}>${header}<${p}Body>${body}</${p}Body></${p}Envelope>`;
    contentType = d.soap12 ? 'application/soap+xml' : 'text/xml';
  }
  let raw = Buffer.from(text, 'utf8');
  if (d.damage > 0 && raw.length > 0) {
    const at = d.damage % raw.length;
    raw = d.damage % 2 === 0 ? Buffer.concat([raw.subarray(0, at), raw.subarray(at + 1)]) : Buffer.concat([raw.subarray(0, at + 1), raw.subarray(at)]);
  }
  if (d.bom) raw = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), raw]);
  return { raw, contentType };
}

/** The DOM route: the payload element of the parsed message, walked. */
function viaDom(raw: Buffer, contentType: string): { ok: true; text: string } | { ok: false } {
  try {
    const el = new Payload(contentType, raw, LIMITS).bodyElement();
    return { ok: true, text: el ? xmlToJsonText(el) : '' };
  } catch {
    return { ok: false };
  }
}

describe('XML to JSON from the bytes, against the DOM route', () => {
  it('gives the DOM route\'s text wherever it answers, never answers where the DOM fails, and answers for nearly every good message', () => {
    let answered = 0;
    let domOk = 0;
    fc.assert(
      fc.property(docArb, (d) => {
        const { raw, contentType } = bytesOf(d);
        const dom = viaDom(raw, contentType);
        // the gate Payload.xmlAsJsonText() uses: bytes declared (or defaulting to) UTF-8
        const utf8 = new Payload(contentType, raw, LIMITS).utf8RawBytes;
        const bytes = utf8 && xmlBytesToJsonText(utf8, d.pox, LIMITS.maxXmlDepth + 2);
        if (dom.ok) domOk++;
        if (bytes === undefined) return;
        answered++;
        assert.ok(dom.ok, `the byte reader answered ${JSON.stringify(bytes)} where the DOM route fails, for ${JSON.stringify(raw.toString())}`);
        assert.equal(bytes, dom.text, `for ${JSON.stringify(raw.toString())}`);
      }),
      { numRuns: RUNS },
    );
    // most generated messages are well-formed and convertible; the byte reader must take nearly all of them
    assert.ok(answered >= domOk * 0.9, `the byte reader answered ${answered} of ${domOk} messages the DOM route converts`);
  });

  it('answers the bench reply: a SOAP 1.1 envelope with prefixes, a declaration, numbers and a header', () => {
    const raw = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/>' +
        '<soapenv:Body><m:buyStocks xmlns:m="http://services.samples"><order><symbol>IBM</symbol><buyerID>asankha</buyerID><price>140.34</price><volume>200000</volume></order>' +
        '<order><symbol>MSFT</symbol><buyerID>ruwan</buyerID><price>23.56</price><volume>803000</volume></order></m:buyStocks></soapenv:Body></soapenv:Envelope>',
    );
    const text = xmlBytesToJsonText(raw, false, 102);
    assert.equal(
      text,
      '{"buyStocks":{"order":[{"symbol":"IBM","buyerID":"asankha","price":140.34,"volume":200000},{"symbol":"MSFT","buyerID":"ruwan","price":23.56,"volume":803000}]}}',
    );
  });

  it('leaves to the DOM route what it cannot be sure of: another charset, names beyond ASCII, a DOCTYPE, a body that is no envelope', () => {
    const env = (inner: string): Buffer => Buffer.from(`<s:Envelope xmlns:s="${SOAP11}"><s:Body>${inner}</s:Body></s:Envelope>`);
    assert.equal(xmlBytesToJsonText(Buffer.from([0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]), true, 102), undefined);
    assert.equal(xmlBytesToJsonText(env('<prix>1</prix><données/>'), false, 102), undefined);
    assert.equal(xmlBytesToJsonText(env('<données>1</données>'), false, 102), undefined);
    assert.equal(xmlBytesToJsonText(Buffer.from(`<!DOCTYPE a><s:Envelope xmlns:s="${SOAP11}"><s:Body/></s:Envelope>`), false, 102), undefined);
    assert.equal(xmlBytesToJsonText(Buffer.from('<a>1</a>'), false, 102), undefined);
    assert.equal(xmlBytesToJsonText(env('<a>1<b/></a>'), false, 102), undefined); // mixed content: the DOM route reports it
    assert.equal(xmlBytesToJsonText(env(''), false, 102), '');
  });
});
