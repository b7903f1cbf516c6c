/**
 * dblookup and dbreport through real HTTP against the real PostgreSQL and MariaDB (test/helpers/databases.ts):
 * each run makes its own tables (mi_db_<random>) in the `test` database and drops them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { MARIADB, needService, POSTGRES, type Service } from '../../helpers/databases.js';
import { post, soap11, startTestServer, SYN, type TestServer } from '../../helpers/server.js';

interface Db {
  service: Service;
  label: string;
  /** The JDBC url MI artifacts write, and its driver class. */
  url: string;
  driver: string;
  user: string;
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Column types of the test table. */
  types: { decimal: string; double: string; timestamp: string };
}

const DBS: Db[] = [
  {
    service: 'postgres',
    label: 'PostgreSQL',
    url: `jdbc:postgresql://${POSTGRES.host}:${POSTGRES.port}/${POSTGRES.database}`,
    driver: 'org.postgresql.Driver',
    user: POSTGRES.user,
    async sql(text, params) {
      const c = new pg.Client({ ...POSTGRES });
      await c.connect();
      try {
        return (await c.query(text, params)).rows;
      } finally {
        await c.end();
      }
    },
    types: { decimal: 'numeric(10,2)', double: 'double precision', timestamp: 'timestamp' },
  },
  {
    service: 'mariadb',
    label: 'MariaDB',
    url: `jdbc:mysql://${MARIADB.host}:${MARIADB.port}/${MARIADB.database}`,
    driver: 'com.mysql.cj.jdbc.Driver',
    user: MARIADB.user,
    async sql(text, params) {
      const c = await createConnection(MARIADB);
      try {
        const [rows] = await c.query(text.replace(/\$\d+/g, '?'), params);
        return rows as Record<string, unknown>[];
      } finally {
        await c.end();
      }
    },
    types: { decimal: 'decimal(10,2)', double: 'double', timestamp: 'datetime' },
  },
];

/** ERROR_* as a fault sequence reports them. */
const REPORT_FAULT = `<faultSequence>
    <payloadFactory media-type="xml"><format><fault xmlns=""><code>$1</code><message>$2</message><detail>$3</detail></fault></format>
      <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/><arg expression="get-property('ERROR_DETAIL')"/></args></payloadFactory>
    <property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence>`;

function fault(text: string): { code: string; message: string; detail: string } {
  const f = (n: string) => (new RegExp(`<${n}>([\\s\\S]*?)</${n}>`).exec(text)?.[1] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&apos;/g, "'");
  return { code: f('code'), message: f('message'), detail: f('detail') };
}

const field = (text: string, name: string) => new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text)?.[1];

