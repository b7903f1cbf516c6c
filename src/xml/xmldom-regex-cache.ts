/**
 * @xmldom/xmldom 0.9 builds a Unicode RegExp from its grammar for every end tag it reads (`g.reg('^',
 * QName_group, S_OPT, '$')` inside the parse loop): compiling it was a quarter of the time of parsing a 1 KB
 * SOAP message. reg() is pure and its arguments are the grammar's own constants, so the compiled
 * expressions are kept here by their source (a handful of entries); each is non-global, so sharing one
 * holds no state between calls.
 */
import { createRequire } from 'node:module';

type Reg = (this: unknown, ...parts: (RegExp | string)[]) => RegExp;

const grammar = createRequire(import.meta.url)('@xmldom/xmldom/lib/grammar.js') as { reg: Reg };
const compile = grammar.reg;
/** A trie over the arguments by identity (the grammar's RegExp objects and short strings): no key is built. */
interface Node {
  next: Map<RegExp | string, Node>;
  re?: RegExp;
}
const root: Node = { next: new Map() };
let entries = 0;

grammar.reg = function cachedReg(this: unknown, ...parts: (RegExp | string)[]): RegExp {
  let n: Node | undefined = root;
  for (let i = 0; i < parts.length && n !== undefined; i++) {
    let c: Node | undefined = n.next.get(parts[i]!);
    // only the grammar's few constant shapes are expected: past 256 nothing new is kept
    if (c === undefined && entries < 256) n.next.set(parts[i]!, (c = { next: new Map() }));
    n = c;
  }
  if (n?.re !== undefined) return n.re;
  const re = compile.apply(this, parts);
  if (n !== undefined && !re.global && !re.sticky) {
    n.re = re;
    entries++;
  }
  return re;
};
