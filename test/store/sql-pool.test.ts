import assert from 'node:assert/strict';
import { countPlaceholders, jdbcToDialect } from '../../src/store/jdbc-placeholders.js';
import { javaBigDecimalString, javaTimestampString, javaZonedTimestampString, jdbcText } from '../../src/store/jdbc-text.js';
import { SqlPool, type SqlTarget } from '../../src/store/sql-pool.js';
import { jdbcValue, ParameterError } from '../../src/mediators/db/jdbc-parameters.js';
import { MARIADB, needService, POSTGRES } from '../helpers/databases.js';

describe('JDBC placeholders', () => {
  it('numbers ? for PostgreSQL, skipping strings, identifiers, comments and dollar quotes', () => {
    const sql = `select '?', "a?b", $$x?$$, $t$?$t$, c from t -- why?\n where a = ? /* ? */ and b = ? and j ?? 'k'`;
    assert.equal(countPlaceholders(sql, 'postgres'), 2);
    assert.equal(jdbcToDialect(sql, 'postgres'), `select '?', "a?b", $$x?$$, $t$?$t$, c from t -- why?\n where a = $1 /* ? */ and b = $2 and j ? 'k'`);
  });
  it('counts ? for MySQL, with backslash escapes, backticks and # comments, and keeps the text', () => {
    const sql = "select 'it\\'s ?', `c?` from t # ?\n where a = ? and b = '' and c = ?";
    assert.equal(countPlaceholders(sql, 'mysql'), 2);
    assert.equal(jdbcToDialect(sql, 'mysql'), sql);
  });
});

describe('JDBC values as Java prints them', () => {
  it('BigDecimal.toString', () => {
    assert.equal(javaBigDecimalString('12.50'), '12.50');
    assert.equal(javaBigDecimalString('0.00'), '0.00');
    assert.equal(javaBigDecimalString('-0.5'), '-0.5');
    assert.equal(javaBigDecimalString('0.000001'), '0.000001');
    assert.equal(javaBigDecimalString('0.0000001'), '1E-7');
    assert.equal(javaBigDecimalString('0.00000012'), '1.2E-7');
    assert.equal(javaBigDecimalString('12345678901234567890'), '12345678901234567890');
  });
  it('Timestamp, Time, doubles, floats, booleans', () => {
    assert.equal(javaTimestampString('2024-05-01 13:45:00'), '2024-05-01 13:45:00.0');
    assert.equal(javaTimestampString('2024-05-01 13:45:00.120000'), '2024-05-01 13:45:00.12');
    assert.equal(jdbcText('13:45:07.5', 'time'), '13:45:07');
    assert.equal(jdbcText(2, 'double'), '2.0');
    assert.equal(jdbcText(1e7, 'double'), '1.0E7');
    assert.equal(jdbcText(0.1, 'float'), '0.1');
    assert.equal(jdbcText(1, 'boolean'), 'true');
    assert.equal(jdbcText(null, 'string'), null);
    assert.equal(jdbcText(2024, 'year'), '2024-01-01');
  });
  it('a zoned timestamp in this process\'s time zone', () => {
    const local = new Date(Date.UTC(2024, 4, 1, 11, 45, 0));
    const p = (n: number) => String(n).padStart(2, '0');
    const want = `${local.getFullYear()}-${p(local.getMonth() + 1)}-${p(local.getDate())} ${p(local.getHours())}:${p(local.getMinutes())}:00.5`;
    assert.equal(javaZonedTimestampString('2024-05-01 13:45:00.5+02'), want);
  });
});

