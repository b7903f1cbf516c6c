/** mc.inbound.query: the query string parsed into a read-only map, beside the raw text in queryString. */
import assert from 'node:assert/strict';
import { QueryParameters } from '../../src/context/query-parameters.js';
import { get } from '../helpers/server.js';
import { apiWithHandlers, startWithExtensions, type ExtServer } from '../handlers/helpers.js';

describe('QueryParameters', () => {
  it('maps each name to its first value, keeps every value in getAll, decodes as a form', () => {
    const q = new QueryParameters('a=1&a=2&b&c=x+y%20z&d=%E2%82%AC&bad=%zz');
    assert.equal(q.get('a'), '1');
    assert.deepEqual(q.getAll('a'), ['1', '2']);
    assert.equal(q.get('b'), '');
    assert.equal(q.get('c'), 'x y z');
    assert.equal(q.get('d'), '€');
    assert.equal(q.get('bad'), '%zz');
    assert.equal(q.has('e'), false);
    assert.equal(q.get('e'), undefined);
    assert.deepEqual(q.getAll('e'), []);
    assert.equal(q.size, 5);
    assert.deepEqual([...q.keys()], ['a', 'b', 'c', 'd', 'bad']);
    assert.deepEqual(Object.fromEntries(q), { a: '1', b: '', c: 'x y z', d: '€', bad: '%zz' });
    assert.equal(String(q), 'a=1&a=2&b&c=x+y%20z&d=%E2%82%AC&bad=%zz');
  });

  it('is read-only: no set or delete, and the arrays of getAll are frozen', () => {
    const q = new QueryParameters('a=1&a=2');
    assert.equal((q as unknown as { set?: unknown }).set, undefined);
    assert.equal((q as unknown as { delete?: unknown }).delete, undefined);
    assert.throws(() => (q.getAll('a') as string[]).push('3'), TypeError);
    assert.deepEqual(q.getAll('a'), ['1', '2']);
  });

  it('an empty query string is an empty map', () => {
    const q = new QueryParameters('');
    assert.equal(q.size, 0);
    assert.deepEqual([...q], []);
  });
});

describe('mc.inbound.query in a handler', function () {
  this.timeout(60_000);
  let s: ExtServer;
  before(async () => {
    const handler = `
      import type { Handler, MessageContext } from 'mediation-runtime';
      export class Echo implements Handler {
        handleRequest(mc: MessageContext): boolean {
          return mc.respond(200, { lang: mc.inbound.query.get('lang') ?? null, tags: mc.inbound.query.getAll('tag'), raw: mc.inbound.queryString, size: mc.inbound.query.size });
        }
      }`;
    s = await startWithExtensions({ 'api/Q.xml': apiWithHandlers('Q', '/q', '<handler class="extensions/echo.ts#Echo"/>') }, { 'echo.ts': handler });
  });
  after(() => s?.close());

  it('reads parsed parameters and the raw query string', async () => {
    const r = await get(`${s.url}/q/x?lang=fr&tag=a&tag=b+c`);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { lang: 'fr', tags: ['a', 'b c'], raw: 'lang=fr&tag=a&tag=b+c', size: 2 });
    const none = await get(`${s.url}/q/x`);
    assert.deepEqual(JSON.parse(none.text), { lang: null, tags: [], raw: '', size: 0 });
  });
});
