/** Property type conversion as Synapse's PropertyMediator does it (STRING, INTEGER, BOOLEAN, ..., OM, JSON). */
import { parseJavaFloating } from '../context/java-number.js';
import { parseXml } from '../xml/dom.js';
import { parseJson, stringifyJson } from '../json/json-number.js';

export const PROPERTY_TYPES = ['STRING', 'INTEGER', 'BOOLEAN', 'DOUBLE', 'FLOAT', 'LONG', 'SHORT', 'OM', 'JSON'] as const;
export type PropertyType = (typeof PROPERTY_TYPES)[number];

export class PropertyTypeError extends Error {}

function integer(v: string, min: number, max: number, fromExpression: boolean): number {
  const t = v.trim();
  let n: number;
  if (fromExpression && t.includes('.')) n = Math.trunc(Number(t));
  else n = /^[-+]?\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n) || n < min || n > max) throw new PropertyTypeError(`'${v}' is not a valid integer`);
  return n;
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** A LONG as a BigInt: the whole 64-bit range, which a JS number cannot hold exactly. */
function long(v: string, fromExpression: boolean): bigint {
  const t = v.trim();
  let n: bigint;
  if (/^[-+]?\d+$/.test(t)) n = BigInt(t);
  else if (fromExpression && t.includes('.') && Number.isFinite(Number(t))) n = BigInt(Math.trunc(Number(t)));
  else throw new PropertyTypeError(`'${v}' is not a valid long`);
  if (n < LONG_MIN || n > LONG_MAX) throw new PropertyTypeError(`'${v}' is out of the range of a long`);
  return n;
}

export function convertProperty(value: string, type: PropertyType, fromExpression: boolean): unknown {
  switch (type) {
    case 'STRING':
      return value;
    case 'BOOLEAN': {
      const t = value.trim().toLowerCase();
      return t === 'true' || t === '1' || t === 'yes';
    }
    case 'INTEGER':
      return integer(value, -2147483648, 2147483647, fromExpression);
    case 'SHORT':
      return integer(value, -32768, 32767, fromExpression);
    case 'LONG':
      return long(value, fromExpression);
    case 'DOUBLE':
    case 'FLOAT': {
      // kept as a Java double/float so it prints as Java does (2.0, 1.0E7)
      const n = parseJavaFloating(value, type);
      if (!n) throw new PropertyTypeError(`'${value}' is not a valid ${type === 'FLOAT' ? 'float' : 'double'}`);
      return n;
    }
    case 'OM':
      try {
        return parseXml(value).documentElement;
      } catch (err) {
        throw new PropertyTypeError(`value is not well-formed XML: ${(err as Error).message}`);
      }
    case 'JSON':
      try {
        // Synapse keeps a JSON element, printed as JSON: a string stays quoted ("Hello"), objects print as JSON
        const v: unknown = parseJson(value);
        return typeof v === 'string' ? stringifyJson(v) : v;
      } catch (err) {
        throw new PropertyTypeError(`value is not valid JSON: ${(err as Error).message}`);
      }
  }
}
