/**
 * Linear-time node sets and a visit budget for the `xpath` package.
 *
 * The package keeps node sets as arrays de-duplicated by a linear search on every add, and sorts them into
 * document order through an AVL tree whose comparisons call @xmldom/xmldom's compareDocumentPosition, which
 * scans the common parent's children. Both are quadratic: `count(//*)` over 100 000 sibling elements took
 * minutes. Here a set de-duplicates with a Set once it grows, and document order is one rank per node from a
 * single walk of the tree, shared by every sort within one evaluation (the tree does not change while an
 * expression evaluates). Results are the same nodes in the same order.
 *
 * The package cannot be interrupted, so each evaluation gets a budget of node visits (axis steps and node-set
 * comparisons): an expression that is quadratic by nature (`//*[preceding::*]`, `//a = //b`) over a large
 * message fails with MI_LIM_006 instead of holding the event loop.
 */
import xpathModule from 'xpath';
import { Errors, MiError } from '../errors.js';

interface NodeSet {
  nodes: Node[];
  size: number;
  tree: unknown;
  /** De-duplication index, made once the set outgrows a linear search. */
  seen?: Set<Node>;
  init(): void;
  add(n: Node): void;
  addArray(ns: Node[]): void;
  toArray(): Node[];
  first(): Node | null;
  compareWithString(r: unknown, o: unknown): unknown;
  compareWithNumber(r: unknown, o: unknown): unknown;
}

interface Step {
  axis: string;
  nodeTest: { matches(n: Node, xpc: unknown): boolean };
  predicates: unknown[];
}

const xp = xpathModule as unknown as {
  XNodeSet: { prototype: NodeSet };
  PathExpr: { applyStep(step: Step, xpc: unknown, node: Node): Node[] };
  FunctionResolver: { prototype: { functions: Record<string, unknown>; addStandardFunctions(this: { functions: Record<string, unknown> }): void } };
  XPathContext: { prototype: { extend(newProps: object): object } };
};

const LINEAR_SEARCH_MAX = 16;

/** Evaluation state: nesting depth, the shared ranks, visits spent and allowed. */
let depth = 0;
let ranks: Map<Node, number> | undefined;
let nextRank = 0;
let spent = 0;
let allowed = Infinity;

/**
 * Runs one XPath evaluation with document-order ranks shared across its sorts and at most `maxSteps` node
 * visits (nested evaluations share the outer budget).
 */
export function withXPathBudget<T>(maxSteps: number, evaluate: () => T): T {
  if (depth++ === 0) {
    ranks = new Map();
    nextRank = 0;
    spent = 0;
    allowed = maxSteps;
  }
  try {
    return evaluate();
  } finally {
    if (--depth === 0) {
      ranks = undefined;
      allowed = Infinity;
    }
  }
}

function spend(n: number): void {
  spent += n;
  if (spent > allowed) {
    throw new MiError(Errors.XPATH_TOO_COSTLY, `the XPath expression visited more than ${allowed} nodes; [server] max_xpath_steps`);
  }
}

function parentOf(n: Node): Node | null {
  return n.nodeType === 2 ? (n as Attr).ownerElement : n.parentNode;
}

/** Ranks every node of the tree holding `n` in document order: element, its attributes, then its children. */
function rankTree(n: Node, into: Map<Node, number>): void {
  let root = n;
  for (let p = parentOf(root); p; p = parentOf(p)) root = p;
  if (into.has(root)) return;
  // iterative walk: message depth is bounded, artifact-built trees need not be
  let node: Node | null = root;
  while (node) {
    into.set(node, nextRank++);
    if (node.nodeType === 1) {
      const attrs = (node as Element).attributes;
      for (let i = 0; i < attrs.length; i++) into.set(attrs[i]!, nextRank++);
    }
    if (node.firstChild) {
      node = node.firstChild;
      continue;
    }
    while (node && node !== root && !node.nextSibling) node = node.parentNode;
    node = node && node !== root ? node.nextSibling : null;
  }
}

function rankOf(n: Node, map: Map<Node, number>): number {
  let r = map.get(n);
  if (r !== undefined) return r;
  // a namespace node of the xpath package: after its element, before the element's attributes
  const ns = n as Node & { isXPathNamespace?: boolean; ownerElement?: Node };
  if (ns.isXPathNamespace && ns.ownerElement) return rankOf(ns.ownerElement, map) + 0.5;
  rankTree(n, map);
  r = map.get(n);
  return r === undefined ? Number.MAX_SAFE_INTEGER : r;
}

/**
 * True when the nodes are children of one parent in sibling order (a child step's result): checked by
 * walking the siblings between neighbours, without ranking the whole tree.
 */
