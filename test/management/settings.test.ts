/** `[management_api]` and `[transaction_counter]` in deployment.toml: Micro Integrator's keys and defaults, and clear errors. */
import assert from 'node:assert/strict';
import { configFrom } from '../../src/config/config.js';
import { MiError } from '../../src/errors.js';
import { managementSettings } from '../../src/management/settings.js';
import { transactionSettings } from '../../src/transactions/settings.js';
import { parse } from 'smol-toml';

const config = (toml: string) => configFrom('/tmp/mi-settings-test', parse(toml) as Record<string, unknown>);

describe('management API and transaction counter settings', () => {
  it("defaults to Micro Integrator's: port 9154 + offset, JWT on, 3600 s, 200 tokens, CORS * ; counter off, 1 minute", () => {
    const m = managementSettings(config(''));
    assert.equal(m.port, 9164);
    assert.deepEqual({ enable: m.enable, jwt: m.jwt, expiry: m.tokenExpirySeconds, size: m.tokenStoreSize, oldest: m.removeOldestTokenOnOverflow }, { enable: true, jwt: true, expiry: 3600, size: 200, oldest: true });
    assert.deepEqual(m.cors, { enabled: true, origins: ['*'], headers: 'Authorization, Content-Type' });
    assert.deepEqual(transactionSettings({}), { enable: false, dataSource: undefined, updateIntervalMs: 60_000 });
  });

  it('reads the keys as Micro Integrator writes them (strings included)', () => {
    const m = managementSettings(
      config(`[server]\noffset = 100\n[mediation]\ninternal_https_api_port = 9500\n[management_api.jwt_token_security_handler]\nenable = "false"\ntoken_config.expiry = "600"\ntoken_store_config.max_size = "5"\n[management_api.cors]\nallowed_origins = "https://a.example, https://b.example"\n`),
    );
    assert.equal(m.port, 9600);
    assert.equal(m.jwt, false);
    assert.equal(m.tokenExpirySeconds, 600);
    assert.equal(m.tokenStoreSize, 5);
    assert.deepEqual(m.cors.origins, ['https://a.example', 'https://b.example']);
    const t = transactionSettings(parse('[transaction_counter]\nenable = true\ndata_source = "WSO2_TRANSACTION_DB"\nupdate_interval = 2\n') as Record<string, unknown>);
    assert.deepEqual(t, { enable: true, dataSource: 'WSO2_TRANSACTION_DB', updateIntervalMs: 120_000 });
  });

  it('refuses bad values with MI_CFG_002 naming the key, and warns about unknown keys', () => {
    assert.throws(() => managementSettings(config('[management_api.jwt_token_security_handler]\ntoken_config.expiry = "soon"\n')), (e: MiError) => e.code === 'MI_CFG_002' && /token_config\] expiry/.test(e.message));
    assert.throws(() => transactionSettings({ transaction_counter: { update_interval: 0 } }), (e: MiError) => e.code === 'MI_CFG_002' && /minutes/.test(e.message));
    const warnings: string[] = [];
    managementSettings(config('[management_api]\nenabel = true\n'), warnings);
    assert.match(warnings[0]!, /^MI_CFG_003 {2}unknown key \[management_api\] enabel/);
  });
});
