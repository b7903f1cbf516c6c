/**
 * Properties of the message budgets over thousands of hostile inputs: the XML reader (budget scan + DOM) and
 * the JSON pre-scan end only in a value or a coded error, the tree they let through is within every budget,
 * the counts are exact on well-formed input, and the time grows linearly with the input.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Payload } from '../../src/context/payload.js';
import type { PayloadLimits } from '../../src/context/payload-limits.js';
import { MiError } from '../../src/errors.js';
import { checkXmlText } from '../../src/xml/limits.js';
import { checkJsonText } from '../../src/json/limits.js';

const XML_CODES = new Set(['MI_REQ_002', 'MI_REQ_004', 'MI_REQ_005', 'MI_REQ_007', 'MI_LIM_001', 'MI_LIM_002', 'MI_LIM_003']);
const JSON_CODES = new Set(['MI_REQ_005', 'MI_REQ_007', 'MI_LIM_004', 'MI_LIM_005']);

const SMALL: Required<Omit<PayloadLimits, 'maxBodyBytes'>> = {
  maxXmlDepth: 8,
  maxXmlElements: 40,
  maxXmlAttributesPerElement: 4,
  maxXmlNodes: 80,
  maxJsonDepth: 6,
  maxJsonValues: 50,
};

function payload(body: string | Buffer, contentType: string, limits: Partial<PayloadLimits> = SMALL): Payload {
  return new Payload(contentType, Buffer.isBuffer(body) ? body : Buffer.from(body), { maxBodyBytes: 1 << 24, maxXmlDepth: 100, ...limits });
}

/** Reads the XML view; returns the error code, or undefined with the tree built. */
function readXml(p: Payload): string | undefined {
  try {
    p.envelope();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof MiError, `not a coded error: ${(err as Error)?.stack}`);
    return err.code;
  }
}

function readJson(p: Payload): string | undefined {
  try {
    p.json();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof MiError, `not a coded error: ${(err as Error)?.stack}`);
    return err.code;
  }
}

interface TreeCounts {
  elements: number;
  nodes: number;
  depth: number;
  maxAttributes: number;
}

/** What the DOM under an element holds, counted without recursion. */
function countTree(root: Element): TreeCounts {
  const out: TreeCounts = { elements: 0, nodes: 0, depth: 0, maxAttributes: 0 };
  const stack: [Node, number][] = [[root, 1]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    out.nodes++;
    if (n.nodeType === 1) {
      const a = (n as Element).attributes.length;
      out.elements++;
      out.nodes += a;
      out.maxAttributes = Math.max(out.maxAttributes, a);
      out.depth = Math.max(out.depth, d);
      for (let c = n.firstChild; c; c = c.nextSibling) stack.push([c, d + 1]);
    }
  }
  return out;
}

/** The message's own part of the tree: children of soap:Body (POX messages are wrapped in it). */
function bodyCounts(p: Payload): TreeCounts {
  const total: TreeCounts = { elements: 0, nodes: 0, depth: 0, maxAttributes: 0 };
  for (let c = p.body().firstChild; c; c = c.nextSibling) {
    if (c.nodeType !== 1) {
      total.nodes++;
      continue;
    }
    const t = countTree(c as Element);
    total.elements += t.elements;
    total.nodes += t.nodes;
    total.depth = Math.max(total.depth, t.depth);
    total.maxAttributes = Math.max(total.maxAttributes, t.maxAttributes);
  }
  return total;
}

/** CPU milliseconds of the fastest of three runs. */
function cpuMs(f: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = process.cpuUsage();
    f();
    const t = process.cpuUsage(t0);
    best = Math.min(best, (t.user + t.system) / 1000);
  }
  return best;
}

/** Linear growth: 10x the input may cost at most 40x the time (quadratic would be 100x), plus noise. */
function assertLinear(label: string, small: number, large: number): void {
  assert.ok(large <= 40 * small + 25, `${label}: ${small.toFixed(1)} ms at n, ${large.toFixed(1)} ms at 10n`);
}

const XML_TOKENS = [
  '<', '>', '</', '/>', '<a>', '</a>', '<b x="1">', '</b>', '<a/>', '<p:c xmlns:p="urn:p">', '</p:c>', '<!--', '-->', '<![CDATA[', ']]>',
  '<?', '?>', '<?pi data?>', '"', "'", '=', ' x="1"', " y='<>&'", ' xmlns="urn:d"', '&', '&amp;', '&#65;', '&#x1F600;', '&lt;', '&nope;',
  ';', '#', 'text', ' ', '\n', '\r\n', '\t', 'é', '\u0000', '\uFFFE', '<!DOCTYPE', '<!doctype a>', '<!ENTITY', 'xmlns:', 'p:', ':', '-', '[', ']',
];

const hostileXml = fc.array(fc.constantFrom(...XML_TOKENS), { maxLength: 120 }).map((t) => t.join(''));

