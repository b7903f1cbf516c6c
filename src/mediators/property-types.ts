/** Property type conversion as Synapse's PropertyMediator does it (STRING, INTEGER, BOOLEAN, ..., OM, JSON). */
import { parseXml } from '../xml/dom.js';

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
      return integer(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, fromExpression);
    case 'DOUBLE':
    case 'FLOAT': {
      const n = Number(value.trim());
      if (value.trim() === '' || !Number.isFinite(n)) throw new PropertyTypeError(`'${value}' is not a valid number`);
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
        const v: unknown = JSON.parse(value);
        return typeof v === 'string' ? JSON.stringify(v) : v;
      } catch (err) {
        throw new PropertyTypeError(`value is not valid JSON: ${(err as Error).message}`);
      }
  }
}
