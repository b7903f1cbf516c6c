import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors } from '../src/errors.js';

/** The error table of the documentation: one row per code. */
const TABLE = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/error-codes.md'), 'utf8');
const documented = [...TABLE.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);

describe('error catalogue', () => {
  it('has unique codes', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
  });
  it('documents every code in docs/error-codes.md, once, and no code that does not exist', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    assert.deepEqual(codes.filter((c) => !documented.includes(c)), [], 'codes without a row');
    assert.deepEqual(documented.filter((c) => !codes.includes(c)), [], 'rows for no code');
    assert.deepEqual(documented.filter((c, i) => documented.indexOf(c) !== i), [], 'codes with two rows');
  });
  it('gives every code a hint that says what to fix', () => {
    for (const e of Object.values(Errors)) assert.ok(e.hint.length > 15, e.code);
  });
});
