/** Go's text/tabwriter as Micro Integrator's CLI configures it (min width 20, padding 3, spaces). */
import assert from 'node:assert/strict';
import { goTabwriter } from '../../src/cli/go-tabwriter.js';

describe('goTabwriter', () => {
  it('pads each tab-terminated cell to max(20, widest in its column block + 3); the last cell of a line is not padded', () => {
    const long = 'b'.repeat(26);
    assert.equal(goTabwriter(`a\tb\tc\naa\t${long}\tc\n`), `${'a'.padEnd(20)}${'b'.padEnd(29)}c\n${'aa'.padEnd(20)}${long}   c\n`);
  });

  it('a line without a tab ends the column blocks: the lines after it get widths of their own', () => {
    const long = 'x'.repeat(30);
    assert.equal(goTabwriter(`${long}\t1\nResources :\ny\t2\n`), `${long}   1\nResources :\n${'y'.padEnd(20)}2\n`);
  });

  it('a single column is never padded, and text without a final newline keeps none', () => {
    assert.equal(goTabwriter('USER ID\nadmin\n'), 'USER ID\nadmin\n');
    assert.equal(goTabwriter('a\tb'), `${'a'.padEnd(20)}b`);
  });
});
