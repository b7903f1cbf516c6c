/**
 * The run-time half of the streaming path matcher: one forward pass of the shared XML tokenizer over the
 * message bytes, tracking which steps of the plan each open element matches, collecting the Synapse
 * string value of the selection, and stopping as soon as no open element can add to it. Whatever it
 * cannot reproduce with certainty makes match() return undefined, and the DOM engine decides.
 */
import { isUtf8 } from 'node:buffer';
import { Ch, hasDoctype } from '../xml/bytes.js';
import { poxContentStart } from '../xml/pox-start.js';
import { KnownUris } from '../xml/namespace-scope.js';
import { Token, XmlTokenizer } from '../xml/tokenizer.js';
import { Final, MAX_STEPS, PlanNs, type Plan } from './stream-path-plan.js';

/** Elements nested deeper than this make the matcher fall back (the DOM route enforces the configured limit). */
const MAX_DEPTH = 100;
const MAX_FRAMES = MAX_DEPTH + 3; // document + virtual Envelope and Body of a wrapped POX body

const COLLECT_NONE = -1;
const COLLECT_PUSH = -2;

const EMPTY = Buffer.alloc(0);
const VIRTUAL_NAMES = Buffer.from('EnvelopeBody');
const PREFIX_SOAPENV = Buffer.from('soapenv');
const ENVELOPE = Buffer.from('Envelope');

/** Thrown inside a match for anything the DOM engine must decide. */
const FALLBACK = new (class Fallback {})();

/** xmldom's reading of references; names beyond ASCII are left to the DOM (its Unicode name rules). */
const TOKENIZER = new XmlTokenizer({ xmldomReferences: true, asciiNames: true });

// per-frame state (frame 0 is the Document); matching is synchronous, so all matchers share the scratch
const SCRATCH = {
  fMatched: new Int32Array(MAX_FRAMES + 1),
  fSub: new Int32Array(MAX_FRAMES + 1),
  fCollect: new Int32Array(MAX_FRAMES + 1),
  fHasChild: new Uint8Array(MAX_FRAMES + 1),
  fLive: new Uint8Array(MAX_FRAMES + 1),
  fNoMore: new Uint8Array(MAX_FRAMES + 1),
  counts: new Int32Array((MAX_FRAMES + 1) * (MAX_STEPS + 1)),
};

export class StreamMatcher {
  // plan
  private readonly n: number;
  private readonly S: number;
  private readonly stepLocal: (Buffer | null)[];
  private readonly stepNs: Int32Array;
  private readonly stepPos: Int32Array;
  private readonly childPrev: number;
  private readonly descPrev: number;
  private readonly posSteps: number;
  private readonly nbit: number;
  private readonly final: number;
  private readonly finalDesc: boolean;
  private readonly attrLocal: Buffer | null;
  private readonly attrNs: number;
  private readonly known: KnownUris;
  private readonly requireBody: boolean;

  private readonly tok = TOKENIZER;
  private readonly fMatched = SCRATCH.fMatched;
  private readonly fSub = SCRATCH.fSub;
  private readonly fCollect = SCRATCH.fCollect;
  private readonly fHasChild = SCRATCH.fHasChild;
  private readonly fLive = SCRATCH.fLive;
  private readonly fNoMore = SCRATCH.fNoMore;
  private readonly counts = SCRATCH.counts;

  // run state
  private raw: Buffer = EMPTY;
  private wrapped = false;
  private d = 0;
  private liveCount = 0;
  private rootSeen = false;
  private stopped = false;
  private parts: string[] = [];

  constructor(plan: Plan) {
    const n = plan.steps.length - 1;
    this.n = n;
    this.S = n + 1;
    this.stepLocal = plan.steps.map((s) => s.local);
    this.stepNs = Int32Array.from(plan.steps.map((s) => s.ns));
    this.stepPos = Int32Array.from(plan.steps.map((s) => s.pos));
    let childPrev = 0;
    let descPrev = 0;
    let posSteps = 0;
    for (let k = 1; k <= n; k++) {
      const s = plan.steps[k]!;
      if (s.desc) descPrev |= 1 << (k - 1);
      else childPrev |= 1 << (k - 1);
      if (s.pos) posSteps |= 1 << k;
    }
    this.childPrev = childPrev;
    this.descPrev = descPrev;
    this.posSteps = posSteps;
    this.nbit = 1 << n;
    this.final = plan.final;
    this.finalDesc = plan.finalDesc;
    this.attrLocal = plan.attr ? plan.attr.local : null;
    this.attrNs = plan.attr ? plan.attr.ns : PlanNs.NONE;
    this.known = new KnownUris(plan.uris.slice(2));
    this.requireBody = plan.requireBody;
  }

  match(raw: Buffer, wrapped: boolean): string | undefined {
    try {
      return this.run(raw, wrapped);
    } catch {
      // FALLBACK, a tokenizer error, or anything unforeseen: the DOM engine decides
      return undefined;
    } finally {
      this.raw = EMPTY; // keep no message alive
      this.parts = [];
      this.tok.finish();
    }
  }

