/**
 * Numbers as Java prints them, for DOUBLE and FLOAT properties (Double.toString, Float.toString): `2.0` for
 * a DOUBLE 2, `1.0E7` from ten million up and below 0.001. A property keeps its Java type in this wrapper so
 * `$ctx:x` and get-property('x') print it as Micro Integrator does; arithmetic and comparisons see the number.
 * LONG properties are BigInts (the full 64-bit range), INTEGER and SHORT plain numbers (JS prints them as Java).
 */
export class JavaFloating {
  constructor(
    readonly type: 'DOUBLE' | 'FLOAT',
    readonly value: number,
  ) {}
  toString(): string {
    return this.type === 'FLOAT' ? javaFloatString(this.value) : javaDoubleString(this.value);
  }
  valueOf(): number {
    return this.value;
  }
  toJSON(): number {
    return this.value;
  }
}

/** Java's Double.toString: the shortest digits that read back as the same double, in Java's layout. */
export function javaDoubleString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const sign = d < 0 ? '-' : '';
  const a = Math.abs(d);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(a); // plain notation in this range, shortest round-trip digits
    return sign + (s.includes('.') ? s : s + '.0');
  }
  const [mantissa, exp] = a.toExponential().split('e') as [string, string];
  return `${sign}${mantissa.includes('.') ? mantissa : mantissa + '.0'}E${exp.replace('+', '')}`;
}

/** Java's Float.toString: the shortest digits that read back as the same float. */
export function javaFloatString(f: number): string {
  const x = Math.fround(f);
  if (!Number.isFinite(x) || x === 0) return javaDoubleString(x);
  for (let p = 1; p <= 9; p++) {
    const shortest = Number(x.toPrecision(p));
    if (Math.fround(shortest) === x) return javaDoubleString(shortest);
  }
  return javaDoubleString(x);
}

/** Text Java's Double.parseDouble / Float.parseFloat accept (decimal forms; surrounding white space allowed). */
const JAVA_FLOATING = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

/** Double.parseDouble (type DOUBLE) or Float.parseFloat (type FLOAT); undefined when Java would refuse it. */
export function parseJavaFloating(text: string, type: 'DOUBLE' | 'FLOAT'): JavaFloating | undefined {
  const t = text.trim();
  if (!JAVA_FLOATING.test(t)) return undefined;
  const n = t.endsWith('NaN') ? NaN : Number(t.replace(/[fFdD]$/, ''));
  return new JavaFloating(type, type === 'FLOAT' ? Math.fround(n) : n);
}

/** A number-like property value (number, BigInt, JavaFloating) as a JS number, else undefined. */
export function numericValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || v instanceof JavaFloating) return Number(v);
  return undefined;
}
