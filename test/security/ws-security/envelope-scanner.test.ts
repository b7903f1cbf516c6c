/**
 * The raw-bytes envelope scanner against hostile input (fast-check): it never throws, whatever the bytes,
 * and it agrees with the XML parser on envelopes whose header it accepts.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanEnvelope } from '../../../src/security/ws-security/envelope-scanner.js';
import { parseXml } from '../../../src/xml/dom.js';

const ENV = (header: string) =>
  `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>${header}</s:Header><s:Body><x/></s:Body></s:Envelope>`;
const GOOD = ENV(
  `<w:Security xmlns:w="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" s:mustUnderstand="1"><w:UsernameToken><w:Username>a&amp;b</w:Username><w:Password Type="t">p&#x41;<![CDATA[<c>]]></w:Password></w:UsernameToken></w:Security><other a="1"><!-- x --><y/></other>`,
);

describe('envelope scanner', () => {
  it('reads the Security header block: names, namespaces, text with entities and CDATA, byte range', () => {
    const r = scanEnvelope(Buffer.from(GOOD), 100);
    assert.equal(r.kind, 'soap');
    if (r.kind !== 'soap') return;
    assert.equal(r.securityHeaders.length, 1);
    const sec = r.securityHeaders[0]!;
    assert.equal(sec.attrs.find((a) => a.local === 'mustUnderstand')?.ns, 'http://schemas.xmlsoap.org/soap/envelope/');
    const ut = sec.children[0]!;
    assert.deepEqual(ut.children.map((c) => [c.local, c.text]), [['Username', 'a&b'], ['Password', 'pA<c>']]);
    assert.match(GOOD.slice(sec.start, sec.end), /^<w:Security .*<\/w:Security>$/);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => void scanEnvelope(Buffer.from(bytes), 100)), { numRuns: 2000 });
  });

  it('never throws on mutated envelopes, and accepts a mutation only when the XML parser accepts its header too', () => {
    const base = Buffer.from(GOOD);
    const bodyAt = GOOD.indexOf('<s:Body>');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.constantFrom(...'<>/&;"\'=!?[]-: axw#'.split('').map((c) => c.charCodeAt(0)))), { minLength: 1, maxLength: 4 }), (edits) => {
        const b = Buffer.from(base);
        for (const [i, c] of edits) if (i < bodyAt) b[i] = c;
        const r = scanEnvelope(b, 100);
        if (r.kind !== 'soap') return;
        // what the scanner accepted up to the Body must be well-formed XML once the envelope is closed
        const text = b.toString('latin1');
        const head = text.slice(0, text.indexOf('<s:Body>'));
        assert.doesNotThrow(() => parseXml(`${head}<s:Body/></s:Envelope>`), `scanner accepted: ${head}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses truncated envelopes', () => {
    for (let n = 1; n < GOOD.indexOf('<s:Body>'); n += 7) assert.notEqual(scanEnvelope(Buffer.from(GOOD.slice(0, n)), 100).kind, 'soap', `accepted ${n} bytes`);
  });
});
