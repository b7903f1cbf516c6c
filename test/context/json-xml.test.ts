/**
 * The JSON <-> XML mapping against Synapse's own vectors (modules/commons BuilderFormatterTest: the XML its
 * JSON builder makes for each JSON text) and against the rules of its StAXON formatter for XML to JSON.
 */
import assert from 'node:assert/strict';
import { jsonToXml, xmlToJsonText } from '../../src/context/json-xml.js';
import { bigDecimalString } from '../../src/context/xml-to-json.js';
import { parseJson, stringifyJson, JsonNumber } from '../../src/json/json-number.js';
import { parseXml } from '../../src/xml/dom.js';
import { MiError } from '../../src/errors.js';

const toJson = (xml: string): string => xmlToJsonText(parseXml(xml).documentElement);
/** Axiom writes `<?xml-multiple  name?>` and `<a />`; the same XML as this runtime's text. */
const axiom = (xml: string): string => xml.replace(/<\?xml-multiple {2}/g, '<?xml-multiple ').replace(/ \/>/g, '/>');

// [JSON, the XML Synapse builds for it] from BuilderFormatterTest (cases 2-8, 11, 12, 15)
const VECTORS: [string, string][] = [
  [
    '{"type":"Polygon","coordinates":[[[116.0865381,-8.608804],[116.127196,-8.608804],[116.127196,-8.554822],[116.0865381,-8.554822]]]}',
    '<jsonObject><type>Polygon</type><?xml-multiple  coordinates?><coordinates><jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.0865381</jsonElement><jsonElement>-8.608804</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.127196</jsonElement><jsonElement>-8.608804</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.127196</jsonElement><jsonElement>-8.554822</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.0865381</jsonElement><jsonElement>-8.554822</jsonElement></jsonArray></jsonElement></jsonArray></coordinates></jsonObject>',
  ],
  [
    '[[[116.0865381,-8.608804],[116.127196,-8.608804],[116.127196,-8.554822],[116.0865381,-8.554822]]]',
    '<jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.0865381</jsonElement><jsonElement>-8.608804</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.127196</jsonElement><jsonElement>-8.608804</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.127196</jsonElement><jsonElement>-8.554822</jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement>116.0865381</jsonElement><jsonElement>-8.554822</jsonElement></jsonArray></jsonElement></jsonArray></jsonElement></jsonArray>',
  ],
  ['[1]', '<jsonArray><?xml-multiple  jsonElement?><jsonElement>1</jsonElement></jsonArray>'],
  ['{"array":[1,2,3]}', '<jsonObject><?xml-multiple  array?><array>1</array><array>2</array><array>3</array></jsonObject>'],
  ['{"array":[[1,2,4]]}', '<jsonObject><?xml-multiple  array?><array><jsonArray><?xml-multiple  jsonElement?><jsonElement>1</jsonElement><jsonElement>2</jsonElement><jsonElement>4</jsonElement></jsonArray></array></jsonObject>'],
  ['{"$schema":"UNKNOWN"}', '<jsonObject><_JsonReader_PS_schema>UNKNOWN</_JsonReader_PS_schema></jsonObject>'],
  ['{"hashtags":[],"symbols":[],"urls":[],"user_mentions":[]}', '<jsonObject><?xml-multiple  hashtags?><?xml-multiple  symbols?><?xml-multiple  urls?><?xml-multiple  user_mentions?></jsonObject>'],
  ['[null,null,1]', '<jsonArray><?xml-multiple  jsonElement?><jsonElement /><jsonElement /><jsonElement>1</jsonElement></jsonArray>'],
  ['{"value":null}', '<jsonObject><value /></jsonObject>'],
  [
    '[[],[[[],[]],[]]]',
    '<jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?><jsonElement><jsonArray><?xml-multiple  jsonElement?></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?></jsonArray></jsonElement></jsonArray></jsonElement><jsonElement><jsonArray><?xml-multiple  jsonElement?></jsonArray></jsonElement></jsonArray></jsonElement></jsonArray>',
  ],
];

