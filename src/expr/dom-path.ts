/**
 * The elements a simple location path selects in a message DOM, for the mediators that take nodes from an
 * expression (iterate, aggregate, foreach, enrich, clone). It covers the streaming matcher's subset
 * (stream-path-plan.ts), ending at an element, with no Synapse variable. The `xpath` package evaluates
 * `//m:buyStocks/order` over a 1 KB envelope in tens of microseconds. This walk visits each element once,
 * in document order, tracking which steps each one matches as the streaming matcher does over tokens. It
 * skips subtrees where nothing can match. A property test holds it to the `xpath` package's node sets.
 */
import { Final, planOf, PlanNs, type Plan } from './stream-path-plan.js';

export interface DomPath {
  /** The selected elements in document order (the XPath engine's node set). */
  select(doc: Document): Element[];
}

/** The walker for `source`, or undefined when the XPath engine must evaluate it. */
export function compileDomPath(source: string, namespaces: Record<string, string>): DomPath | undefined {
  if (source.includes('$')) return undefined; // variables ($body, $ctx:...) are the engine's
  const plan = planOf(source, namespaces);
  if (!plan || plan.final !== Final.ELEMENT || plan.requireBody) return undefined;
  return new DomWalker(plan);
}

/** A namespace test: any namespace, none, or this URI. */
const ANY_NS = undefined;

class DomWalker implements DomPath {
  private readonly n: number;
  private readonly local: (string | null)[];
  private readonly ns: (string | null | undefined)[];
  private readonly pos: number[];
  private readonly childPrev: number;
  private readonly descPrev: number;
  private readonly nbit: number;

  constructor(plan: Plan) {
    const n = plan.steps.length - 1;
    this.n = n;
    this.local = plan.steps.map((s) => (s.local ? s.local.toString('latin1') : null));
    this.ns = plan.steps.map((s) => (s.ns === PlanNs.ANY ? ANY_NS : s.ns === PlanNs.NONE ? null : plan.uris[s.ns]!));
    this.pos = plan.steps.map((s) => s.pos);
    let childPrev = 0;
    let descPrev = 0;
    for (let k = 1; k <= n; k++) {
      if (plan.steps[k]!.desc) descPrev |= 1 << (k - 1);
      else childPrev |= 1 << (k - 1);
    }
    this.childPrev = childPrev;
    this.descPrev = descPrev;
    this.nbit = 1 << n;
  }

  select(doc: Document): Element[] {
    const out: Element[] = [];
    // bit 0 stands for the document itself
    this.visit(doc, 1, 1, out);
    return out;
  }

  /** The element children of `parent`, whose own matches are `matched` and whose ancestors' and own are `sub`. */
  private visit(parent: Node, matched: number, sub: number, out: Element[]): void {
    const en = ((matched & this.childPrev) | (sub & this.descPrev)) << 1;
    // positions among this parent's children, made when a positional step first matches a name here
    let counts: number[] | undefined;
    for (let c = parent.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      const el = c as Element;
      let m = 0;
      if (en !== 0) {
        for (let k = 1; k <= this.n; k++) {
          if ((en & (1 << k)) === 0 || !this.matches(k, el)) continue;
          const p = this.pos[k]!;
          if (p !== 0 && ++(counts ??= new Array<number>(this.n + 1).fill(0))[k]! !== p) continue;
          m |= 1 << k;
        }
      }
      if ((m & this.nbit) !== 0) out.push(el);
      const s = sub | m;
      // below this element only its own matches continue a child step; descendant steps continue from any ancestor
      if (((m & this.childPrev) | (s & this.descPrev)) !== 0) this.visit(el, m, s, out);
    }
  }

  /** The name test of step k, as the `xpath` package applies it (an unprefixed name is in no namespace). */
  private matches(k: number, el: Element): boolean {
    const local = this.local[k];
    if (local !== null && (el.localName || el.nodeName) !== local) return false;
    const ns = this.ns[k];
    if (ns === ANY_NS) return true;
    return (el.namespaceURI || null) === ns;
  }
}
