import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { datasourceFrom, datasourcesFrom, parseDatasourceUrl, type DatasourceConfig } from '../../src/store/datasource-config.js';
import { MiError } from '../../src/errors.js';
import { ROOT } from '../helpers/process.js';

const HOME = '/srv/mi';

function ds(entry: Record<string, unknown>, warnings: string[] = []): DatasourceConfig {
  return datasourceFrom({ id: 'DS', ...entry }, HOME, warnings);
}

function server(entry: Record<string, unknown>, warnings: string[] = []): Extract<DatasourceConfig, { dialect: 'postgres' | 'mysql' }> {
  const d = ds(entry, warnings);
  assert.notEqual(d.dialect, 'sqlite');
  return d as Extract<DatasourceConfig, { dialect: 'postgres' | 'mysql' }>;
}

function code(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MiError, String(err));
    return { code: err.code, message: err.message };
  }
  assert.fail('expected an MiError');
}

describe('[[datasource]] settings', () => {
  it("reads Micro Integrator's JDBC user store test configuration (MySQL URL with &amp;)", () => {
    const toml = parseToml(readFileSync(path.join(ROOT, 'test/conformance/conf/deployment.toml.jdbc-userstore-test'), 'utf8'));
    const all = datasourcesFrom(toml, HOME, []);
    const carbon = all.get('WSO2CarbonDB');
    assert.ok(carbon && !(carbon instanceof MiError));
    assert.equal(carbon.dialect, 'mysql');
    if (carbon.dialect !== 'mysql') return;
    assert.deepEqual([carbon.host, carbon.port, carbon.database, carbon.user, carbon.password()], ['localhost', 3306, 'userdb', 'root', 'root']);
    assert.equal(carbon.tls.mode, 'off', 'useSSL=false');
    // allowPublicKeyRetrieval only tunes the Java driver: accepted without a warning
    assert.deepEqual(carbon.ignoredParams, []);
  });

  it('PostgreSQL JDBC URL: host, port, database, currentSchema, sslmode, ApplicationName', () => {
    const d = server({ url: 'jdbc:postgresql://db.example.com:6543/mi?currentSchema=integration&sslmode=require&ApplicationName=node-7', username: 'mi', password: 'pw' });
    assert.equal(d.dialect, 'postgres');
    assert.deepEqual([d.host, d.port, d.database, d.schema, d.tls.mode, d.applicationName], ['db.example.com', 6543, 'mi', 'integration', 'no-verify', 'node-7']);
  });

  it('sslmode: disable/prefer are plain, require encrypts, verify-ca and verify-full check the certificate; ssl=true means verify-full', () => {
    const mode = (q: string): string => server({ url: `jdbc:postgresql://h/db?${q}` }).tls.mode;
    assert.equal(mode('sslmode=disable'), 'off');
    assert.equal(mode('sslmode=prefer'), 'off');
    assert.equal(mode('sslmode=require'), 'no-verify');
    assert.equal(mode('sslmode=verify-ca'), 'verify-ca');
    assert.equal(mode('sslmode=verify-full'), 'verify-full');
    assert.equal(mode('ssl=true'), 'verify-full');
    assert.equal(mode('ssl=true&sslfactory=org.postgresql.ssl.NonValidatingFactory'), 'no-verify');
    assert.equal(code(() => mode('sslmode=sometimes')).code, 'MI_DB_001');
    const files = server({ url: 'jdbc:postgresql://h/db?sslmode=verify-full&sslrootcert=certs/ca.pem' }).tls;
    assert.equal(files.caFile, '/srv/mi/certs/ca.pem', 'relative to the home');
  });

  it('MySQL TLS: useSSL / requireSSL / sslMode as Connector/J reads them', () => {
    const mode = (q: string): string => server({ url: `jdbc:mysql://h/db?${q}` }).tls.mode;
    assert.equal(mode('useSSL=false'), 'off');
    assert.equal(mode('useSSL=true'), 'verify-full');
    assert.equal(mode('useSSL=true&verifyServerCertificate=false'), 'no-verify');
    assert.equal(mode('sslMode=REQUIRED'), 'no-verify');
    assert.equal(mode('sslMode=VERIFY_CA'), 'verify-ca');
    assert.equal(mode('sslMode=DISABLED'), 'off');
  });

  it('native URLs with credentials, default ports, IPv6 hosts, jdbc:mariadb and jdbc:postgresql:db', () => {
    const a = server({ url: 'postgres://app:p%40ss@[::1]/appdb' });
    assert.deepEqual([a.dialect, a.host, a.port, a.database, a.user, a.password()], ['postgres', '::1', 5432, 'appdb', 'app', 'p@ss']);
    const b = server({ url: 'mysql://u:pw@10.0.0.5/shop', username: 'override' });
    assert.deepEqual([b.dialect, b.port, b.user, b.password()], ['mysql', 3306, 'override', 'pw']);
    assert.equal(server({ url: 'jdbc:mariadb://maria:3307/x' }).port, 3307);
    const c = server({ url: 'jdbc:postgresql:local_db' });
    assert.deepEqual([c.host, c.port, c.database], ['localhost', 5432, 'local_db']);
    const d = server({ url: 'jdbc:postgresql://h/db?user=u1&password=from-url' });
    assert.deepEqual([d.user, d.password()], ['u1', 'from-url']);
  });

  it('a SQLite URL names a file relative to the home', () => {
    const d = ds({ url: 'jdbc:sqlite:data/other.db' });
    assert.equal(d.dialect, 'sqlite');
    if (d.dialect === 'sqlite') assert.equal(d.file, '/srv/mi/data/other.db');
  });

  it('unsupported databases are refused with the list of supported URLs', () => {
    for (const url of [
      'jdbc:h2:./repository/database/WSO2CARBON_DB;DB_CLOSE_ON_EXIT=FALSE',
      'jdbc:sqlserver://localhost:1433;databaseName=userdb',
      'jdbc:oracle:thin:@localhost:1521:ORCLCDB',
      'jdbc:db2://localhost:50000/userdb',
    ]) {
      const e = code(() => ds({ url }));
      assert.equal(e.code, 'MI_DB_001', url);
      assert.match(e.message, /not supported; supported URLs: jdbc:postgresql:\/\/, jdbc:mysql:\/\//, url);
    }
  });

  it('malformed entries: no url, no database, several hosts, a bad port', () => {
    assert.match(code(() => ds({})).message, /url is missing/);
    assert.match(code(() => ds({ url: 'jdbc:mysql://h:3306/' })).message, /names no database/);
    assert.match(code(() => ds({ url: 'jdbc:postgresql://a:5432,b:5432/db' })).message, /several hosts/);
    assert.match(code(() => ds({ url: 'jdbc:postgresql://a:99999/db' })).message, /not a TCP port/);
    assert.equal(code(() => datasourceFrom({ url: 'jdbc:postgresql://a/db' }, HOME, [])).code, 'MI_DB_001');
  });

  it('pool_options: maxActive -> pool size, maxWait -> connect/acquire timeout, numbers as strings too; bad values refused', () => {
    const d = server({ url: 'jdbc:postgresql://h/db', pool_options: { maxActive: '50', maxWait: 60000, testOnBorrow: true, validationQuery: 'SELECT 1' } });
    assert.equal(d.pool.max, 50);
    assert.equal(d.pool.acquireTimeoutMs, 60000);
    const dflt = server({ url: 'jdbc:postgresql://h/db' });
    assert.deepEqual([dflt.pool.max, dflt.pool.acquireTimeoutMs], [10, 10000]);
    assert.equal(server({ url: 'jdbc:postgresql://h/db', pool_options: { maxWait: -1 } }).pool.acquireTimeoutMs, 0, 'Tomcat: negative = wait for ever');
    assert.match(code(() => server({ url: 'jdbc:postgresql://h/db', pool_options: { maxActive: 0 } })).message, /maxActive must be a whole number >= 1/);
    const warnings: string[] = [];
    server({ url: 'jdbc:postgresql://h/db', pool_options: { maxActiv: 5 } }, warnings);
    assert.match(warnings.join('\n'), /MI_CFG_003 .*pool_options\.maxActiv is ignored/);
    // the URL's connectTimeout applies when maxWait is not given (pgjdbc: seconds)
    assert.equal(server({ url: 'jdbc:postgresql://h/db?connectTimeout=3' }).pool.acquireTimeoutMs, 3000);
  });

  it('URL parameters this runtime does not act on are reported', () => {
    assert.deepEqual(server({ url: 'jdbc:postgresql://h/db?currentSchema=s&tcpKeepAlive=true' }).ignoredParams, ['tcpKeepAlive']);
  });

  it('never shows the password: not in the description, JSON or inspect output', () => {
    const d = server({ url: 'jdbc:postgresql://h:5432/db', username: 'app', password: 'Very-Secret-42' });
    assert.equal(d.password(), 'Very-Secret-42');
    for (const shown of [d.description, JSON.stringify(d), inspect(d, { depth: 5 })]) assert.doesNotMatch(shown, /Very-Secret-42/);
    assert.equal(d.description, "PostgreSQL database 'db' on h:5432 as app ([[datasource]] DS)");
    const u = server({ url: 'postgres://app:In-Url-Secret@h/db' });
    assert.doesNotMatch(JSON.stringify(u) + u.description, /In-Url-Secret/);
  });

  it('an unusable entry is kept as its error (it stops the start only when used); duplicate ids are refused', () => {
    const all = datasourcesFrom({ datasource: [{ id: 'A', url: 'jdbc:h2:mem:x' }, { id: 'B', url: 'jdbc:postgresql://h/db' }] }, HOME, []);
    assert.ok(all.get('A') instanceof MiError);
    assert.equal((all.get('B') as DatasourceConfig).dialect, 'postgres');
    assert.match(code(() => datasourcesFrom({ datasource: [{ id: 'A', url: 'jdbc:postgresql://h/x' }, { id: 'A', url: 'jdbc:postgresql://h/y' }] }, HOME, [])).message, /declared twice/);
    assert.match(code(() => datasourcesFrom({ datasource: { id: 'A' } }, HOME, [])).message, /write \[\[datasource\]\]/);
  });

  it('parseDatasourceUrl reads &amp; as &', () => {
    const p = parseDatasourceUrl('jdbc:mysql://localhost:3306/userdb?useSSL=false&amp;allowPublicKeyRetrieval=true');
    assert.deepEqual([...p.params.entries()], [['useSSL', 'false'], ['allowPublicKeyRetrieval', 'true']]);
  });
});
