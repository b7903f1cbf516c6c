/**
 * A linear pre-scan of JSON text before JSON.parse: nesting depth (deep values overflow the stack of every
 * recursive walk after the parse: conversion to XML, JSONPath, serialization) and the number of values
 * (V8 spends about half a microsecond and a hundred bytes on each, more on object keys). It validates
 * nothing else: JSON.parse still decides what is well-formed. Strings are skipped with their escapes, so
 * brackets inside them do not count; object keys are strings followed by ':' and are not values.
 */
import { Errors, MiError } from '../errors.js';
import { numberTextIsInexact } from './json-number.js';

export interface JsonBudget {
  maxDepth: number;
  maxValues: number;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;

/** Throws MiError (400/413) when the text nests deeper or holds more values than allowed; returns the value count. */
export function checkJsonText(text: string, budget: JsonBudget): number {
  return scanJsonText(text, budget).values;
}

export interface JsonScan {
  values: number;
  /** A number token a JS number would print differently (2^53+, 1.50, 1e5, -0): read it losslessly. */
  inexactNumbers: boolean;
}

/**
 * Whether the number token text[i, j) might print differently as a JS number (long, a fraction or exponent,
 * -0). A plain decimal of at most 15 significant digits, not ending in 0 and not below 1e-6, prints back as
 * written (IEEE doubles keep 15 decimal digits), so the common `12.5` needs no conversion to tell.
 */
function maybeInexact(text: string, i: number, j: number, dot: boolean, exp: boolean): boolean {
  const len = j - i;
  const neg = text.charCodeAt(i) === 45;
  if (!dot && !exp) {
    if (len <= 15 && !(neg && text.charCodeAt(i + 1) === 48)) return false;
  } else if (dot && !exp && len <= 16 && text.charCodeAt(j - 1) !== 48 && !text.startsWith('0.00000', neg ? i + 1 : i)) return false;
  return numberTextIsInexact(text.slice(i, j));
}

/** checkJsonText, also telling whether a number needs the lossless reader (same pass, no extra walk). */
export function scanJsonText(text: string, budget: JsonBudget): JsonScan {
  const { maxDepth, maxValues } = budget;
  const n = text.length;
  let depth = 0;
  let values = 0;
  // a string just ended: it is a value unless the next token is ':'
  let pendingString = false;
  let inexact = false;
  const count = (): void => {
    if (++values > maxValues) {
      throw new MiError(Errors.JSON_TOO_MANY_VALUES, `the JSON message has more than ${maxValues} values; [server] max_json_values`);
    }
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) continue;
    if (pendingString) {
      pendingString = false;
      if (c !== COLON) count();
    }
    switch (c) {
      case QUOTE: {
        // skip to the closing quote; a backslash escapes the next character
        let k = i + 1;
        for (;;) {
          const q = text.indexOf('"', k);
          if (q < 0) return { values, inexactNumbers: inexact }; // unterminated: JSON.parse reports it
          let bs = 0;
          for (let b = q - 1; b > i && text.charCodeAt(b) === BACKSLASH; b--) bs++;
          if (bs % 2 === 0) {
            i = q;
            break;
          }
          k = q + 1;
        }
        pendingString = true;
        break;
      }
      case OPEN_BRACE:
      case OPEN_BRACKET:
        count();
        if (++depth > maxDepth) throw new MiError(Errors.JSON_TOO_DEEP, `JSON nesting is deeper than ${maxDepth} levels; [server] max_json_depth`);
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        depth--;
        break;
      case COMMA:
      case COLON:
        break;
      default: {
        // a number, true, false or null (or garbage JSON.parse will refuse): one value per token, read to its end
        count();
        let j = i + 1;
        let dot = false;
        let exp = false;
        for (; j < n; j++) {
          const d = text.charCodeAt(j);
          if (d <= 32 || d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === COLON || d === QUOTE || d === OPEN_BRACE || d === OPEN_BRACKET) break;
          if (d === 46) dot = true;
          else if (d === 101 || d === 69) exp = true;
        }
        // a short plain integer (the common case) is settled without a call
        if (!inexact && (dot || exp || c === 45 || j - i > 15) && (c === 45 || (c >= 48 && c <= 57))) inexact = maybeInexact(text, i, j, dot, exp);
        i = j - 1;
      }
    }
  }
  if (pendingString) count();
  return { values, inexactNumbers: inexact };
}