describe('parameter values as Java parses them', () => {
  it('binds what Java reads and refuses what it would not', () => {
    assert.equal(jdbcValue('', 'INTEGER'), null);
    assert.equal(jdbcValue('', 'VARCHAR'), null);
    assert.equal(jdbcValue('+42', 'INTEGER'), 42);
    assert.throws(() => jdbcValue(' 42', 'INTEGER'), ParameterError);
    assert.throws(() => jdbcValue('2147483648', 'INTEGER'), /out of range/);
    assert.equal(jdbcValue('9223372036854775807', 'BIGINT'), '9223372036854775807');
    assert.throws(() => jdbcValue('128', 'TINYINT'), ParameterError);
    assert.equal(jdbcValue('12.50', 'DECIMAL'), '12.50');
    assert.throws(() => jdbcValue('12,5', 'DECIMAL'), ParameterError);
    assert.equal(jdbcValue('TRUE', 'BIT'), true);
    assert.equal(jdbcValue('yes', 'BIT'), false);
    assert.equal(jdbcValue('1.5f', 'REAL'), 1.5);
    assert.equal(jdbcValue('2024-5-1', 'DATE'), '2024-05-01');
    assert.throws(() => jdbcValue('01/05/2024', 'DATE'), ParameterError);
    assert.equal(jdbcValue('2024-05-01 1:02:03.5', 'TIMESTAMP'), '2024-05-01 01:02:03.5');
    assert.equal(jdbcValue("x' OR '1'='1", 'VARCHAR'), "x' OR '1'='1");
  });
});

const TARGETS: { service: 'postgres' | 'mariadb'; target: SqlTarget; sleep: string }[] = [
  {
    service: 'postgres',
    target: { dialect: 'postgres', host: POSTGRES.host, port: POSTGRES.port, database: POSTGRES.database, user: POSTGRES.user, password: () => undefined, tls: { mode: 'off' }, max: 2, maxWaitMs: 5000, idleTimeoutMs: 1000, autocommit: true, description: 'PostgreSQL test' },
    sleep: 'select pg_sleep(0.3), 7 as n',
  },
  {
    service: 'mariadb',
    target: { dialect: 'mysql', host: MARIADB.host, port: MARIADB.port, database: MARIADB.database, user: MARIADB.user, password: () => '', tls: { mode: 'off' }, max: 2, maxWaitMs: 5000, idleTimeoutMs: 1000, autocommit: true, description: 'MariaDB test' },
    sleep: 'select sleep(0.3), 7 as n',
  },
];

for (const { service, target, sleep } of TARGETS) {
  describe(`SqlPool on ${service}`, function () {
    before(async function () {
      await needService(this, service);
    });

    it('binds parameters and reads values as JDBC prints them', async () => {
      const pool = new SqlPool(target);
      try {
        const sql = target.dialect === 'postgres' ? "select $1::text as s, $2::int + 1 as n, cast(2 as double precision) as d, cast('2024-05-01 13:45:00' as timestamp) as t" : "select ? as s, cast(? as signed) + 1 as n, cast(2 as double) as d, cast('2024-05-01 13:45:00' as datetime) as t";
        const r = await pool.query(sql, ["x'; drop table t; --", 41]);
        assert.deepEqual(r.columns, ['s', 'n', 'd', 't']);
        assert.deepEqual(r.rows, [["x'; drop table t; --", '42', '2.0', '2024-05-01 13:45:00.0']]);
      } finally {
        await pool.close();
      }
    });

    it('sets the isolation level on its connections', async () => {
      const pool = new SqlPool({ ...target, isolation: 'REPEATABLE READ' });
      try {
        const r = await pool.query(target.dialect === 'postgres' ? 'show transaction_isolation' : 'select @@session.tx_isolation', []);
        assert.match(String(r.rows[0]![0]), /repeatable[ -]read/i);
      } finally {
        await pool.close();
      }
    });

    it('close() waits for the statement in flight', async () => {
      const pool = new SqlPool(target);
      const running = pool.query(sleep, []);
      await new Promise((r) => setTimeout(r, 50));
      const closed = pool.close();
      const r = await running;
      assert.equal(r.rows[0]![1], '7');
      await closed;
      await assert.rejects(pool.query('select 1', []), /closed/);
    });
  });
}
