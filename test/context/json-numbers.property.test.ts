/**
 * Number text through the JSON <-> XML mapping (fast-check), numbers generated as text: integers far past
 * 2^53, decimals with trailing zeros, exponents, negative zero.
 * - JSON -> XML -> JSON, through the message reader (budget pre-scan, then the plain or lossless parse): the
 *   XML holds every number's text as received, and the JSON written back holds it as Micro Integrator writes
 *   it, which is the same text for every integer and plain decimal (Java's BigDecimal form otherwise);
 * - a JSON value written out after a change keeps every number's text exactly;
 * - XML -> JSON -> XML: every element's number text comes back as MI's JSON wrote it, and that form is a
 *   fixed point, so a second round trip changes nothing.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Payload } from '../../src/context/payload.js';
import { jsonToXml, xmlToJsonText } from '../../src/context/json-xml.js';
import { bigDecimalString } from '../../src/context/xml-to-json.js';
import { numberTextIsInexact, parseJson, stringifyJson } from '../../src/json/json-number.js';
import { scanJsonText } from '../../src/json/limits.js';
import { parseXml } from '../../src/xml/dom.js';

const RUNS = 400;
const LIMITS = { maxBodyBytes: 10 * 1024 * 1024, maxXmlDepth: 1024 };
const digits = (min: number, max: number): fc.Arbitrary<string> => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
const intPart = fc.oneof(fc.constant('0'), fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 30)).map(([a, b]) => `${a}${b}`));

/** Integers and plain decimals (trailing zeros included): MI writes them back unchanged. */
const plainNumber = fc
  .tuple(fc.boolean(), intPart, fc.option(digits(1, 12), { nil: undefined }))
  .map(([neg, i, f]) => `${neg ? '-' : ''}${i}${f !== undefined ? '.' + f : ''}`)
  .filter((t) => !/^-0(\.0+)?$/.test(t));
/** Any JSON number text: exponents and negative zero too. */
const anyNumber = fc.oneof(
  plainNumber,
  fc.tuple(plainNumber, fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 3)).map(([m, e, s, x]) => `${m}${e}${s}${x}`),
  fc.constantFrom('-0', '-0.0', '0.000', '12345678901234567890', '1.50', '9007199254740993', '1e400', '-1E-400'),
);

/** A JSON document as [its text, the text MI writes for its XML form, the number texts in order]. */
type Doc = [json: string, miJson: string, numbers: string[]];
const key = fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,6}$/);
const word = fc.stringMatching(/^[a-z][a-z ]{0,8}$/).map((s) => 's' + s);

function docArb(num: fc.Arbitrary<string>): fc.Arbitrary<Doc> {
  const { value } = fc.letrec<{ value: Doc; object: Doc; array: Doc }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      num.map((t): Doc => [t, bigDecimalString(t), [t]]),
      word.map((w): Doc => [JSON.stringify(w), JSON.stringify(w), []]),
      fc.constantFrom<Doc>(['true', 'true', []], ['null', 'null', []]),
      tie('object'),
      tie('array'),
    ),
    object: fc.uniqueArray(fc.tuple(key, tie('value')), { minLength: 1, maxLength: 4, selector: ([k]) => k }).map((members): Doc => [
      `{${members.map(([k, v]) => `"${k}":${v[0]}`).join(',')}}`,
      `{${members.map(([k, v]) => `"${k}":${v[1]}`).join(',')}}`,
      members.flatMap(([, v]) => v[2]),
    ]),
    array: fc.array(tie('value'), { maxLength: 4 }).map((items): Doc => [`[${items.map((v) => v[0]).join(',')}]`, `[${items.map((v) => v[1]).join(',')}]`, items.flatMap((v) => v[2])]),
  }));
  return fc.oneof(
    fc.uniqueArray(fc.tuple(key, value), { minLength: 1, maxLength: 5, selector: ([k]) => k }).map((members): Doc => [
      `{${members.map(([k, v]) => `"${k}":${v[0]}`).join(',')}}`,
      `{${members.map(([k, v]) => `"${k}":${v[1]}`).join(',')}}`,
      members.flatMap(([, v]) => v[2]),
    ]),
    fc.array(value, { minLength: 1, maxLength: 4 }).map((items): Doc => [`[${items.map((v) => v[0]).join(',')}]`, `[${items.map((v) => v[1]).join(',')}]`, items.flatMap((v) => v[2])]),
  );
}

