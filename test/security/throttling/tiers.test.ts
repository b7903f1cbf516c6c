/**
 * `[throttling]` and `[[throttling.tier]]` as deployment.toml is read: API Manager's default tiers, a tier
 * declared or replacing a built-in, and every mistake refused with MI_API_050 and a message naming the key.
 */
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { MiError } from '../../../src/errors.js';
import { readThrottlingSettings } from '../../../src/security/throttling/tiers.js';

const read = (toml: string, warnings: string[] = []) => readThrottlingSettings(parse(toml) as Record<string, unknown>, warnings);

describe('throttling tiers in deployment.toml', () => {
  it("knows API Manager's default tiers", () => {
    const { tiers, store } = read('');
    const perMinute = (name: string) => tiers.get(name)?.quota;
    assert.deepEqual(
      ['Gold', 'Silver', 'Bronze', 'Unauthenticated', '50PerMin', '20PerMin', '10PerMin', '50KPerMin', '20KPerMin', '10KPerMin'].map((n) => [n, perMinute(n)?.count, perMinute(n)?.windowMs]),
      [
        ['Gold', 5000, 60000],
        ['Silver', 2000, 60000],
        ['Bronze', 1000, 60000],
        ['Unauthenticated', 500, 60000],
        ['50PerMin', 50, 60000],
        ['20PerMin', 20, 60000],
        ['10PerMin', 10, 60000],
        ['50KPerMin', 50000, 60000],
        ['20KPerMin', 20000, 60000],
        ['10KPerMin', 10000, 60000],
      ],
    );
    assert.deepEqual(tiers.get('Unlimited'), { name: 'Unlimited', quota: undefined, burst: undefined });
    assert.deepEqual(store, { type: 'memory', redisUrl: 'redis://127.0.0.1:6379', keyPrefix: 'mi:throttling:', timeoutMs: 1000, redisDown: 'allow' });
  });

  it('adds a declared tier with its burst limit, and one of a built-in name replaces it', () => {
    const warnings: string[] = [];
    const { tiers } = read(
      `[[throttling.tier]]\nname = "Partner"\nrequest_count = 5\nunit_time = 2\ntime_unit = "hour"\nrate_limit_count = 3\nrate_limit_time_unit = "min"\ncolour = "red"\n\n` +
        `[[throttling.tier]]\nname = "Gold"\nrequest_count = "10"\n`,
      warnings,
    );
    assert.deepEqual(tiers.get('Partner'), { name: 'Partner', quota: { count: 5, windowMs: 7_200_000 }, burst: { count: 3, windowMs: 60_000 } });
    assert.deepEqual(tiers.get('Gold')?.quota, { count: 10, windowMs: 60_000 }, 'unit_time 1 min by default');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /MI_CFG_003 .*\[throttling\.tier\] colour is ignored/);
  });

  const wrong: [string, string, RegExp][] = [
    ['a tier without a name', '[[throttling.tier]]\nrequest_count = 5\n', /\[\[throttling\.tier\]\] #1 needs a name/],
    ['a tier without request_count', '[[throttling.tier]]\nname = "P"\n', /'P' needs request_count/],
    ['a count of zero', '[[throttling.tier]]\nname = "P"\nrequest_count = 0\n', /'P' request_count must be a whole number >= 1, got 0/],
    ['an unknown time unit', '[[throttling.tier]]\nname = "P"\nrequest_count = 5\ntime_unit = "week"\n', /'P' time_unit must be one of sec, min, hour, day, got "week"/],
    ['a burst per hour', '[[throttling.tier]]\nname = "P"\nrequest_count = 5\nrate_limit_count = 1\nrate_limit_time_unit = "hour"\n', /'P' rate_limit_time_unit must be one of sec, min, got "hour"/],
    ['a burst unit without a count', '[[throttling.tier]]\nname = "P"\nrequest_count = 5\nrate_limit_time_unit = "sec"\n', /'P' rate_limit_time_unit needs rate_limit_count/],
    ['a tier twice', '[[throttling.tier]]\nname = "P"\nrequest_count = 5\n[[throttling.tier]]\nname = "P"\nrequest_count = 6\n', /'P' is declared twice/],
    ['an unknown store', '[throttling]\nstore = "memcached"\n', /store must be "memory" or "redis", got "memcached"/],
    ['an unknown redis_down', '[throttling]\nstore = "redis"\nredis_down = "maybe"\n', /redis_down must be "allow" or "deny", got "maybe"/],
    ['a Redis setting without the Redis store', '[throttling]\nredis_url = "redis://10.0.0.1"\n', /redis_url needs store = "redis"/],
    ['a URL that is not Redis', '[throttling]\nstore = "redis"\nredis_url = "http://10.0.0.1"\n', /redis_url must be a redis:\/\/ or rediss:\/\/ URL/],
  ];
  for (const [what, toml, message] of wrong) {
    it(`refuses ${what} (MI_API_050)`, () => {
      assert.throws(() => read(toml), (err: unknown) => err instanceof MiError && err.code === 'MI_API_050' && message.test(err.message));
    });
  }
});
