import assert from 'node:assert/strict';
import { configFrom } from '../../src/config/config.js';
import { sharedStoreSettings } from '../../src/store/shared-stores.js';
import { redisWhere } from '../../src/store/redis-store.js';

const settings = (doc: Record<string, unknown>) => {
  const config = configFrom('/tmp', doc);
  return { s: sharedStoreSettings(config), warnings: config.warnings };
};

describe('[cache] and [throttle] settings', () => {
  it('keeps both in memory by default, fail_open false', () => {
    const { s } = settings({});
    assert.equal(s.cache, undefined);
    assert.equal(s.throttle, undefined);
    assert.equal(s.throttleFailOpen, false);
    assert.equal(s.cacheMaxEntries, 10_000);
  });

  it('reads type = "redis" with its defaults and overrides', () => {
    const { s } = settings({ cache: { type: 'redis' }, throttle: { type: 'redis', redis_url: 'redis://:pw@db:6380/2', key_prefix: 'x:', timeout: '250', fail_open: 'true' } });
    assert.deepEqual(s.cache, { url: 'redis://127.0.0.1:6379', keyPrefix: 'mi:cache:', timeoutMs: 1000 });
    assert.deepEqual(s.throttle, { url: 'redis://:pw@db:6380/2', keyPrefix: 'x:', timeoutMs: 250 });
    assert.equal(s.throttleFailOpen, true);
  });

  it('refuses a wrong type, a URL that is not redis://, and Redis keys without type = "redis" (MI_CFG_002)', () => {
    assert.throws(() => settings({ cache: { type: 'disk' } }), /MI_CFG_002|\[cache\] type must be "memory" or "redis"/);
    assert.throws(() => settings({ throttle: { type: 'redis', redis_url: 'http://x' } }), /\[throttle\] redis_url must be a redis:\/\/ or rediss:\/\/ URL/);
    assert.throws(() => settings({ throttle: { fail_open: true } }), /\[throttle\] fail_open needs type = "redis"/);
    assert.throws(() => settings({ cache: { redis_url: 'redis://x' } }), /\[cache\] redis_url needs type = "redis"/);
  });

  it('warns about unknown keys (MI_CFG_003)', () => {
    const { warnings } = settings({ cache: { tpye: 'redis' } });
    assert.ok(warnings.some((w) => /MI_CFG_003.*\[cache\] tpye/.test(w)), warnings.join('\n'));
  });

  it('reads [ws_security.nonce_store]: memory by default, Redis with its own prefix; wrong values stop, unknown keys warn', () => {
    assert.equal(settings({}).s.nonces, undefined);
    assert.deepEqual(settings({ ws_security: { nonce_store: { type: 'redis', redis_url: 'rediss://r:6380/1' } } }).s.nonces, { url: 'rediss://r:6380/1', keyPrefix: 'mi:nonce:', timeoutMs: 1000 });
    assert.throws(() => settings({ ws_security: { nonce_store: { type: 'memcached' } } }), /\[ws_security\.nonce_store\] type must be "memory" or "redis"/);
    assert.throws(() => settings({ ws_security: { nonce_store: { key_prefix: 'x:' } } }), /\[ws_security\.nonce_store\] key_prefix needs type = "redis"/);
    const { warnings } = settings({ ws_security: { nonce_store: { type: 'redis', fail_open: true }, nonce_cache: 1 } });
    assert.ok(warnings.some((w) => /MI_CFG_003.*\[ws_security\.nonce_store\] fail_open/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /MI_CFG_003.*\[ws_security\] nonce_cache/.test(w)), warnings.join('\n'));
  });

  it('names a Redis server in logs without its credentials', () => {
    assert.equal(redisWhere('redis://user:secret@db.example.com:6380/3'), 'db.example.com:6380/3');
    assert.equal(redisWhere('redis://127.0.0.1'), '127.0.0.1:6379');
  });
});