function inSiblingOrder(nodes: readonly Node[]): boolean {
  const first = nodes[0]!;
  const parent = first.parentNode;
  if (!parent || first.nodeType === 2) return false;
  for (let i = 1; i < nodes.length; i++) {
    const b = nodes[i]!;
    if (b.parentNode !== parent || b.nodeType === 2) return false;
    // forwards and backwards in step, so a node set in reverse order is found out as fast as a sorted one
    const a = nodes[i - 1]!;
    let f = a.nextSibling;
    let r = a.previousSibling;
    for (;;) {
      if (f === b) break;
      if (r === b || (!f && !r)) return false;
      if (f) f = f.nextSibling;
      if (r) r = r.previousSibling;
    }
  }
  return true;
}

/** The nodes in document order (a new array); stable for nodes of equal rank. */
export function documentOrder(nodes: readonly Node[]): Node[] {
  const n = nodes.length;
  if (n < 2 || inSiblingOrder(nodes)) return nodes.slice();
  const map = ranks ?? new Map<Node, number>();
  const keys = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    keys[i] = rankOf(nodes[i]!, map);
    if (i > 0 && keys[i]! < keys[i - 1]!) sorted = false;
  }
  if (sorted) return nodes.slice();
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  return order.map((i) => nodes[i]!);
}

function firstInDocumentOrder(nodes: readonly Node[]): Node | null {
  if (nodes.length === 0) return null;
  if (nodes.length === 1 || inSiblingOrder(nodes)) return nodes[0]!;
  const map = ranks ?? new Map<Node, number>();
  let best = nodes[0]!;
  let bestRank = rankOf(best, map);
  for (let i = 1; i < nodes.length; i++) {
    const r = rankOf(nodes[i]!, map);
    if (r < bestRank) {
      best = nodes[i]!;
      bestRank = r;
    }
  }
  return best;
}

// every predicate test and nested path makes a new context with a new function resolver, which copied the 27
// core functions each time (tens of microseconds per node); they now share one table
const resolver = xp.FunctionResolver.prototype;
const coreFunctions: Record<string, unknown> = {};
resolver.addStandardFunctions.call({ functions: coreFunctions });
resolver.addStandardFunctions = function () {
  this.functions = Object.create(coreFunctions) as Record<string, unknown>;
};

// a context copy per predicate test: the copied context's own resolvers replace the new ones anyway
const contextProto = xp.XPathContext.prototype;
contextProto.extend = function (this: object, newProps: object) {
  return Object.assign(Object.create(contextProto) as object, this, newProps);
};

const proto = xp.XNodeSet.prototype;
const originalInit = proto.init;
const originalCompareWithString = proto.compareWithString;
const originalCompareWithNumber = proto.compareWithNumber;
const originalApplyStep = xp.PathExpr.applyStep;

proto.init = function (this: NodeSet) {
  originalInit.call(this);
  this.seen = undefined;
};

proto.add = function (this: NodeSet, n: Node) {
  const seen = this.seen;
  if (seen) {
    if (seen.has(n)) return;
    seen.add(n);
  } else {
    const nodes = this.nodes;
    for (let i = 0; i < nodes.length; i++) if (nodes[i] === n) return;
    if (nodes.length >= LINEAR_SEARCH_MAX) {
      this.seen = new Set(nodes);
      this.seen.add(n);
    }
  }
  this.tree = null;
  this.nodes.push(n);
  this.size += 1;
};

proto.addArray = function (this: NodeSet, ns: Node[]) {
  for (let i = 0; i < ns.length; i++) this.add(ns[i]!);
};

proto.toArray = function (this: NodeSet) {
  return documentOrder(this.nodes);
};

proto.first = function (this: NodeSet) {
  return firstInDocumentOrder(this.nodes);
};

// comparing a node set with a value reads every node; with another node set, every pair
proto.compareWithString = function (this: NodeSet, r: unknown, o: unknown) {
  if (depth > 0) spend(this.nodes.length);
  return originalCompareWithString.call(this, r, o);
};

proto.compareWithNumber = function (this: NodeSet, r: unknown, o: unknown) {
  if (depth > 0) spend(this.nodes.length);
  return originalCompareWithNumber.call(this, r, o);
};

/** Each step sees its node test through a counting wrapper: every node an axis visits is tested once. */
const countingSteps = new WeakMap<Step, Step>();
xp.PathExpr.applyStep = function (step: Step, xpc: unknown, node: Node): Node[] {
  if (depth === 0) return originalApplyStep.call(this, step, xpc, node);
  let counting = countingSteps.get(step);
  if (!counting) {
    const test = step.nodeTest;
    counting = {
      axis: step.axis,
      predicates: step.predicates,
      nodeTest: {
        matches(n: Node, c: unknown): boolean {
          if (++spent > allowed) spend(0);
          return test.matches(n, c);
        },
      },
    };
    countingSteps.set(step, counting);
  }
  spend(1);
  return originalApplyStep.call(this, counting, xpc, node);
};
