import assert from 'node:assert/strict';
import { requestUuid } from '../../src/context/request-uuid.js';

// The correlation id of a request without an `activityid` header: clients and log tooling parse it as a UUID.
describe('request correlation UUIDs', () => {
  const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  it('are version 4 UUIDs in lower-case text, none repeated across many refills of the random pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const id = requestUuid();
      assert.match(id, V4);
      seen.add(id);
    }
    assert.equal(seen.size, 20_000);
  });

  it('use every hex digit in every random position (no byte stuck by the pool or the text buffer)', () => {
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 4_000; i++) {
      const id = requestUuid();
      for (let j = 0; j < 36; j++) digits[j]!.add(id[j]!);
    }
    for (let j = 0; j < 36; j++) {
      if ([8, 13, 18, 23].includes(j)) assert.deepEqual([...digits[j]!], ['-']);
      else if (j === 14) assert.deepEqual([...digits[j]!], ['4']);
      else if (j === 19) assert.equal(digits[j]!.size, 4, `position ${j}: the variant digit is one of 8, 9, a, b`);
      else assert.equal(digits[j]!.size, 16, `position ${j} takes all 16 hex digits`);
    }
  });
});
