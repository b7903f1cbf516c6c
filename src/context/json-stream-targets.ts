/**
 * The three targets of Synapse's StAXON copy that turn element events into JSON text, as Micro Integrator
 * writes it (JsonXMLStreamWriter -> AutoPrimitiveTarget -> AutoArrayTarget -> JsonStreamTargetImpl): each a
 * small class so it can be checked against its Java original. xml-to-json.ts drives them.
 */
import { Errors, MiError } from '../errors.js';

/** A number written as its text (AutoPrimitiveTarget's BigDecimal). */
export class Raw {
  constructor(readonly text: string) {}
}
export type Value = string | boolean | null | Raw;

export interface Target {
  name(n: string): void;
  value(v: Value): void;
  startObject(): void;
  endObject(): void;
  startArray(): void;
  endArray(): void;
}

export function cannot(why: string): never {
  throw new MiError(Errors.JSON_NOT_WRITABLE, `the XML payload cannot be written as JSON: ${why}`);
}

// ---- JsonStreamTargetImpl: writes the text; the wrapper names are unwrapped when they open an object ----

const SKIPPED = new Set(['jsonObject', 'jsonArray', 'jsonElement']);
const EMPTY_NAME = 'jsonEmpty';
const EMPTY_VALUE = '_JsonScanner_EMPTY_OBJECT';

export class TextTarget implements Target {
  out = '';
  private readonly namePos: number[] = [0];
  private readonly arrayPos: number[] = [0];
  private depth = 0;
  private objectJustOpened = false;
  private readonly pendingBraces: string[] = [];
  private readonly skipClose: boolean[] = [];

  name(n: string): void {
    if (n === EMPTY_NAME) {
      this.out += this.pendingBraces.pop() ?? '';
      this.skipClose.push(false);
      this.objectJustOpened = false;
      return;
    }
    if (this.objectJustOpened) {
      this.objectJustOpened = false;
      if (SKIPPED.has(n)) {
        this.pendingBraces.pop();
        this.skipClose.push(true);
        return;
      }
      this.skipClose.push(false);
      this.out += this.pendingBraces.pop() ?? '';
    }
    const d = this.depth;
    if ((this.namePos[d] ?? 0) > 1) this.out += ',';
    this.namePos[d] = (this.namePos[d] ?? 0) + 1;
    this.out += '"' + n + '":';
  }

  private arrayComma(): void {
    const p = this.arrayPos[this.depth] ?? 0;
    if (p > 0) {
      if (p > 1) this.out += ',';
      this.arrayPos[this.depth] = p + 1;
    }
  }

  value(v: Value): void {
    this.objectJustOpened = false;
    this.arrayComma();
    if (v === null) this.out += 'null';
    else if (typeof v === 'string') {
      if (v !== EMPTY_VALUE) this.out += '"' + encode(v) + '"';
    } else if (typeof v === 'boolean') this.out += v ? 'true' : 'false';
    else this.out += v.text;
  }

  startObject(): void {
    this.arrayComma();
    this.pendingBraces.push('{');
    this.objectJustOpened = true;
    this.depth++;
    this.namePos[this.depth] = 1;
  }

  endObject(): void {
    this.objectJustOpened = false;
    this.namePos[this.depth] = 0;
    this.depth--;
    if (this.skipClose.pop()) return;
    this.out += '}';
  }

  startArray(): void {
    this.objectJustOpened = false;
    if ((this.arrayPos[this.depth] ?? 0) > 0) cannot('nested arrays are not supported');
    this.out += '[';
    this.arrayPos[this.depth] = 1;
  }

  endArray(): void {
    this.objectJustOpened = false;
    this.arrayPos[this.depth] = 0;
    this.out += ']';
  }
}

/** JsonStreamTargetImpl.encode: quote, backslash and control characters; nothing else (not '/', not non-ASCII). */
function encode(s: string): string {
  let i = 0;
  const n = s.length;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92) break;
  }
  if (i === n) return s;
  let out = s.slice(0, i);
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) out += '\\"';
    else if (c === 92) out += '\\\\';
    else if (c === 8) out += '\\b';
    else if (c === 12) out += '\\f';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 32) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else out += s[i];
  }
  return out;
}

// ---- AutoArrayTarget: buffers the document and turns adjacent equal names into one array ----

