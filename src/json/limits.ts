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

/** checkJsonText, also telling whether a number needs the lossless reader (same pass, no extra walk). */
export function scanJsonText(text: string, budget: JsonBudget): JsonScan {
  const { maxDepth, maxValues } = budget;
  const n = text.length;
  let depth = 0;
  let values = 0;
  // a string just ended: it is a value unless the next token is ':'
  let pendingString = false;
  // inside a number or literal token: where it began, and whether it holds '.', 'e' or 'E'
  let inToken = false;
  let tokenStart = 0;
  let tokenOdd = false;
  let inexact = false;
  // a number a JS number might print differently: long, with a fraction or exponent, or -0
  const endToken = (end: number): void => {
    inToken = false;
    if (inexact) return;
    const c0 = text.charCodeAt(tokenStart);
    if (c0 !== 45 && (c0 < 48 || c0 > 57)) return;
    if (tokenOdd || end - tokenStart > 15 || (c0 === 45 && text.charCodeAt(tokenStart + 1) === 48)) {
      inexact = numberTextIsInexact(text.slice(tokenStart, end));
    }
  };
  const count = (): void => {
    if (++values > maxValues) {
      throw new MiError(Errors.JSON_TOO_MANY_VALUES, `the JSON message has more than ${maxValues} values; [server] max_json_values`);
    }
  };
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) {
      if (inToken) endToken(i);
      continue;
    }
    if (pendingString) {
      pendingString = false;
      if (c !== COLON) count();
    }
    switch (c) {
      case QUOTE: {
        if (inToken) endToken(i);
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
        if (inToken) endToken(i);
        count();
        if (++depth > maxDepth) throw new MiError(Errors.JSON_TOO_DEEP, `JSON nesting is deeper than ${maxDepth} levels; [server] max_json_depth`);
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        if (inToken) endToken(i);
        depth--;
        break;
      case COMMA:
      case COLON:
        if (inToken) endToken(i);
        break;
      default:
        // a number, true, false or null (or garbage JSON.parse will refuse): one value per token
        if (!inToken) {
          inToken = true;
          tokenStart = i;
          tokenOdd = false;
          count();
        } else if (c === 46 || c === 101 || c === 69) tokenOdd = true;
    }
  }
  if (inToken) endToken(n);
  if (pendingString) count();
  return { values, inexactNumbers: inexact };
}
