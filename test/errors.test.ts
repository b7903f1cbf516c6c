import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors } from '../src/errors.js';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

describe('error catalogue', () => {
  it('has unique codes', () => {
    const codes = Object.values(Errors).map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
  });
  it('documents every code in the README', () => {
    const missing = Object.values(Errors)
      .map((e) => e.code)
      .filter((c) => !README.includes(`\`${c}\``));
    assert.deepEqual(missing, []);
  });
  it('gives every code a hint that says what to fix', () => {
    for (const e of Object.values(Errors)) assert.ok(e.hint.length > 15, e.code);
  });
});