/** Well-formed XML: elements with attributes, text, references, comments, CDATA and processing instructions. */
const wellFormed = fc.letrec<{ tree: string; content: string }>((tie) => ({
  tree: fc
    .record({
      name: fc.constantFrom('a', 'b', 'p:c', 'order', 'x-y'),
      attrs: fc.uniqueArray(fc.constantFrom('id', 'n', 'q:k', 'v', 'w', 'z', 'xmlns:r'), { maxLength: 6 }),
      children: fc.array(tie('content'), { maxLength: 4 }),
    })
    .map(({ name, attrs, children }) => {
      const ns = name.startsWith('p:') ? ' xmlns:p="urn:p"' : '';
      const q = attrs.some((a) => a.startsWith('q:')) ? ' xmlns:q="urn:q"' : '';
      const a = attrs.map((k) => ` ${k}="${k === 'xmlns:r' ? 'urn:r' : 'v&amp;1'}"`).join('');
      const inner = children.join('');
      return inner === '' ? `<${name}${ns}${q}${a}/>` : `<${name}${ns}${q}${a}>${inner}</${name}>`;
    }),
  content: fc.oneof(
    { maxDepth: 6, depthIdentifier: 'xml', withCrossShrink: true },
    fc.constantFrom('t', 'x &amp; y', '&#65;', ' ', '<!--c-->', '<![CDATA[<&>]]>', '<?p d?>', '&lt;b&gt;'),
    tie('tree'),
  ),
})).tree;