/** Texts of the elements holding text, in document order. */
function leafTexts(el: Element, out: string[] = []): string[] {
  let hasChild = false;
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      hasChild = true;
      leafTexts(n as Element, out);
    }
  }
  if (!hasChild && el.textContent) out.push(el.textContent);
  return out;
}

const onlyNumbers = (texts: string[]): string[] => texts.filter((t) => /^-?[0-9]/.test(t));

describe('number text through JSON <-> XML (property)', () => {
  it('JSON -> XML -> JSON: the XML holds each number as received, MI\'s JSON writes integers and decimals unchanged', () => {
    fc.assert(
      fc.property(docArb(anyNumber), ([json, miJson, numbers]) => {
        const p = new Payload('application/json', Buffer.from(json), LIMITS);
        const body = p.bodyElement()!;
        assert.deepEqual(onlyNumbers(leafTexts(body)), numbers);
        assert.equal(xmlToJsonText(body), miJson);
      }),
      { numRuns: RUNS },
    );
  });

  it('for integers and plain decimals the round trip is the identity', () => {
    fc.assert(
      fc.property(docArb(plainNumber), ([json]) => {
        const p = new Payload('application/json', Buffer.from(json), LIMITS);
        assert.equal(xmlToJsonText(p.bodyElement()!), json);
      }),
      { numRuns: RUNS },
    );
  });

  it('a JSON value written out after a change keeps every number\'s text', () => {
    fc.assert(
      fc.property(docArb(anyNumber), ([json]) => {
        const p = new Payload('application/json', Buffer.from(json), LIMITS);
        p.setJson(p.json());
        assert.equal(p.text(), json);
        assert.equal(stringifyJson(parseJson(json)), json);
      }),
      { numRuns: RUNS },
    );
  });

  it('XML -> JSON -> XML: each number comes back as MI wrote it, a fixed point of the round trip', () => {
    // children in groups of adjacent equal names (repeats that are not adjacent repeat a JSON key)
    const element = fc.letrec<{ el: string }>((tie) => ({
      el: fc.oneof(
        { depthSize: 'small' },
        anyNumber,
        fc
          .uniqueArray(fc.tuple(key, fc.integer({ min: 1, max: 3 }), fc.array(tie('el'), { minLength: 3, maxLength: 3 })), { minLength: 1, maxLength: 3, selector: ([k]) => k })
          .map((groups) => groups.map(([k, count, bodies]) => bodies.slice(0, count).map((b) => `<${k}>${b}</${k}>`).join('')).join('')),
      ),
    })).el;
    fc.assert(
      fc.property(element, (inner) => {
        const xml = `<r>${inner}</r>`;
        const numbers = onlyNumbers(leafTexts(parseXml(xml).documentElement));
        const once = xmlToJsonText(parseXml(xml).documentElement);
        const back = parseXml(jsonToXml(parseJson(once))).documentElement;
        const texts = onlyNumbers(leafTexts(back));
        assert.deepEqual(texts, numbers.map(bigDecimalString));
        for (const t of texts) assert.equal(bigDecimalString(t), t);
        // MI's XML form of that JSON writes the same JSON again
        assert.equal(xmlToJsonText(back), once);
      }),
      { numRuns: RUNS },
    );
  });

  it('the budget pre-scan tells exactly which texts a JS number would print differently', () => {
    const budget = { maxDepth: 10, maxValues: 100 };
    fc.assert(
      fc.property(fc.oneof(anyNumber, fc.double({ noNaN: true, noDefaultInfinity: true }).map(String).filter((t) => /^-?[0-9]/.test(t) && !t.includes('Infinity'))), (t) => {
        const want = numberTextIsInexact(t);
        assert.equal(want, String(Number(t)) !== t);
        for (const doc of [t, `[${t}]`, `{"a":${t}}`, `[1, ${t} ,2]`]) assert.equal(scanJsonText(doc, budget).inexactNumbers, want, doc);
      }),
      { numRuns: 3000 },
    );
  });

  it('BigDecimal form: plain integers and decimals are kept, and every form is a fixed point', () => {
    fc.assert(
      fc.property(plainNumber, anyNumber, (plain, any) => {
        assert.equal(bigDecimalString(plain), plain);
        const once = bigDecimalString(any);
        assert.equal(bigDecimalString(once), once);
        assert.doesNotThrow(() => JSON.parse(once));
      }),
      { numRuns: 2000 },
    );
  });
});
