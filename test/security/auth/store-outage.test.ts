/**
 * The user store's database going away while the server runs, for real: PostgreSQL is reached through a
 * TCP gate in this test that is closed (every connection cut, the port refusing) and opened again.
 * Authentication must fail closed with a 503 and one log line naming the cause, routes without
 * authentication must keep serving, and everything must come back by itself with the database.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { get, post, startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { freshPostgresSchema, needService, POSTGRES, type FreshDatabase } from '../../helpers/databases.js';
import { apiWithHandlers } from '../../handlers/helpers.js';
import { ECHO_WSDL, echoProxy, PASSWORD_TEXT, UT_PLAIN, WSSE } from '../ws-security/fixtures.js';

const BASIC = 'org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler';
const basic = (user: string, password: string) => ({ authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64') });

/** Forwards 127.0.0.1:<port> to PostgreSQL until closed; reopens on the same port. */
class TcpGate {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(POSTGRES.port, POSTGRES.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

function utRequest(user: string, password: string): string {
  return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>
<wsse:Security xmlns:wsse="${WSSE}" soapenv:mustUnderstand="1"><wsse:UsernameToken><wsse:Username>${user}</wsse:Username>
<wsse:Password Type="${PASSWORD_TEXT}">${password}</wsse:Password></wsse:UsernameToken></wsse:Security>
</soapenv:Header><soapenv:Body><e:echo xmlns:e="urn:test:echo"><e:text>hi</e:text></e:echo></soapenv:Body></soapenv:Envelope>`;
}

describe('the user store database goes away while the server runs (PostgreSQL behind a TCP gate)', function () {
  this.timeout(60000);
  const gate = new TcpGate();
  let fresh: FreshDatabase | undefined;
  let s: TestServer | undefined;

  before(async function () {
    await needService(this, 'postgres');
    fresh = freshPostgresSchema();
    await gate.open();
    const toml = `[server]\nhot_deployment = false\n\n[user_store]\ntype = "database"\ndata_source = "UserDB"\n\n[[datasource]]\nid = "UserDB"\n` +
      `url = "jdbc:postgresql://127.0.0.1:${gate.port}/${POSTGRES.database}?currentSchema=${fresh.name}&sslmode=disable"\nusername = "${POSTGRES.user}"\npassword = ""\npool_options.maxWait = 2000\n`;
    s = await startTestServer(
      {
        'api/Open.xml': `<api ${SYN} name="Open" context="/open"><resource methods="GET"><inSequence><payloadFactory media-type="text"><format>open</format><args/></payloadFactory><respond/></inSequence></resource></api>`,
        'api/Secured.xml': apiWithHandlers('Secured', '/secured', `<handler class="${BASIC}"/>`, 'secret'),
        'local-entries/UTPlain.xml': UT_PLAIN,
        'local-entries/echo_wsdl.xml': ECHO_WSDL,
        'proxy-services/EchoUT.xml': echoProxy('EchoUT', 'UTPlain'),
      },
      toml,
    );
    await s.runtime.auth.writable!.addUser('dana', 'Dana-Pass-1', []);
    await s.runtime.auth.writable!.addUser('erin', 'Erin-Pass-1', []);
  });

  after(async () => {
    await s?.close();
    await gate.close();
    await fresh?.drop();
  });

  it('serves database users while the database answers', async () => {
    assert.equal((await get(`${s!.url}/secured/x`, basic('dana', 'Dana-Pass-1'))).text, 'secret');
  });

  it('fails closed with 503 and one log line, keeps serving open routes and cached users, and recovers by itself', async () => {
    await gate.close();
    try {
      assert.equal((await get(`${s!.url}/open`)).text, 'open', 'a route without authentication keeps serving');
      const r = await get(`${s!.url}/secured/x`, basic('erin', 'Erin-Pass-1'));
      assert.equal(r.status, 503);
      assert.match(r.text, /MI_AUTH_001/);
      const soap = await post(`${s!.url}/services/EchoUT`, utRequest('erin', 'Erin-Pass-1'), { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:echo' });
      assert.equal(soap.status, 503);
      assert.match(soap.text, /Fault/);
      assert.doesNotMatch(soap.text, /Erin-Pass-1/);
      assert.equal((await get(`${s!.url}/secured/x`, basic('dana', 'Dana-Pass-1'))).status, 200, 'an answer already cached still counts');
      const outage = s!.logLines.filter((l) => l.message.includes('MI_AUTH_001'));
      assert.equal(outage.length, 1, 'one line per outage, not one per request');
      assert.match(outage[0]!.message, /cannot be reached .*refused|cannot be reached .*connect/i);
      assert.ok(!s!.logLines.some((l) => l.message.includes('Erin-Pass-1') || l.message.includes('Dana-Pass-1')));
    } finally {
      await gate.open();
    }
    assert.equal((await get(`${s!.url}/secured/x`, basic('erin', 'Erin-Pass-1'))).text, 'secret', 'back without a restart');
    const soap = await post(`${s!.url}/services/EchoUT`, utRequest('erin', 'Erin-Pass-1'), { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:echo' });
    assert.equal(soap.status, 200);
    assert.match(soap.text, /<e:user>erin<\/e:user>/);
  });
});