describe('message budget properties', function () {
  this.timeout(120_000);

  describe('XML reader (budget scan + @xmldom/xmldom)', () => {
    it('hostile input ends in a tree or a coded error, and a tree it builds is within every budget', () => {
      fc.assert(
        fc.property(hostileXml, fc.constantFrom('application/xml', 'text/xml'), (text, ct) => {
          const p = payload(text, ct);
          const code = readXml(p);
          if (code !== undefined) {
            assert.ok(XML_CODES.has(code), code);
            return;
          }
          if (ct === 'text/xml' && p.kind !== 'xml') return; // an envelope: the budgets covered all of it
          const c = bodyCounts(p);
          assert.ok(c.elements <= SMALL.maxXmlElements, `elements ${c.elements}`);
          assert.ok(c.nodes <= SMALL.maxXmlNodes, `nodes ${c.nodes}`);
          assert.ok(c.depth <= SMALL.maxXmlDepth, `depth ${c.depth}`);
          assert.ok(c.maxAttributes <= SMALL.maxXmlAttributesPerElement, `attributes ${c.maxAttributes}`);
        }),
        { numRuns: 3000 },
      );
    });

    it('hostile bytes in any declared charset end in a tree or a coded error', () => {
      const bytes = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.concat([Buffer.from('<r>'), Buffer.from(b), Buffer.from('</r>')]));
      const ct = fc.constantFrom('application/xml', 'application/xml; charset=ISO-8859-1', 'application/xml; charset=utf-16', 'application/xml; charset=shift_jis', 'text/xml; charset=x-nonsense', 'application/xml; charset=us-ascii');
      fc.assert(
        fc.property(bytes, ct, (b, type) => {
          const code = readXml(payload(b, type));
          if (code !== undefined) assert.ok(XML_CODES.has(code) || code === 'MI_REQ_006', code);
        }),
        { numRuns: 2000 },
      );
    });

    it('counts exactly on well-formed XML: the counted limits pass, one less is refused with its code', () => {
      fc.assert(
        fc.property(fc.array(wellFormed, { minLength: 1, maxLength: 3 }), (roots) => {
          const text = roots.join('');
          const big = { maxXmlDepth: 1000, maxXmlElements: 1e6, maxXmlAttributesPerElement: 1e6, maxXmlNodes: 1e6 };
          const p = payload(text, 'application/xml', big);
          assert.equal(readXml(p), undefined);
          const tree = bodyCounts(p);
          const scan = checkXmlText(text, { maxDepth: 1000, maxElements: 1e6, maxAttributesPerElement: 1e6, maxNodes: 1e6 });
          assert.equal(scan.elements, tree.elements);
          assert.equal(scan.maxDepth, tree.depth);
          // the scan counts every reference and text run the parser handles; the tree has them merged
          assert.ok(scan.nodes >= tree.nodes);
          const exact = { maxXmlDepth: tree.depth, maxXmlElements: tree.elements, maxXmlAttributesPerElement: Math.max(1, tree.maxAttributes), maxXmlNodes: scan.nodes };
          assert.equal(readXml(payload(text, 'application/xml', exact)), undefined);
          assert.equal(readXml(payload(text, 'application/xml', { ...exact, maxXmlElements: tree.elements - 1 })), 'MI_LIM_001');
          assert.equal(readXml(payload(text, 'application/xml', { ...exact, maxXmlNodes: scan.nodes - 1 })), 'MI_LIM_003');
          if (tree.depth > 1) assert.equal(readXml(payload(text, 'application/xml', { ...exact, maxXmlDepth: tree.depth - 1 })), 'MI_REQ_004');
          if (tree.maxAttributes > 1) assert.equal(readXml(payload(text, 'application/xml', { ...exact, maxXmlAttributesPerElement: tree.maxAttributes - 1 })), 'MI_LIM_002');
        }),
        { numRuns: 1000 },
      );
    });

    it('takes time linear in the size of hostile input', () => {
      const fragments = fc.sample(fc.array(fc.constantFrom(...XML_TOKENS), { minLength: 1, maxLength: 12 }).map((t) => t.join('')), { numRuns: 40, seed: 7 });
      fragments.push('<a/>', '<a x="1" y="2">t&amp;</a>', '&amp;', '<!--x-->', '<a ' + 'b="&lt;" '.repeat(3), '"', '<', '<a>', '</a>', '&#x41;');
      // every count unbounded but depth: xmldom keeps namespace scopes as prototype chains, so a parse costs
      // depth x elements, and the depth limit (default 100; 1000 here) is what keeps a deep body linear
      const big = { maxXmlDepth: 1000, maxXmlElements: 1e7, maxXmlAttributesPerElement: 1e7, maxXmlNodes: 1e7 };
      for (const f of fragments) {
        const n = Math.max(1, Math.floor(4000 / f.length));
        const at = (k: number): (() => void) => {
          const body = Buffer.from('<r>' + f.repeat(k) + '</r>');
          return () => void readXml(payload(body, 'application/xml', big));
        };
        assertLinear(JSON.stringify(f), cpuMs(at(n)), cpuMs(at(10 * n)));
      }
    });
  });

  describe('JSON pre-scan', () => {
    const JSON_TOKENS = ['[', ']', '{', '}', '"', '\\', '\\"', '"a"', ':', ',', 'true', 'null', '1', '-2.5e3', ' ', '\n', 'é', '\\u0041', '\\\\', '"[{"', '}]', 'x'];
    const hostileJson = fc.array(fc.constantFrom(...JSON_TOKENS), { maxLength: 150 }).map((t) => t.join(''));

    it('hostile input ends in a value or a coded error, and a value it lets through is within the budgets', () => {
      fc.assert(
        fc.property(hostileJson, (text) => {
          const p = payload(text, 'application/json');
          const code = readJson(p);
          if (code !== undefined) {
            assert.ok(JSON_CODES.has(code), code);
            return;
          }
          const v = measure(p.json());
          assert.ok(v.depth <= SMALL.maxJsonDepth && v.values <= SMALL.maxJsonValues, JSON.stringify(v));
        }),
        { numRuns: 4000 },
      );
    });

    it('counts values and depth exactly on every text JSON.parse accepts', () => {
      const anyJson = fc.jsonValue({ maxDepth: 8 }).map((v) => JSON.stringify(v, null, fc.sample(fc.constantFrom(0, 1, '\t'), 1)[0]));
      fc.assert(
        fc.property(fc.oneof(anyJson, hostileJson), (text) => {
          let v: unknown;
          try {
            v = JSON.parse(text);
          } catch {
            return;
          }
          const m = measure(v);
          assert.equal(checkJsonText(text, { maxDepth: m.depth, maxValues: m.values }), m.values);
          if (m.depth > 0) assert.throws(() => checkJsonText(text, { maxDepth: m.depth - 1, maxValues: 1e9 }), (e: MiError) => e.code === 'MI_LIM_004');
          assert.throws(() => checkJsonText(text, { maxDepth: 1e9, maxValues: m.values - 1 }), (e: MiError) => e.code === 'MI_LIM_005');
        }),
        { numRuns: 3000 },
      );
    });

    it('takes time linear in the size of hostile input', () => {
      const fragments = fc.sample(fc.array(fc.constantFrom(...JSON_TOKENS), { minLength: 1, maxLength: 12 }).map((t) => t.join('')), { numRuns: 40, seed: 11 });
      fragments.push('"\\\\\\"', '\\', '"', '[', '{"a":', '1,', '"' + '\\\\'.repeat(5));
      for (const f of fragments) {
        const n = Math.max(1, Math.floor(20_000 / f.length));
        const at = (k: number): (() => void) => {
          const text = f.repeat(k);
          return () => {
            try {
              checkJsonText(text, { maxDepth: 1e9, maxValues: 1e9 });
            } catch {
              // only the time counts here
            }
          };
        };
        assertLinear(JSON.stringify(f), cpuMs(at(n)), cpuMs(at(10 * n)));
      }
    });
  });
});

/** Depth and value count of a parsed JSON value, without recursion (containers count, keys do not). */
function measure(v: unknown): { depth: number; values: number } {
  let depth = 0;
  let values = 0;
  const stack: [unknown, number][] = [[v, 0]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    values++;
    if (x !== null && typeof x === 'object') {
      depth = Math.max(depth, d + 1);
      for (const c of Array.isArray(x) ? x : Object.values(x)) stack.push([c, d + 1]);
    }
  }
  return { depth, values };
}
