/**
 * WS-Security UsernameToken on proxy services with two independent real clients over HTTPS: the `soap`
 * package's WSSecurity and Python zeep (Debian's python3-zeep), against Micro Integrator's own
 * UTOverTransport policy (roles admin, sys-admin; timestamp required) and a variant without timestamp.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import https from 'node:https';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import soap from 'soap';
import { Agent, fetch } from 'undici';
import { ECHO_WSDL, echoProxy, makeTls, MI_UT_POLICY_ENTRY, ROOT, startSecured, USERS, UT_HTTPS_NO_TIMESTAMP, type SecuredServer, type Tls } from './fixtures.js';
import { startBackend, SYN, type Backend } from '../../helpers/server.js';

const run = promisify(execFile);
const ZEEP = path.join(ROOT, 'test/security/ws-security/zeep-client.py');

interface EchoResult {
  user: string;
  roles: string;
  text: string;
  securityHeaders: string;
  axis2User: string;
}

describe('WS-Security UsernameToken with real SOAP clients over HTTPS', function () {
  this.timeout(60_000);
  let tls: Tls;
  let s: SecuredServer;
  let backend: Backend;
  let agent: https.Agent;

  before(async () => {
    tls = makeTls();
    agent = new https.Agent({ ca: readFileSync(tls.ca), keepAlive: true });
    backend = await startBackend();
    s = await startSecured(tls, {
      'local-entries/UTResponseCode401UTauthFailureLE.xml': MI_UT_POLICY_ENTRY,
      'local-entries/UTNoTimestamp.xml': UT_HTTPS_NO_TIMESTAMP,
      'local-entries/echo_wsdl.xml': ECHO_WSDL,
      'proxy-services/EchoUT.xml': echoProxy('EchoUT', 'UTResponseCode401UTauthFailureLE'),
      'proxy-services/EchoNoTs.xml': echoProxy('EchoNoTs', 'UTNoTimestamp'),
      'proxy-services/ForwardUT.xml': `<proxy ${SYN} name="ForwardUT" transports="https"><target><endpoint><address uri="${backend.url}/echo"/></endpoint><outSequence><send/></outSequence></target>
        <publishWSDL key="echo_wsdl"/><policy key="UTNoTimestamp"/><enableSec/></proxy>`,
    });
  });
  after(async () => {
    agent.destroy();
    await s?.server.stop();
    await backend?.close();
  });

  async function soapClient(proxy: string, security?: soap.ISecurity, opts: { soap12?: boolean; base?: string } = {}): Promise<soap.Client> {
    const client = await soap.createClientAsync(`${s.https}/services/${proxy}?wsdl`, { wsdl_options: { httpsAgent: agent }, forceSoap12Headers: opts.soap12 });
    client.setEndpoint(`${opts.base ?? s.https}/services/${proxy}`);
    if (security) client.setSecurity(security);
    return client;
  }

  /** Calls echo; resolves the response or the fault (code, reason) and HTTP status. */
  async function echo(client: soap.Client): Promise<{ ok?: EchoResult; status?: number; code?: string; reason?: string; body?: string }> {
    try {
      const [r] = await client.echoAsync({ text: 'hello' }, { httpsAgent: agent });
      return { ok: r as EchoResult };
    } catch (err) {
      const e = err as { response?: { status: number; data: string }; root?: { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } };
      const fault = e.root?.Envelope?.Body?.Fault;
      const body = typeof e.response?.data === 'string' ? e.response.data : '';
      const code = fault ? String(fault['faultcode'] ?? JSON.stringify(fault['Code'])) : undefined;
      const reason = fault ? String(fault['faultstring'] ?? JSON.stringify(fault['Reason'])) : undefined;
      return { status: e.response?.status, code, reason, body };
    }
  }

  const ut = (user: string, password: string, o: Partial<{ digest: boolean; ts: boolean; nonce: boolean; mu: boolean }> = {}): soap.WSSecurity =>
    new soap.WSSecurity(user, password, { passwordType: o.digest ? 'PasswordDigest' : 'PasswordText', hasTimeStamp: o.ts ?? true, hasNonce: o.nonce, mustUnderstand: o.mu });

  describe('soap package WSSecurity', () => {
    it('PasswordText with timestamp: the user and roles reach mediation, the header does not', async () => {
      const r = await echo(await soapClient('EchoUT', ut('alice', USERS.alice.password, { mu: true })));
      assert.deepEqual(r.ok, { user: 'alice', roles: 'admin', text: 'hello', securityHeaders: '0', axis2User: 'alice' });
    });

    it('PasswordDigest with timestamp (file user: the server knows the password)', async () => {
      const r = await echo(await soapClient('EchoUT', ut('alice', USERS.alice.password, { digest: true })));
      assert.equal(r.ok?.user, 'alice');
    });

    it('PasswordText and PasswordDigest without timestamp where the policy does not ask for one', async () => {
      assert.equal((await echo(await soapClient('EchoNoTs', ut('bob', USERS.bob.password, { ts: false })))).ok?.user, 'bob');
      assert.equal((await echo(await soapClient('EchoNoTs', ut('bob', USERS.bob.password, { ts: false, digest: true })))).ok?.user, 'bob');
    });

    it('without timestamp where IncludeTimestamp asks for one: wsse:InvalidSecurity, HTTP 500', async () => {
      const r = await echo(await soapClient('EchoUT', ut('alice', USERS.alice.password, { ts: false })));
      assert.equal(r.status, 500);
      assert.equal(r.code, 'wsse:InvalidSecurity');
      assert.match(r.reason!, /requires a wsu:Timestamp/);
    });

    it('wrong password and unknown user get the same wsse:FailedAuthentication fault', async () => {
      const wrong = await echo(await soapClient('EchoUT', ut('alice', 'not-her-password')));
      const unknown = await echo(await soapClient('EchoUT', ut('mallory', 'whatever-1234')));
      assert.equal(wrong.status, 500);
      assert.equal(wrong.code, 'wsse:FailedAuthentication');
      assert.equal(wrong.reason, 'The security token could not be authenticated or authorized');
      assert.deepEqual({ ...unknown, body: undefined }, { ...wrong, body: undefined });
    });

    it('a user without an allowed role (CarbonSecConfig admin,sys-admin) is refused like a wrong password', async () => {
      const r = await echo(await soapClient('EchoUT', ut('bob', USERS.bob.password)));
      assert.equal(r.code, 'wsse:FailedAuthentication');
      assert.equal(r.reason, 'The security token could not be authenticated or authorized');
      assert.ok(s.logs.some((l) => /MI_WSS_004.*user 'bob' has none of the allowed roles \(admin, sys-admin\)/.test(l.message)));
    });

    it('SOAP 1.2: success, and faults carry wsse codes as Sender subcodes in application/soap+xml', async () => {
      assert.equal((await echo(await soapClient('EchoUT', ut('alice', USERS.alice.password), { soap12: true }))).ok?.user, 'alice');
      const r = await echo(await soapClient('EchoUT', ut('alice', 'wrong-password-1'), { soap12: true }));
      assert.equal(r.status, 500);
      assert.match(r.body!, /<soapenv:Envelope xmlns:soapenv="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope">/);
      assert.match(r.body!, /<soapenv:Value>soapenv:Sender<\/soapenv:Value><soapenv:Subcode><soapenv:Value xmlns:wsse="[^"]+">wsse:FailedAuthentication<\/soapenv:Value>/);
    });

    it('plain HTTP to a TransportBinding proxy is refused with a fault', async () => {
      const r = await echo(await soapClient('EchoUT', ut('alice', USERS.alice.password), { base: s.http }));
      assert.equal(r.status, 500);
      assert.equal(r.code, 'wsse:InvalidSecurity');
      assert.match(r.reason!, /Expected transport is "https"/);
    });

    it('a secured pass-through proxy sends the body on without the wsse:Security header', async () => {
      const client = await soapClient('ForwardUT', ut('alice', USERS.alice.password, { ts: false }));
      await client.echoAsync({ text: 'forwarded' }, { httpsAgent: agent }).catch(() => undefined); // the echo backend's reply is not an echoResponse
      const got = backend.requests.at(-1)!;
      assert.match(got.body, /<soap:Header><\/soap:Header><soap:Body><echo xmlns="urn:test:echo"><text>forwarded<\/text><\/echo><\/soap:Body>/);
      assert.doesNotMatch(got.body, /Security|UsernameToken|Password/);
    });

    it('never writes passwords into the log', async () => {
      await echo(await soapClient('EchoUT', ut('alice', 'a-wrong-Secret-99')));
      const all = s.logs.map((l) => l.message).join('\n');
      for (const secret of [USERS.alice.password, USERS.bob.password, 'a-wrong-Secret-99']) assert.ok(!all.includes(secret), 'a password reached the log');
    });
  });

  describe('Micro Integrator Basic-auth bridge (UTOverTransport)', () => {
    const call = (proxy: string, headers: Record<string, string>) =>
      fetch(`${s.https}/services/${proxy}`, {
        method: 'POST',
        dispatcher: new Agent({ connect: { ca: readFileSync(tls.ca) } }),
        headers: { 'content-type': 'text/xml', soapaction: 'urn:echo', ...headers },
        body: '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><e:echo xmlns:e="urn:test:echo"><e:text>basic</e:text></e:echo></soapenv:Body></soapenv:Envelope>',
      });
    const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

    it('Authorization: Basic is authenticated as a PasswordText token', async () => {
      const r = await call('EchoUT', basic('alice', USERS.alice.password));
      assert.equal(r.status, 200);
      assert.match(await r.text(), /<e:user>alice<\/e:user>/);
    });

    it('no header and no credentials: 401 with WWW-Authenticate: BASIC realm', async () => {
      const r = await call('EchoUT', {});
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'BASIC realm="WSO2 Micro Integrator"');
      assert.equal(await r.text(), '');
    });

    it('wrong Basic credentials: 401 with the challenge (Micro Integrator UTResponseCode401UTauthFailure)', async () => {
      const r = await call('EchoUT', basic('alice', 'wrong-password-2'));
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'BASIC realm="WSO2 Micro Integrator"');
      assert.match(await r.text(), /wsse:FailedAuthentication/);
    });

    it('a policy with another wsu:Id has no bridge: no header is a wsse:InvalidSecurity fault', async () => {
      const r = await call('EchoNoTs', basic('alice', USERS.alice.password));
      assert.equal(r.status, 500);
      assert.match(await r.text(), /Missing wsse:Security header in request/);
    });
  });

  describe('Python zeep (python3-zeep)', () => {
    async function zeep(cases: object[], binding = 'soap11', proxy = 'EchoUT'): Promise<{ ok?: EchoResult; fault?: { code: string; subcodes: string[]; message: string }; http?: number }[]> {
      const spec = { wsdl: `${s.https}/services/${proxy}?wsdl`, address: `${s.https}/services/${proxy}`, ca: tls.ca, binding, cases };
      const { stdout } = await run('/usr/bin/python3', [ZEEP, JSON.stringify(spec)], { timeout: 45_000 });
      return JSON.parse(stdout);
    }
    const alice = { user: 'alice', password: USERS.alice.password };

    it('PasswordText and PasswordDigest, with timestamp; failures as WS-Security faults; Basic bridge; no credentials', async () => {
      const r = await zeep([
        { ...alice, timestamp: 'fresh' },
        { ...alice, timestamp: 'fresh', digest: true },
        { user: 'alice', password: 'wrong-pass-123', timestamp: 'fresh' },
        { user: 'nobody', password: 'wrong-pass-123', timestamp: 'fresh', digest: true },
        { user: 'bob', password: USERS.bob.password, timestamp: 'fresh' },
        { ...alice, timestamp: 'expired' },
        { ...alice, basic: true },
        { anonymous: true },
      ]);
      assert.deepEqual(r[0], { ok: { user: 'alice', roles: 'admin', text: 'hello', securityHeaders: '0', axis2User: 'alice' } });
      assert.equal(r[1]!.ok?.user, 'alice');
      assert.equal(r[2]!.fault?.code, 'wsse:FailedAuthentication');
      assert.equal(r[2]!.fault?.message, 'The security token could not be authenticated or authorized');
      assert.equal(r[3]!.fault?.code, 'wsse:FailedAuthentication');
      assert.equal(r[4]!.fault?.code, 'wsse:FailedAuthentication');
      assert.equal(r[5]!.fault?.code, 'wsse:MessageExpired');
      assert.equal(r[6]!.ok?.user, 'alice');
      assert.deepEqual(r[7], { http: 401 });
    });

    it('PasswordText and PasswordDigest without timestamp, and a replayed nonce is refused', async () => {
      const bob = { user: 'bob', password: USERS.bob.password };
      const r = await zeep(
        [
          { ...bob },
          { ...bob, digest: true },
          { ...bob, digest: true, nonce: 'fixed-nonce-for-replay' },
          { ...bob, digest: true, nonce: 'fixed-nonce-for-replay' },
        ],
        'soap11',
        'EchoNoTs',
      );
      assert.equal(r[0]!.ok?.user, 'bob');
      assert.equal(r[1]!.ok?.user, 'bob');
      assert.equal(r[2]!.ok?.user, 'bob');
      assert.equal(r[3]!.fault?.code, 'wsse:InvalidSecurity');
      assert.match(r[3]!.fault!.message, /Nonce was already used/);
    });

    it('SOAP 1.2 binding: success and a fault with the wsse subcode', async () => {
      const r = await zeep([{ ...alice, timestamp: 'fresh', digest: true }, { user: 'alice', password: 'nope-nope-1', timestamp: 'fresh' }], 'soap12');
      assert.equal(r[0]!.ok?.user, 'alice');
      assert.equal(r[1]!.fault?.code, 'soapenv:Sender');
      assert.deepEqual(r[1]!.fault?.subcodes, [`{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}FailedAuthentication`]);
    });
  });
});
