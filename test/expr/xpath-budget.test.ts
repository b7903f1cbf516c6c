/**
 * The linear node sets give the same nodes in the same order as the xpath package's own (an unpatched copy
 * loaded beside it), `count(//*)` grows linearly with the message, and a quadratic expression stops at its
 * visit budget.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { withXPathBudget } from '../../src/expr/xpath-budget.js';
import { parseXml } from '../../src/xml/dom.js';
import { MiError } from '../../src/errors.js';

type XPathModule = { parse(src: string): { evaluate(o: unknown): { constructor: { name: string }; nodeset(): { toArray(): Node[]; first(): Node | null }; stringValue(): string } } };

const require = createRequire(import.meta.url);
const patched = require('xpath') as XPathModule; // the same instance src/expr/xpath-budget.ts patched
const id = require.resolve('xpath');
const kept = require.cache[id];
delete require.cache[id];
const original = require('xpath') as XPathModule;
require.cache[id] = kept;
assert.notEqual(original, patched);

const EXPRESSIONS = [
  '//*', '//a', '//b', '//@*', '//text()', '//node()', '//comment()', '//processing-instruction()', '//a | //b', '//b | //a | //@x',
  '//a/following::*', '//b/preceding::*', '//a/ancestor::*', '//b/ancestor-or-self::node()', '//a/following-sibling::*',
  '//b/preceding-sibling::node()', '(//a)[last()]', '(//*)[2]', '//*[position() mod 2 = 0]', '//a[1]', '//a[last()]/b', '//*[@x]/@*',
  '//a/namespace::*', '//*[b][1]', '//b/..', '//a//b', '//*[not(*)]', 'id("x")', '//@x/..', '//a/@*/../b',
];

const doc = fc.letrec<{ node: string; content: string }>((tie) => ({
  node: fc
    .record({ name: fc.constantFrom('a', 'b', 'c', 'p:a'), x: fc.boolean(), y: fc.boolean(), kids: fc.array(tie('content'), { maxLength: 4 }) })
    .map(({ name, x, y, kids }) => `<${name}${name.startsWith('p:') ? ' xmlns:p="urn:p"' : ''}${x ? ' x="1"' : ''}${y ? ' y="2"' : ''}>${kids.join('')}</${name}>`),
  content: fc.oneof({ maxDepth: 5, depthIdentifier: 'doc' }, fc.constantFrom('t', ' ', '<!--c-->', '<?p d?>', '<![CDATA[d]]>'), tie('node')),
})).node;

function run(x: XPathModule, expr: string, root: Node): { nodes: Node[]; first: Node | null; string: string } | string {
  try {
    const r = x.parse(expr).evaluate({ node: root });
    if (r.constructor.name !== 'XNodeSet') return String(r.stringValue());
    const ns = r.nodeset();
    return { nodes: ns.toArray(), first: ns.first(), string: r.stringValue() };
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

describe('XPath node sets in linear time', function () {
  this.timeout(120_000);

  it('select the same nodes in the same document order as the package itself', () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(...EXPRESSIONS), (xml, expr) => {
        const root = parseXml(`<r>${xml}</r>`).documentElement;
        const want = run(original, expr, root);
        const got = withXPathBudget(1e9, () => run(patched, expr, root));
        if (typeof want === 'string' || typeof got === 'string') {
          assert.deepEqual(got, want);
          return;
        }
        // namespace nodes are made afresh per evaluation: compare them by name and owner
        const key = (n: Node): unknown => ((n as unknown as { isXPathNamespace?: boolean }).isXPathNamespace ? `ns:${n.nodeName}@${(n as unknown as { ownerElement: Node }).ownerElement.nodeName}` : n);
        assert.deepEqual(got.nodes.map(key), want.nodes.map(key), expr);
        assert.equal(got.first && key(got.first), want.first && key(want.first), expr);
        assert.equal(got.string, want.string, expr);
      }),
      { numRuns: 3000 },
    );
  });

  it('count(//*) and //a[1] grow linearly with the number of elements', () => {
    const docs = new Map([3000, 30_000].map((n) => [n, parseXml(`<r>${'<a x="1"><b/></a>'.repeat(n)}</r>`).documentElement]));
    const time = (n: number, expr: string): number => {
      const root = docs.get(n)!;
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = process.cpuUsage();
        withXPathBudget(1e9, () => patched.parse(expr).evaluate({ node: root }).stringValue());
        const t = process.cpuUsage(t0);
        best = Math.min(best, (t.user + t.system) / 1000);
      }
      return best;
    };
    for (const expr of ['count(//*)', 'string(//a[1])', 'count(//a | //b)', 'string((//b)[last()])']) {
      const small = time(3000, expr);
      const large = time(30_000, expr);
      // the package's own sets took 100x and more (quadratic); linear is 10x, sorting and garbage collection add some
      assert.ok(large <= 50 * small + 50, `${expr}: ${small.toFixed(1)} ms for 3000, ${large.toFixed(1)} ms for 30 000`);
    }
  });

  it('a quadratic expression stops at the visit budget with MI_LIM_006', () => {
    const root = parseXml(`<r>${'<a/>'.repeat(3000)}</r>`).documentElement;
    const t0 = performance.now();
    assert.throws(
      () => withXPathBudget(100_000, () => patched.parse('count(//*[preceding-sibling::*])').evaluate({ node: root }).stringValue()),
      (e: MiError) => e.code === 'MI_LIM_006',
    );
    assert.throws(
      () => withXPathBudget(100_000, () => patched.parse('count(//a[. = //a])').evaluate({ node: root }).stringValue()),
      (e: MiError) => e.code === 'MI_LIM_006',
    );
    assert.ok(performance.now() - t0 < 5000);
    // within the budget the same kind of question is answered
    assert.equal(withXPathBudget(100_000, () => patched.parse('count(//*[preceding-sibling::*])').evaluate({ node: parseXml(`<r>${'<a/>'.repeat(100)}</r>`).documentElement }).stringValue()), '99');
  });
});