describe('JSON <-> XML as Micro Integrator maps them', () => {
  for (const [json, xml] of VECTORS) {
    it(`JSON ${json.slice(0, 40)} -> Synapse's XML -> the same JSON`, () => {
      assert.equal(jsonToXml(parseJson(json)), axiom(xml));
      assert.equal(toJson(xml), json);
    });
  }

  it('reads MI\'s XML of keys starting with a digit back into the keys (BuilderFormatterTest case 1)', () => {
    const xml =
      '<jsonObject><value>12.4</value><_JsonReader_PD_12X12>http://localhost/images/id/img_0_24_24.png</_JsonReader_PD_12X12><_JsonReader_PD_0><date>19/12/12</date><venue>NONVEG</venue></_JsonReader_PD_0><?xml-multiple  1?><_JsonReader_PD_1>1</_JsonReader_PD_1><_JsonReader_PD_1>2</_JsonReader_PD_1><_JsonReader_PD_1><?xml-multiple  newArray?><newArray>one-Element</newArray></_JsonReader_PD_1></jsonObject>';
    assert.equal(toJson(xml), '{"value":12.4,"12X12":"http://localhost/images/id/img_0_24_24.png","0":{"date":"19/12/12","venue":"NONVEG"},"1":[1,2,{"newArray":["one-Element"]}]}');
  });

  it('writes XML as JSON: attributes first as strings, $ text, null for empty, namespaces dropped, primitives from text', () => {
    const xml =
      '<a xmlns:x="urn:x" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" x:t="1" xsi:type="x:T"><x:c>007</x:c><d/><e>true</e><f>1e3</f><g>-0</g><h k="5">t</h><i>null</i><j> 5</j><k>  </k></a>';
    assert.equal(toJson(xml), '{"a":{"@t":"1","@type":"x:T","c":"007","d":null,"e":true,"f":1E+3,"g":0,"h":{"@k":"5","$":"t"},"i":null,"j":" 5","k":null}}');
  });

  it('repeats a key whose elements are not adjacent, and starts an array on <?xml-multiple?> even for one item', () => {
    assert.equal(toJson('<r><a>1</a><b>x</b><a>2</a></r>'), '{"r":{"a":1,"b":"x","a":2}}');
    assert.equal(toJson('<r><?xml-multiple a?><a>1</a><b>x</b></r>'), '{"r":{"a":[1],"b":"x"}}');
    assert.equal(toJson('<r><a>1</a><a>2</a><b><?xml-multiple c?></b></r>'), '{"r":{"a":[1,2],"b":{"c":[]}}}');
  });

  it('refuses mixed content with MI_MED_010, as MI\'s formatter does', () => {
    assert.throws(() => toJson('<r>text<a>1</a></r>'), (e: MiError) => e.code === 'MI_MED_010');
    assert.throws(() => toJson('<r><a>1</a>tail</r>'), (e: MiError) => e.code === 'MI_MED_010');
  });

  it('escapes strings as StAXON does: quotes, backslash and controls only', () => {
    assert.equal(toJson('<r>a"b\\c/é\u00a0&#9;&#1;</r>'), '{"r":"a\\"b\\\\c/é\u00a0\\t\\u0001"}');
  });

  it('prints numbers as Java\'s BigDecimal does', () => {
    const java: [string, string][] = [
      ['25.0000', '25.0000'], ['0.001', '0.001'], ['0.000001', '0.000001'], ['0.0000001', '1E-7'], ['1e3', '1E+3'],
      ['1.5e2', '1.5E+2'], ['1.50E+2', '150'], ['12e-1', '1.2'], ['0e5', '0E+5'], ['-0', '0'], ['-0.0', '0.0'],
      ['-1.5e-9', '-1.5E-9'], ['12345678901234567890', '12345678901234567890'], ['1E0', '1'],
    ];
    for (const [t, want] of java) assert.equal(bigDecimalString(t), want, t);
  });

  it('maps keys that are not XML names reversibly, and "@key" to attributes wherever they stand', () => {
    const v = parseJson('{"a b":1,"x:y":{"@id":"7","$":"t"},"ok":2,"@late":"z"}');
    const xml = jsonToXml(v);
    assert.equal(xml, '<jsonObject late="z"><a_JsonReader_32_b>1</a_JsonReader_32_b><x_JsonReader_58_y id="7">t</x_JsonReader_58_y><ok>2</ok></jsonObject>');
    assert.equal(toJson(xml), '{"@late":"z","a b":1,"x:y":{"@id":"7","$":"t"},"ok":2}');
  });

  it('keeps JsonNumbers through parse, stringify and JSONPath-style comparison', () => {
    const v = parseJson('{"id":12345678901234567890,"p":1.50,"n":7}') as Record<string, unknown>;
    assert.ok(v['id'] instanceof JsonNumber);
    assert.ok(v['p'] instanceof JsonNumber && (v['p'] as unknown as number) > 1.4);
    assert.equal(v['n'], 7);
    assert.equal(stringifyJson(v), '{"id":12345678901234567890,"p":1.50,"n":7}');
    // outside the runtime's writer a JsonNumber is its JS number, never the runtime's internal mark
    assert.equal(JSON.stringify(v), '{"id":12345678901234567000,"p":1.5,"n":7}');
  });
});