  private run(raw: Buffer, wrapped: boolean): string | undefined {
    const len = raw.length;
    if (len === 0 || hasDoctype(raw) || !isUtf8(raw)) return undefined;
    this.raw = raw;
    this.wrapped = wrapped;
    this.rootSeen = false;
    this.stopped = false;
    this.parts = [];
    this.liveCount = 0;

    // the Document
    this.d = 0;
    this.fMatched[0] = 1;
    this.fSub[0] = 1;
    this.fCollect[0] = COLLECT_NONE;
    this.fHasChild[0] = 0;
    this.fNoMore[0] = 0;
    for (let k = 0; k < this.S; k++) this.counts[k] = 0;
    this.fLive[0] = this.computeLive(0) ? 1 : 0;
    this.liveCount = this.fLive[0]!;

    const tok = this.tok;
    let i = 0;
    if (wrapped) {
      i = poxContentStart(raw);
      if (i < 0) return undefined;
      tok.begin(raw, i, this.known, MAX_DEPTH, false);
      tok.bindPrefix(PREFIX_SOAPENV, PlanNs.SOAP11);
      this.openElement(VIRTUAL_NAMES, 0, 8, PlanNs.SOAP11, 0);
      this.openElement(VIRTUAL_NAMES, 8, 12, PlanNs.SOAP11, 0);
      this.rootSeen = true;
    } else {
      tok.begin(raw, 0, this.known, MAX_DEPTH, true);
    }

    while (!this.stopped) {
      // text matters only where it is collected, and outside the root (where it must be white space)
      const d = this.d;
      const t = tok.next(d > 0 && this.fCollect[d] === COLLECT_NONE);
      if (t === Token.START) {
        this.startTag();
        if (!tok.selfClosing) {
          if (this.fLive[this.d] !== 0 || this.stopped || (this.d === 1 && this.requireBody)) continue;
          this.skipElement(); // up to its end tag
        }
      } else if (t !== Token.END) {
        if (t === Token.TEXT) this.text();
        else if (t === Token.EOF) break;
        else this.otherToken(t);
        continue;
      }
      // an end tag, or the end of a self-closing element
      this.closeElement();
      if (this.liveCount === 0 && this.d > 0) this.stopped = true;
    }

    if (!this.stopped) {
      // the tokenizer saw every element closed
      if (wrapped) {
        this.closeElement();
        this.closeElement();
      } else if (!this.rootSeen) {
        return undefined;
      }
    }
    const parts = this.parts;
    return parts.length === 1 ? parts[0]! : parts.join('');
  }

  /** Whether frame d can still add to the result (then the pass cannot stop). */
  private computeLive(d: number): boolean {
    if (this.fCollect[d] !== COLLECT_NONE) return true;
    if (this.final === Final.ATTR && this.finalDesc && (this.fSub[d]! & this.nbit) !== 0) return true;
    if (this.fNoMore[d]) return false;
    // a descendant step stays possible below any future child, whatever the positions of this frame's children
    if ((this.fSub[d]! & this.descPrev) !== 0) return true;
    let en = (this.fMatched[d]! & this.childPrev) << 1;
    let p = en & this.posSteps;
    if (p !== 0) {
      const base = d * this.S;
      for (let k = 1; p !== 0; k++) {
        const bit = 1 << k;
        if ((p & bit) !== 0) {
          p &= ~bit;
          if (this.counts[base + k]! >= this.stepPos[k]!) en &= ~bit;
        }
      }
    }
    return en !== 0;
  }

  // --- tokens -------------------------------------------------------------------------------------------

  private text(): void {
    const d = this.d;
    const tok = this.tok;
    if (d === 0) {
      // outside the root element only white space (xmldom keeps it as Document text, which no path reaches)
      if (!tok.isBlank()) throw FALLBACK;
      return;
    }
    this.fHasChild[d] = 1;
    const col = this.fCollect[d]!;
    if (col === COLLECT_NONE) return; // the tokenizer still checks its references
    const t = tok.text();
    if (col === COLLECT_PUSH) this.parts.push(t);
    else this.parts[col] += t;
  }

  /**
   * Reads the rest of the element just opened, which nothing can match below (its frame is not live):
   * the tokenizer still checks every byte, but no frame is kept; stops after its end tag.
   */
  private skipElement(): void {
    const tok = this.tok;
    const depth = tok.depth;
    for (;;) {
      const t = tok.next(true);
      if (t === Token.END) {
        if (tok.depth === depth) return;
      } else if (t === Token.PI) this.pi();
    }
  }

  /** CDATA, comments and processing instructions. */
  private otherToken(t: Token): void {
    if (t === Token.CDATA) this.cdata();
    else if (t === Token.PI) this.pi();
    else if (this.d > 0) this.fHasChild[this.d] = 1; // a comment
  }

  private cdata(): void {
    const d = this.d;
    if (d === 0) throw FALLBACK; // CDATA outside of element
    this.fHasChild[d] = 1;
    const col = this.fCollect[d]!;
    if (col === COLLECT_NONE) return;
    const t = this.tok.text();
    if (col === COLLECT_PUSH) this.parts.push(t);
    else this.parts[col] += t;
  }