const enum Ev {
  StartObject,
  EndObject,
  EndArray,
  Name,
  Value,
}
interface Field {
  name: string;
  array: boolean;
}
type Event = { k: Ev.StartObject | Ev.EndObject | Ev.EndArray } | { k: Ev.Name; f: Field } | { k: Ev.Value; v: Value };
const START_OBJECT: Event = { k: Ev.StartObject };
const END_OBJECT: Event = { k: Ev.EndObject };
const END_ARRAY: Event = { k: Ev.EndArray };

export class AutoArray implements Target {
  private readonly events: Event[] = [];
  private readonly fields: Field[] = [];
  constructor(private readonly next: TextTarget) {}

  private last(): Event | undefined {
    return this.events[this.events.length - 1];
  }
  private pushField(name: string): void {
    const f = { name, array: false };
    this.fields.push(f);
    this.events.push({ k: Ev.Name, f });
  }
  private popField(): void {
    if (this.fields.pop()?.array) this.events.push(END_ARRAY);
  }
  name(n: string): void {
    if (this.last()?.k === Ev.StartObject) this.pushField(n);
    else {
      const top = this.fields[this.fields.length - 1];
      if (top && top.name === n) top.array = true;
      else {
        this.popField();
        this.pushField(n);
      }
    }
  }
  value(v: Value): void {
    this.events.push({ k: Ev.Value, v });
  }
  startObject(): void {
    this.events.push(START_OBJECT);
  }
  endObject(): void {
    if (this.last()?.k !== Ev.StartObject) this.popField();
    this.events.push(END_OBJECT);
    if (this.fields.length === 0) this.flush();
  }
  startArray(): void {
    const top = this.fields[this.fields.length - 1];
    if (!top || top.array) cannot('an array starts twice for the same name (two xml-multiple instructions)');
    top.array = true;
  }
  endArray(): void {
    // closed when the next name differs or the object ends
  }
  flush(): void {
    const t = this.next;
    for (const e of this.events) {
      switch (e.k) {
        case Ev.StartObject:
          t.startObject();
          break;
        case Ev.EndObject:
          t.endObject();
          break;
        case Ev.EndArray:
          t.endArray();
          break;
        case Ev.Name:
          t.name(e.f.name);
          if (e.f.array) t.startArray();
          break;
        case Ev.Value:
          t.value(e.v);
      }
    }
    this.events.length = 0;
  }
}

// ---- AutoPrimitiveTarget: element text to true/false/null/number; attributes stay strings ----

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

export class AutoPrimitive implements Target {
  private lastName = '';
  constructor(private readonly next: Target) {}
  name(n: string): void {
    this.lastName = n;
    this.next.name(n);
  }
  value(v: Value): void {
    if (typeof v === 'string' && !this.lastName.startsWith('@')) {
      if (v === 'true') v = true;
      else if (v === 'false') v = false;
      else if (v === 'null') v = null;
      else if (NUMBER.test(v)) v = new Raw(bigDecimalString(v));
    }
    this.next.value(v);
  }
  startObject(): void {
    this.next.startObject();
  }
  endObject(): void {
    this.next.endObject();
  }
  startArray(): void {
    this.next.startArray();
  }
  endArray(): void {
    this.next.endArray();
  }
}

/** Java's `new BigDecimal(t).toString()` for a JSON number text: scale kept, E-notation when Java uses it. */
export function bigDecimalString(t: string): string {
  const m = NUMBER.exec(t);
  if (!m) return t;
  const frac = m[2] ? m[2].slice(1) : '';
  const expText = m[3] ? m[3].slice(1) : '0';
  // an exponent Java cannot hold in an int fails there; here the text is kept
  if (expText.replace(/^[+-]?0*/, '').length > 9) return t;
  const scale = frac.length - Number(expText);
  let coeff = (m[1]! + frac).replace(/^0+/, '');
  if (coeff === '') coeff = '0';
  const neg = t.charCodeAt(0) === 45 && coeff !== '0';
  const sign = neg ? '-' : '';
  if (scale === 0) return sign + coeff;
  const len = coeff.length;
  const adjusted = -scale + (len - 1);
  if (scale > 0 && adjusted >= -6) {
    const pad = scale - len;
    if (pad >= 0) return sign + '0.' + '0'.repeat(pad) + coeff;
    return sign + coeff.slice(0, len - scale) + '.' + coeff.slice(len - scale);
  }
  let s = sign + coeff[0] + (len > 1 ? '.' + coeff.slice(1) : '');
  if (adjusted !== 0) s += 'E' + (adjusted > 0 ? '+' : '') + adjusted;
  return s;
}