for (const db of DBS) {
  describe(`dblookup and dbreport on ${db.label}`, function () {
    const table = `mi_db_${randomBytes(5).toString('hex')}`;
    const log = `${table}_log`;
    let s: TestServer;
    const pool = `<connection><pool><driver>${db.driver}</driver><url>${db.url}</url><user>${db.user}</user><password></password></pool></connection>`;

    before(async function () {
      await needService(this, db.service);
      await db.sql(`create table ${table} (id integer primary key, name varchar(40), price ${db.types.decimal}, ratio ${db.types.double}, listed ${db.types.timestamp}, note varchar(40))`);
      await db.sql(`create table ${log} (id integer, who varchar(200))`);
      await db.sql(`insert into ${table} values (1, 'IBM', 12.50, 2, '2024-05-01 13:45:00', null), (2, 'MSFT', 300.00, 0.5, '2024-05-02 08:00:00', 'second')`);
      s = await startTestServer(
        {
          'proxy-services/Lookup.xml': `<proxy ${SYN} name="Lookup"><target><inSequence>
              <property name="note" value="untouched"/>
              <dblookup>${pool}
                <statement>
                  <sql><![CDATA[select name, price, ratio, listed, note from ${table} where name = ?]]></sql>
                  <parameter expression="//symbol" type="VARCHAR"/>
                  <result name="company" column="name"/><result name="price" column="PRICE"/><result name="ratio" column="3"/>
                  <result name="listed" column="listed"/><result name="note" column="note"/>
                </statement>
              </dblookup>
              <payloadFactory media-type="xml"><format><r xmlns=""><company>$1</company><price>$2</price><ratio>$3</ratio><listed>$4</listed><note>$5</note></r></format>
                <args><arg expression="$ctx:company"/><arg expression="$ctx:price"/><arg expression="$ctx:ratio"/><arg expression="$ctx:listed"/><arg expression="$ctx:note"/></args></payloadFactory>
              <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/Report.xml': `<proxy ${SYN} name="Report"><target><inSequence>
              <dbreport>${pool}
                <statement>
                  <sql><![CDATA[insert into ${log} (id, who) values (?, ?)]]></sql>
                  <parameter expression="//id" type="INTEGER"/>
                  <parameter expression="//who" type="VARCHAR"/>
                </statement>
              </dbreport>
              <payloadFactory media-type="xml"><format><done xmlns=""/></format><args/></payloadFactory>
              <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/Broken.xml': `<proxy ${SYN} name="Broken"><target><inSequence>
              <dblookup>${pool}
                <statement><sql>select name from ${table}_missing where id = ?</sql><parameter value="1" type="INTEGER"/><result name="x" column="name"/></statement>
              </dblookup><respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/BadNumber.xml': `<proxy ${SYN} name="BadNumber"><target><inSequence>
              <dblookup>${pool}
                <statement><sql>select name from ${table} where id = ?</sql><parameter expression="//id" type="INTEGER"/><result name="x" column="name"/></statement>
              </dblookup><respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/ByDatasource.xml': `<proxy ${SYN} name="ByDatasource"><target><inSequence>
              <dblookup><connection><pool><dsName>LookupDB</dsName></pool></connection>
                <statement><sql>select id from ${table} where name = ?</sql><parameter value="MSFT" type="CHAR"/><result name="id" column="1"/></statement>
              </dblookup>
              <payloadFactory media-type="xml"><format><id xmlns="">$1</id></format><args><arg expression="$ctx:id"/></args></payloadFactory>
              <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/Unreachable.xml': `<proxy ${SYN} name="Unreachable"><target><inSequence>
              <dblookup><connection><pool><driver>${db.driver}</driver><url>${db.url.replace(/:\d+\//, ':1/')}</url><user>${db.user}</user><password>secret-pw</password>
                <property name="maxwait" value="5000"/></pool></connection>
                <statement><sql>select 1</sql><result name="x" column="1"/></statement>
              </dblookup><respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/Uncommitted.xml': `<proxy ${SYN} name="Uncommitted"><target><inSequence>
              <dbreport useTransaction="true"><connection><pool><driver>${db.driver}</driver><url>${db.url}</url><user>${db.user}</user><password></password>
                <property name="autocommit" value="false"/></pool></connection>
                <statement><sql>insert into ${log} (id, who) values (?, 'tx')</sql><parameter expression="//id" type="INTEGER"/></statement>
              </dbreport>
              <dbreport><connection><pool><driver>${db.driver}</driver><url>${db.url}</url><user>${db.user}</user><password></password>
                <property name="autocommit" value="false"/><property name="maxactive" value="2"/></pool></connection>
                <statement><sql>insert into ${log} (id, who) values (?, 'committed')</sql><parameter expression="//id" type="INTEGER"/></statement>
              </dbreport>
              <payloadFactory media-type="xml"><format><done xmlns=""/></format><args/></payloadFactory>
              <respond/></inSequence>${REPORT_FAULT}</target></proxy>`,
          'proxy-services/BadDriver.xml': `<proxy ${SYN} name="BadDriver"><target><inSequence>
              <dblookup><connection><pool><driver>org.apache.derby.jdbc.ClientDriver</driver><url>jdbc:derby://localhost:1527/esbdb</url><user>esb</user><password>esb</password></pool></connection>
                <statement><sql>select 1</sql></statement></dblookup></inSequence></target></proxy>`,
          'proxy-services/BadCount.xml': `<proxy ${SYN} name="BadCount"><target><inSequence>
              <dblookup>${pool}<statement><sql>select name from t where id = ? and name = '?'</sql></statement></dblookup></inSequence></target></proxy>`,
          'proxy-services/BadType.xml': `<proxy ${SYN} name="BadType"><target><inSequence>
              <dbreport>${pool}<statement><sql>insert into t values (?)</sql><parameter value="1" type="CLOB"/></statement></dbreport></inSequence></target></proxy>`,
          'proxy-services/NoDatasource.xml': `<proxy ${SYN} name="NoDatasource"><target><inSequence>
              <dblookup><connection><pool><dsName>jdbc/Nowhere</dsName></pool></connection><statement><sql>select 1</sql></statement></dblookup></inSequence></target></proxy>`,
        },
        `[server]\nhot_deployment = false\n\n[[datasource]]\nid = "LookupDB"\nurl = "${db.url}"\nusername = "${db.user}"\npassword = ""\npool_options.maxActive = 3\n`,
      );
    });

    after(async () => {
      await s?.close();
      await db.sql(`drop table if exists ${table}`).catch(() => {});
      await db.sql(`drop table if exists ${log}`).catch(() => {});
    });

    it('dblookup sets properties from the first row, with a parameter from the message, as JDBC prints the values', async () => {
      const r = await post(`${s.url}/services/Lookup`, soap11('<getQuote><symbol>IBM</symbol></getQuote>'));
      assert.equal(r.status, 200, r.text);
      assert.equal(field(r.text, 'company'), 'IBM');
      assert.equal(field(r.text, 'price'), '12.50');
      assert.equal(field(r.text, 'ratio'), '2.0');
      assert.equal(field(r.text, 'listed'), '2024-05-01 13:45:00.0');
      // a NULL column leaves the property as it was
      assert.equal(field(r.text, 'note'), 'untouched');
    });

    it('dblookup with no row sets no property', async () => {
      const r = await post(`${s.url}/services/Lookup`, soap11('<getQuote><symbol>NOPE</symbol></getQuote>'));
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /<company\/>|<company><\/company>/);
      assert.equal(field(r.text, 'note'), 'untouched');
    });

    it('a value that tries SQL injection stays one bound parameter', async () => {
      const inject = "IBM' OR '1'='1";
      const r = await post(`${s.url}/services/Lookup`, soap11(`<getQuote><symbol>${inject}</symbol></getQuote>`));
      assert.equal(r.status, 200, r.text);
      assert.match(r.text, /<company\/>|<company><\/company>/, 'no row matches the literal text');
      const drop = `x'); drop table ${table}; --`;
      const w = await post(`${s.url}/services/Report`, soap11(`<entry><id>99</id><who>${drop}</who></entry>`));
      assert.equal(w.status, 200, w.text);
      const rows = await db.sql(`select who from ${log} where id = 99`);
      assert.deepEqual(rows.map((x) => x['who']), [drop]);
      assert.equal((await db.sql(`select count(*) as n from ${table}`)).length, 1, 'the table is still there');
    });

    it('dbreport inserts a row with values from the message', async () => {
      const r = await post(`${s.url}/services/Report`, soap11('<entry><id>7</id><who>alice</who></entry>'));
      assert.equal(r.status, 200, r.text);
      const rows = await db.sql(`select id, who from ${log} where id = 7`);
      assert.deepEqual(rows.map((x) => [Number(x['id']), x['who']]), [[7, 'alice']]);
    });

    it('an SQL error runs the fault sequence with Micro Integrator\'s ERROR_MESSAGE', async () => {
      const r = await post(`${s.url}/services/Broken`, soap11('<a/>'));
      assert.equal(r.status, 500);
      const f = fault(r.text);
      assert.equal(f.code, 'MI_MED_072');
      assert.equal(f.message, `SQL Exception occurred while executing statement : select name from ${table}_missing where id = ? against DataSource : ${db.url}`);
      assert.match(f.detail, new RegExp(`${table}_missing`), 'the database error is in ERROR_DETAIL');
    });

    it('a parameter Java would not parse is a fault, never sent as something else', async () => {
      const r = await post(`${s.url}/services/BadNumber`, soap11('<q><id>1 or 1=1</id></q>'));
      const f = fault(r.text);
      assert.equal(f.code, 'MI_MED_073');
      assert.equal(f.message, `Error executing statement : select name from ${table} where id = ? against DataSource : ${db.url}`);
      assert.match(f.detail, /For input string: "1 or 1=1"/);
    });

    it('dsName looks up a [[datasource]] of deployment.toml', async () => {
      const r = await post(`${s.url}/services/ByDatasource`, soap11('<a/>'));
      assert.equal(r.status, 200, r.text);
      assert.equal(field(r.text, 'id'), '2');
      assert.ok(s.logLines.some((l) => l.message === 'Successfully looked up datasource LookupDB.'));
    });

    it('a database that cannot be reached is a fault naming the statement, without the password', async () => {
      const r = await post(`${s.url}/services/Unreachable`, soap11('<a/>'));
      const f = fault(r.text);
      assert.equal(f.code, 'MI_MED_074');
      assert.match(f.message, /^SQL Exception occurred while executing statement : select 1 against DataSource : jdbc:/);
      assert.match(f.detail, /connection refused/i);
      assert.ok(!r.text.includes('secret-pw'));
      assert.ok(!s.logLines.some((l) => l.message.includes('secret-pw')));
    });

    it('with autocommit off, useTransaction="true" leaves the insert uncommitted (rolled back) and the default commits it', async () => {
      const r = await post(`${s.url}/services/Uncommitted`, soap11('<q><id>55</id></q>'));
      assert.equal(r.status, 200, r.text);
      const rows = await db.sql(`select who from ${log} where id = 55`);
      assert.deepEqual(rows.map((x) => x['who']), ['committed']);
    });

    it('keeps one pool per distinct connection and closes them when no deployed artifact uses them', async () => {
      // Lookup, Report, Broken and BadNumber share one connection; ByDatasource, Unreachable and the two of Uncommitted have their own
      assert.equal(s.runtime.resources.size, 5);
      assert.equal(s.runtime.current.resources.size, 5, 'the deployment lists the connections its artifacts use');
      const before = s.runtime.current;
      s.runtime.activate(before);
      assert.equal(s.runtime.resources.size, 5, 'a redeployment that still uses them keeps them open');
      s.runtime.activate({ ...before, resources: new Set() });
      assert.equal(s.runtime.resources.size, 0);
      s.runtime.activate(before);
      const r = await post(`${s.url}/services/Lookup`, soap11('<getQuote><symbol>MSFT</symbol></getQuote>'));
      assert.equal(field(r.text, 'company'), 'MSFT', 'a closed pool is opened again on next use');
    });

    it('refuses at deploy an unsupported driver, a placeholder count that does not match, an unknown JDBC type, an unknown dsName', () => {
      const logged = s.logLines.map((l) => l.message).join('\n');
      assert.match(logged, /BadDriver\.xml:\d+:\d+\s+MI_ART_071\s+the JDBC driver 'org\.apache\.derby\.jdbc\.ClientDriver' is not supported/);
      assert.match(logged, /BadCount\.xml:\d+:\d+\s+MI_ART_072\s+the statement has 1 \? placeholder and 0 <parameter>s/);
      assert.match(logged, /BadType\.xml:\d+:\d+\s+MI_ART_072\s+Unknown or unsupported JDBC type : CLOB/);
      assert.match(logged, /NoDatasource\.xml:\d+:\d+\s+MI_ART_071\s+Cannot find a DataSource jdbc\/Nowhere/);
    });
  });
}