  private pi(): void {
    const raw = this.raw;
    const tok = this.tok;
    // checkXmlText() counts a '<' inside a PI as a start tag: its depth guard would differ from ours
    for (let k = tok.textStart, e = tok.textEnd; k < e; k++) if (raw[k] === Ch.LT) throw FALLBACK;
    if (this.d > 0) this.fHasChild[this.d] = 1;
  }

  private startTag(): void {
    const tok = this.tok;
    const ls = tok.colon < 0 ? tok.nameStart : tok.colon + 1;
    if (this.d === 0) this.root(ls);
    this.openElement(this.raw, ls, tok.nameEnd, tok.ns, tok.attrCount);
    if (this.liveCount === 0 && this.d > 0) this.stopped = true;
  }

  /** The root element: one only, and a SOAP Envelope. */
  private root(ls: number): void {
    const tok = this.tok;
    if (this.rootSeen) throw FALLBACK; // a second root element
    if (!this.nameIs(ENVELOPE, ls, tok.nameEnd) || (tok.ns !== PlanNs.SOAP11 && tok.ns !== PlanNs.SOAP12)) throw FALLBACK;
    this.rootSeen = true;
  }

  private nameIs(name: Buffer, s: number, e: number): boolean {
    if (e - s !== name.length) return false;
    const raw = this.raw;
    for (let k = 0; k < name.length; k++) if (raw[s + k] !== name[k]) return false;
    return true;
  }

  private openElement(buf: Buffer, ls: number, le: number, ens: number, na: number): void {
    const P = this.d;
    const nd = P + 1;
    this.fHasChild[P] = 1;
    const S = this.S;
    let matched = 0;
    let counted = false; // a positional count of P moved: P may have run out of steps to match
    const en = ((this.fMatched[P]! & this.childPrev) | (this.fSub[P]! & this.descPrev)) << 1;
    if (en !== 0) {
      for (let k = 1; k <= this.n; k++) {
        if ((en & (1 << k)) === 0) continue;
        const tns = this.stepNs[k]!;
        if (tns !== PlanNs.ANY && tns !== ens) continue;
        const loc = this.stepLocal[k];
        if (loc) {
          const L = loc.length;
          if (le - ls !== L) continue;
          let j = 0;
          while (j < L && loc[j] === buf[ls + j]) j++;
          if (j !== L) continue;
        }
        const pos = this.stepPos[k]!;
        if (pos !== 0) {
          const ci = P * S + k;
          const c = this.counts[ci]! + 1;
          this.counts[ci] = c;
          counted = true;
          if (c !== pos) continue;
        }
        matched |= 1 << k;
      }
    }
    const sub = this.fSub[P]! | matched;
    this.fMatched[nd] = matched;
    this.fSub[nd] = sub;
    this.fHasChild[nd] = 0;
    this.fNoMore[nd] = 0;
    if (this.posSteps !== 0) for (let k = nd * S, e = k + S; k < e; k++) this.counts[k] = 0;
    const nbit = this.nbit;
    let collect = COLLECT_NONE;
    if (this.final === Final.ELEMENT) {
      if ((matched & nbit) !== 0) {
        collect = this.parts.length;
        this.parts.push('');
      }
    } else if (((this.finalDesc ? sub : matched) & nbit) !== 0) {
      if (this.final === Final.TEXT) collect = COLLECT_PUSH;
      else this.collectAttribute(na);
    }
    this.fCollect[nd] = collect;
    // the Document has one element child; so has the Envelope wrapped around a POX body
    if (P === 0 || (this.wrapped && P === 1)) {
      this.fNoMore[P] = 1;
      counted = true;
    }
    if (counted && this.fLive[P] && !this.computeLive(P)) {
      this.fLive[P] = 0;
      this.liveCount--;
    }
    this.d = nd;
    if (this.computeLive(nd)) {
      this.fLive[nd] = 1;
      this.liveCount++;
    } else this.fLive[nd] = 0;
  }

  /** The value of the attribute the plan selects on the element just opened, if it has it. */
  private collectAttribute(na: number): void {
    const tok = this.tok;
    const loc = this.attrLocal!;
    const tns = this.attrNs;
    for (let a = 0; a < na; a++) {
      if (tok.attrNs[a] !== tns) continue;
      const ac = tok.attrColon[a]!;
      if (this.nameIs(loc, ac < 0 ? tok.attrNameStart[a]! : ac + 1, tok.attrNameEnd[a]!)) {
        this.parts.push(tok.attrValue(a));
        return;
      }
    }
  }

  private closeElement(): void {
    const d = this.d;
    if (this.fCollect[d]! >= 0 || d === 1) this.checkClose(d);
    if (this.fLive[d]) this.liveCount--;
    this.d = d - 1;
  }

  /** What the DOM route would do differently when frame d closes. */
  private checkClose(d: number): void {
    const col = this.fCollect[d]!;
    if (col >= 0 && this.fHasChild[d] && this.parts[col]!.trim() === '') throw FALLBACK; // Synapse serializes it
    if (d === 1 && this.requireBody && this.counts[this.S + 2] === 0) throw FALLBACK; // $body: no Body, an error
  }

}
