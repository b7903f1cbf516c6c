/**
 * The artifact resources of the management API against deployed fixture artifacts: Micro Integrator's
 * list shape and field names, details by its query parameters, `?searchKey=`, 404 for unknown names.
 */
import assert from 'node:assert/strict';
import { startTestServer, SYN, type TestServer } from '../helpers/server.js';
import { USERS_TOML, login, mgmt } from './client.js';

const FILES = {
  'api/OrdersApi.xml': `<api ${SYN} name="OrdersApi" context="/orders" version="1.0" version-type="url">
    <resource methods="GET" uri-template="/{id}"><inSequence><respond/></inSequence></resource>
    <resource methods="POST PUT" url-mapping="/bulk/*"><inSequence><respond/></inSequence></resource>
  </api>`,
  'api/HealthApi.xml': `<api ${SYN} name="HealthApi" context="/health" trace="enable"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>`,
  'proxy-services/StockQuoteProxy.xml': `<proxy ${SYN} name="StockQuoteProxy" transports="http https"><target><inSequence><respond/></inSequence></target></proxy>`,
  'sequences/LogAndReply.xml': `<sequence ${SYN} name="LogAndReply"><log level="simple"/><property name="x" value="1"/><respond/></sequence>`,
  'endpoints/QuoteEP.xml': `<endpoint ${SYN} name="QuoteEP"><address uri="http://user:pw@127.0.0.1:9/quotes"/></endpoint>`,
  'local-entries/Greeting.xml': `<localEntry ${SYN} key="Greeting">hello world</localEntry>`,
  'local-entries/DbConfig.xml': `<localEntry ${SYN} key="DbConfig"><db ${SYN}><user>app</user><password>top-secret</password></db></localEntry>`,
};

describe('management API artifact resources', function () {
  this.timeout(30_000);
  let s: TestServer;
  let token: string;
  before(async () => {
    s = await startTestServer(FILES, '[server]\nhot_deployment = false\n' + USERS_TOML);
    token = await login(s);
  });
  after(async () => s?.close());

  const get = (path: string) => mgmt(s, path, { token });

  it('/apis lists name and url; ?apiName= shows version, resources and configuration', async () => {
    const list = await get('/apis');
    assert.equal(list.status, 200);
    assert.equal(list.body.count, 2);
    const orders = list.body.list.find((a: { name: string }) => a.name === 'OrdersApi');
    assert.equal(orders.url, `http://localhost:${s.httpPort}/orders/1.0`);
    const one = await get('/apis?apiName=OrdersApi');
    assert.equal(one.body.name, 'OrdersApi');
    assert.equal(one.body.version, '1.0');
    assert.deepEqual(one.body.resources, [
      { methods: ['GET'], url: '/{id}' },
      { methods: ['POST', 'PUT'], url: '/bulk/*' },
    ]);
    assert.match(one.body.configuration, /^<api [^>]*name="OrdersApi"/);
    assert.equal((await get('/apis?apiName=HealthApi')).body.version, 'N/A');
    // trace="enable" as Micro Integrator shows it (mediator spans when OpenTelemetry tracing is on)
    assert.equal(orders.tracing, 'disabled');
    assert.equal(list.body.list.find((a: { name: string }) => a.name === 'HealthApi').tracing, 'enabled');
    assert.equal((await get('/apis?apiName=HealthApi')).body.tracing, 'enabled');
    assert.equal(one.body.tracing, 'disabled');
  });

  it('?searchKey= keeps names containing the text, whatever the case', async () => {
    const r = await get('/apis?searchKey=health');
    assert.deepEqual(r.body.list.map((a: { name: string }) => a.name), ['HealthApi']);
    assert.equal(r.body.count, 1);
    assert.equal((await get('/sequences?searchKey=zzz')).body.count, 0);
  });

  it('/proxy-services lists WSDL URLs; ?proxyServiceName= adds eprs and isRunning', async () => {
    const list = await get('/proxy-services');
    assert.deepEqual(list.body, {
      count: 1,
      list: [{ name: 'StockQuoteProxy', wsdl1_1: `http://localhost:${s.httpPort}/services/StockQuoteProxy?wsdl`, wsdl2_0: `http://localhost:${s.httpPort}/services/StockQuoteProxy?wsdl2` }],
    });
    const one = await get('/proxy-services?proxyServiceName=StockQuoteProxy');
    assert.equal(one.body.isRunning, true);
    assert.deepEqual(one.body.eprs, [`http://localhost:${s.httpPort}/services/StockQuoteProxy`]);
    assert.equal(one.body.stats, 'disabled');
    assert.match(one.body.configuration, /<proxy /);
  });

  it('/sequences lists user and built-in sequences; the detail lists the mediators', async () => {
    const list = await get('/sequences');
    const names = list.body.list.map((x: { name: string }) => x.name);
    assert.ok(names.includes('LogAndReply') && names.includes('main') && names.includes('fault'), names.join());
    assert.deepEqual(list.body.list.find((x: { name: string }) => x.name === 'LogAndReply'), { name: 'LogAndReply', stats: 'disabled', tracing: 'disabled' });
    const one = await get('/sequences?sequenceName=LogAndReply');
    assert.deepEqual(one.body.mediators, ['log', 'property', 'respond']);
  });

  it('/endpoints shows type and isActive, and never the credentials of an address', async () => {
    const list = await get('/endpoints');
    assert.deepEqual(list.body.list, [{ name: 'QuoteEP', type: 'address', isActive: true }]);
    const one = await get('/endpoints?endpointName=QuoteEP');
    assert.equal(one.body.address, 'http://127.0.0.1:9/quotes');
    assert.ok(!JSON.stringify(one.body).includes('pw@'), 'no password anywhere in the answer');
    assert.match(one.body.configuration, /uri="http:\/\/user:\*\*\*\*\*@127\.0\.0\.1:9\/quotes"/);
  });

  it('/local-entries shows type and value, with <password> masked as Micro Integrator does', async () => {
    const list = await get('/local-entries');
    assert.deepEqual(
      list.body.list.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
      [
        { name: 'DbConfig', type: 'Inline XML' },
        { name: 'Greeting', type: 'Inline Text' },
      ],
    );
    assert.equal((await get('/local-entries?name=Greeting')).body.value, 'hello world');
    const db = await get('/local-entries?name=DbConfig');
    assert.match(db.body.value, /<password>\*\*\*\*\*<\/password>/);
    assert.ok(!db.body.value.includes('top-secret'));
  });

  it('an unknown name is 404 with a JSON error naming it', async () => {
    for (const [path, name] of [
      ['/apis?apiName=Nope', 'Nope'],
      ['/proxy-services?proxyServiceName=NoProxy', 'NoProxy'],
      ['/sequences?sequenceName=NoSeq', 'NoSeq'],
      ['/endpoints?endpointName=NoEp', 'NoEp'],
      ['/local-entries?name=NoEntry', 'NoEntry'],
    ]) {
      const r = await get(path!);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.code, 'MI_MGT_005');
      assert.ok(r.body.Error.includes(name), r.body.Error);
    }
  });

  it('/server tells product, version, home, Node.js, OS and uptime', async () => {
    const r = await get('/server');
    assert.equal(r.status, 200);
    assert.equal(r.body.productName, 'mediation-runtime');
    assert.match(r.body.productVersion, /^\d+\.\d+\.\d+/);
    assert.equal(r.body.carbonHome, s.home);
    assert.equal(r.body.nodeVersion, process.versions.node);
    assert.equal(typeof r.body.osName, 'string');
    assert.ok(Number.isInteger(r.body.uptime) && r.body.uptime >= 0);
  });
});
