/**
 * The wsse:Security header as attackers and odd clients write it, sent raw over HTTP (the policy here has
 * no transport binding): every malformed header gets the WS-Security fault it deserves, nothing crashes,
 * and well-formed variations (comments, CDATA, entities, mustUnderstand, other actors) are read right.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { post, rawRequest, startBackend, startTestServer, SYN, type Backend, type TestServer } from '../../helpers/server.js';
import { ECHO_WSDL, echoProxy, PASSWORD_DIGEST, PASSWORD_TEXT, UT_PLAIN, WSSE, WSU } from './fixtures.js';

const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const CAROL_PASSWORD = 'c&rol<pa"ss>9';

const TOML = `[server]\nhot_deployment = false\n
[[internal_apis.users]]\nuser.name = "alice"\nuser.password = "alice-Pass-1234"\nuser.roles = ["admin"]\n
[[internal_apis.users]]\nuser.name = "carol"\nuser.password = ${JSON.stringify(CAROL_PASSWORD)}\nuser.roles = ["admin"]\n`;

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function iso(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

interface Token {
  user?: string;
  password?: string;
  type?: string;
  nonce?: string;
  created?: string;
}

function token(t: Token = {}): string {
  const type = t.type === undefined ? PASSWORD_TEXT : t.type;
  return (
    `<wsse:UsernameToken><wsse:Username>${t.user ?? 'alice'}</wsse:Username>` +
    `<wsse:Password${type ? ` Type="${type}"` : ''}>${escape(t.password ?? 'alice-Pass-1234')}</wsse:Password>` +
    (t.nonce !== undefined ? `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${t.nonce}</wsse:Nonce>` : '') +
    (t.created !== undefined ? `<wsu:Created>${t.created}</wsu:Created>` : '') +
    `</wsse:UsernameToken>`
  );
}

function digestToken(user: string, password: string, nonce = randomBytes(16), created = iso()): string {
  const digest = createHash('sha1').update(nonce).update(created).update(password).digest('base64');
  return token({ user, password: digest, type: PASSWORD_DIGEST, nonce: nonce.toString('base64'), created });
}

function security(inner: string, attrs = '', ns = WSSE): string {
  return `<wsse:Security xmlns:wsse="${ns}" xmlns:wsu="${WSU}"${attrs}>${inner}</wsse:Security>`;
}

function envelope(header: string, v: '1.1' | '1.2' = '1.1'): string {
  return `<soapenv:Envelope xmlns:soapenv="${v === '1.2' ? SOAP12 : SOAP11}"><soapenv:Header>${header}</soapenv:Header><soapenv:Body><e:echo xmlns:e="urn:test:echo"><e:text>raw</e:text></e:echo></soapenv:Body></soapenv:Envelope>`;
}

describe('WS-Security headers: malformed, hostile and unusual', function () {
  this.timeout(30_000);
  let s: TestServer;
  let backend: Backend;

  before(async () => {
    backend = await startBackend((_req, body, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(body);
    });
    const hashOnly = UT_PLAIN.replace('key="UTPlain"', 'key="UTDigestOnly"').replace('<sp:UsernameToken/>', '<sp:UsernameToken><wsp:Policy><sp:HashPassword/></wsp:Policy></sp:UsernameToken>');
    const layoutFirst = `<localEntry ${SYN} key="UTTsFirst"><wsp:Policy xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><sp:TransportBinding xmlns:sp="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"><wsp:Policy>
      <sp:TransportToken><wsp:Policy><sp:HttpsToken/></wsp:Policy></sp:TransportToken><sp:Layout><wsp:Policy><sp:LaxTsFirst/></wsp:Policy></sp:Layout><sp:IncludeTimestamp/></wsp:Policy></sp:TransportBinding></wsp:Policy></localEntry>`;
    s = await startTestServer(
      {
        'local-entries/UTPlain.xml': UT_PLAIN,
        'local-entries/UTDigestOnly.xml': hashOnly,
        'local-entries/UTTsFirst.xml': layoutFirst,
        'local-entries/echo_wsdl.xml': ECHO_WSDL,
        'proxy-services/Plain.xml': echoProxy('Plain', 'UTPlain'),
        'proxy-services/DigestOnly.xml': echoProxy('DigestOnly', 'UTDigestOnly'),
        'proxy-services/TsFirst.xml': echoProxy('TsFirst', 'UTTsFirst'),
        'local-entries/UTBridge.xml': UT_PLAIN.replace('key="UTPlain"', 'key="UTBridge"').replace('<wsp:Policy ', `<wsp:Policy xmlns:wsu="${WSU}" wsu:Id="UTOverTransport" `),
        'proxy-services/BridgeOn.xml': echoProxy('BridgeOn', 'UTBridge'),
        'proxy-services/BridgeOff.xml': echoProxy('BridgeOff', 'UTBridge', '<parameter name="enableBasicAuth">false</parameter>'),
        'proxy-services/Keep.xml': `<proxy ${SYN} name="Keep"><target><inSequence><log level="full"/></inSequence><endpoint><address uri="${backend.url}/keep"/></endpoint><outSequence><send/></outSequence></target>
          <parameter name="preserveSecurityHeader">true</parameter><policy key="UTPlain"/><enableSec/></proxy>`,
      },
      TOML,
    );
  });
  after(async () => {
    await s?.close();
    await backend?.close();
  });

  async function call(body: string, opts: { proxy?: string; contentType?: string } = {}): Promise<{ status: number; code?: string; reason?: string; text: string }> {
    const r = await post(`${s.url}/services/${opts.proxy ?? 'Plain'}`, body, { 'content-type': opts.contentType ?? 'text/xml' });
    const code = /<faultcode[^>]*>([^<]+)<\/faultcode>/.exec(r.text)?.[1] ?? /<soapenv:Subcode><soapenv:Value[^>]*>([^<]+)</.exec(r.text)?.[1];
    const reason = /<faultstring>([^<]+)<\/faultstring>/.exec(r.text)?.[1] ?? /<soapenv:Text[^>]*>([^<]+)</.exec(r.text)?.[1];
    return { status: r.status, code, reason, text: r.text };
  }

  async function expectFault(body: string, code: string, reason: RegExp, opts: { proxy?: string; contentType?: string } = {}): Promise<void> {
    const r = await call(body, opts);
    assert.equal(r.status, 500, r.text);
    assert.equal(r.code, code, r.text);
    assert.match(r.reason!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'").replace(/&quot;/g, '"'), reason);
  }

  it('a plain valid token is accepted and mediation sees no Security header', async () => {
    const r = await call(envelope(security(token())));
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<e:user>alice<\/e:user>.*<e:securityHeaders>0<\/e:securityHeaders>/);
  });

  it('reads entities, CDATA, comments and processing instructions in the header as XML says', async () => {
    const tricky = `<!-- before --><?pi x?>${security(`<!-- c --><wsse:UsernameToken><wsse:Username><![CDATA[car]]>ol</wsse:Username><wsse:Password Type="${PASSWORD_TEXT}">c&amp;rol&lt;pa&quot;ss&#62;&#x39;</wsse:Password></wsse:UsernameToken>`)}`;
    const r = await call(envelope(tricky));
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /<e:user>carol<\/e:user>/);
  });

  it('honours mustUnderstand in SOAP 1.1 ("1") and SOAP 1.2 ("true"), and refuses values neither allows', async () => {
    assert.equal((await call(envelope(security(token(), ` soapenv:mustUnderstand="1"`)))).status, 200);
    const r12 = await call(envelope(security(token(), ` soapenv:mustUnderstand="true"`), '1.2'), { contentType: 'application/soap+xml' });
    assert.equal(r12.status, 200, r12.text);
    await expectFault(envelope(security(token(), ` soapenv:mustUnderstand="yes"`)), 'wsse:InvalidSecurity', /mustUnderstand must be 1 or 0/);
  });

  it('answers SOAP 1.2 requests with SOAP 1.2 faults', async () => {
    const r = await call(envelope(security(token({ password: 'wrong-one-1' })), '1.2'), { contentType: 'application/soap+xml' });
    assert.equal(r.status, 500);
    assert.equal(r.code, 'wsse:FailedAuthentication');
    assert.match(r.text, /^<soapenv:Envelope xmlns:soapenv="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope">/);
  });

  it('duplicate tokens and duplicate headers are refused', async () => {
    await expectFault(envelope(security(token() + token())), 'wsse:InvalidSecurity', /more than one wsse:UsernameToken/);
    await expectFault(envelope(security(token()) + security(token())), 'wsse:InvalidSecurity', /more than one wsse:Security header/);
    await expectFault(envelope(security(`<wsse:UsernameToken><wsse:Username>alice</wsse:Username><wsse:Username>bob</wsse:Username><wsse:Password>x</wsse:Password></wsse:UsernameToken>`)), 'wsse:InvalidSecurityToken', /more than one Username/);
  });

  it('a header for another actor is left alone: this receiver finds none', async () => {
    await expectFault(envelope(security(token(), ` soapenv:actor="urn:someone-else"`)), 'wsse:InvalidSecurity', /Missing wsse:Security header/);
  });

  it('wrong namespaces are refused, not skipped', async () => {
    await expectFault(envelope(security(token(), '', 'http://schemas.xmlsoap.org/ws/2002/07/secext')), 'wsse:InvalidSecurity', /must be in the namespace/);
    await expectFault(envelope(security(`<u:UsernameToken xmlns:u="urn:not-wsse"><u:Username>alice</u:Username></u:UsernameToken>`)), 'wsse:InvalidSecurity', /<UsernameToken> must be in the namespace/);
    await expectFault(envelope(security(token().replace('<wsse:Username>', '<x:Username xmlns:x="urn:x">').replace('</wsse:Username>', '</x:Username>'))), 'wsse:InvalidSecurityToken', /<x:Username> is not allowed/);
  });

  it('huge, empty or non-Base64 nonces and digests are refused before any decoding', async () => {
    await expectFault(envelope(security(token({ nonce: 'A'.repeat(20_000), created: iso() }))), 'wsse:InvalidSecurityToken', /Nonce is longer than 128/);
    await expectFault(envelope(security(token({ nonce: 'not base64!', created: iso() }))), 'wsse:InvalidSecurityToken', /Nonce is not Base64/);
    await expectFault(envelope(security(token({ nonce: '', created: iso() }))), 'wsse:InvalidSecurityToken', /Nonce is not Base64/);
    await expectFault(envelope(security(token({ type: PASSWORD_DIGEST, password: '%%%', nonce: 'AAAA', created: iso() }))), 'wsse:InvalidSecurityToken', /PasswordDigest is not Base64/);
    await expectFault(envelope(security(token({ nonce: 'AAAA' }))), 'wsse:InvalidSecurityToken', /Nonce needs a Created/);
  });

  it('unsupported password types, missing parts and unsupported elements', async () => {
    await expectFault(envelope(security(token({ type: 'urn:custom#Plain' }))), 'wsse:InvalidSecurityToken', /PasswordText or PasswordDigest/);
    await expectFault(envelope(security(`<wsse:UsernameToken><wsse:Username>alice</wsse:Username></wsse:UsernameToken>`)), 'wsse:InvalidSecurityToken', /no Password/);
    await expectFault(envelope(security(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>`)), 'wsse:InvalidSecurity', /<ds:Signature> is not supported/);
    await expectFault(envelope(security('')), 'wsse:InvalidSecurity', /requires a wsse:UsernameToken/);
  });

  it('malformed XML in the header is a fault, never a crash', async () => {
    await expectFault(envelope(security('<wsse:UsernameToken><wsse:Username>alice</wsse:UsernameToken>')), 'wsse:InvalidSecurity', /not well-formed: <\/wsse:UsernameToken> closes <wsse:Username>/);
    await expectFault(envelope(security('<q:UsernameToken/>')), 'wsse:InvalidSecurity', /prefix 'q' .* is not declared/);
    await expectFault(envelope(security(token()).replace('alice', 'al&bogus;ice')), 'wsse:InvalidSecurity', /unknown entity/);
    await expectFault(`<!DOCTYPE x [<!ENTITY a "b">]>${envelope(security(token()))}`, 'wsse:InvalidSecurity', /DOCTYPE/);
    await expectFault(envelope(security(token())).slice(0, 200), 'wsse:InvalidSecurity', /not well-formed/);
    const deep = '<a>'.repeat(500) + '</a>'.repeat(500);
    await expectFault(envelope(deep + security(token())), 'wsse:InvalidSecurity', /nesting deeper than/);
  });

  it('token and timestamp freshness: Created in the future or too old is wsse:MessageExpired', async () => {
    await expectFault(envelope(security(digestToken('alice', 'alice-Pass-1234', randomBytes(16), iso(10 * 60_000)))), 'wsse:MessageExpired', /Created is in the future/);
    // nonceLifeTime 300 s + timestampMaxSkew 60 s (the policy's RampartConfig) bound a token with a nonce
    await expectFault(envelope(security(digestToken('alice', 'alice-Pass-1234', randomBytes(16), iso(-7 * 60_000)))), 'wsse:MessageExpired', /older than the policy allows/);
    assert.equal((await call(envelope(security(digestToken('alice', 'alice-Pass-1234', randomBytes(16), iso(-5 * 60_000)))))).status, 200);
    assert.equal((await call(envelope(security(digestToken('alice', 'alice-Pass-1234', randomBytes(16), iso(50_000)))))).status, 200, 'within the skew');
    const ts = (created: string, expires: string) => `<wsu:Timestamp><wsu:Created>${created}</wsu:Created><wsu:Expires>${expires}</wsu:Expires></wsu:Timestamp>`;
    await expectFault(envelope(security(ts(iso(-20 * 60_000), iso(-15 * 60_000)) + token())), 'wsse:MessageExpired', /has expired/);
    await expectFault(envelope(security(ts(iso(), iso(-60_000)) + token())), 'wsse:InvalidSecurity', /Expires is before its Created/);
    await expectFault(envelope(security(ts('2024-01-01T10:00:00', iso()) + token())), 'wsse:InvalidSecurity', /not a valid dateTime/);
    // +00:00 offsets (zeep) and Z (soap) are the same instant
    assert.equal((await call(envelope(security(ts(iso().replace('Z', '+00:00'), iso(60_000)) + token())))).status, 200);
  });

  it('a digest from a known user passes once; its replay is refused', async () => {
    const body = envelope(security(digestToken('alice', 'alice-Pass-1234')));
    assert.equal((await call(body)).status, 200);
    await expectFault(body, 'wsse:InvalidSecurity', /Nonce was already used/);
  });

  it('database users: PasswordText works; a PasswordDigest fails like any digest, and the log explains why', async () => {
    await s.runtime.auth.writable!.addUser('dave', 'dave-Pass-1357', ['admin']);
    const text = await call(envelope(security(token({ user: 'dave', password: 'dave-Pass-1357' }))));
    assert.equal(text.status, 200, text.text);
    assert.match(text.text, /<e:user>dave<\/e:user>/);
    const digest = await call(envelope(security(digestToken('dave', 'dave-Pass-1357'))));
    const unknown = await call(envelope(security(digestToken('nobody', 'dave-Pass-1357'))));
    assert.equal(digest.code, 'wsse:FailedAuthentication');
    assert.match(digest.reason!, /PasswordDigest works only for users whose password the server knows/);
    assert.equal(unknown.reason, digest.reason, 'the fault does not tell a database user from an unknown one');
    assert.ok(s.logLines.some((l) => /MI_WSS_010 .*user 'dave' sent a PasswordDigest, but database users' passwords are stored hashed/.test(l.message)));
    assert.ok(!s.logLines.some((l) => /MI_WSS_010 .*'nobody'/.test(l.message)));
  });

  it('sp:HashPassword refuses PasswordText; a WS-SecurityPolicy 1.2 HttpsToken refuses plain HTTP', async () => {
    await expectFault(envelope(security(token())), 'wsse:InvalidSecurity', /requires a PasswordDigest/, { proxy: 'DigestOnly' });
    assert.equal((await call(envelope(security(digestToken('alice', 'alice-Pass-1234'))), { proxy: 'DigestOnly' })).status, 200);
    await expectFault(envelope(security(token())), 'wsse:InvalidSecurity', /Expected transport is "https"/, { proxy: 'TsFirst' });
  });

  it('a POX or JSON request to a secured proxy without credentials is refused', async () => {
    await expectFault('<e:echo xmlns:e="urn:test:echo"><e:text>pox</e:text></e:echo>', 'wsse:InvalidSecurity', /Missing wsse:Security header/, { contentType: 'application/xml' });
    const r = await rawRequest(`${s.url}/services/Plain`, { headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal(r.status, 500);
    assert.match(r.text, /wsse:InvalidSecurity/);
  });

  it('Basic bridge: REST callers get a bare 401; enableBasicAuth=false answers faults instead but still uses credentials', async () => {
    const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    const pox = '<e:echo xmlns:e="urn:test:echo"><e:text>pox</e:text></e:echo>';
    const rest = await rawRequest(`${s.url}/services/BridgeOn`, { headers: { 'content-type': 'application/xml', authorization: basic('alice', 'wrong-Pass-11') }, body: pox });
    assert.equal(rest.status, 401);
    assert.equal(rest.headers['www-authenticate'], 'BASIC realm="WSO2 Micro Integrator"');
    assert.equal(rest.text, '');
    const ok = await rawRequest(`${s.url}/services/BridgeOn`, { headers: { 'content-type': 'application/xml', authorization: basic('alice', 'alice-Pass-1234') }, body: pox });
    assert.equal(ok.status, 200);
    assert.match(ok.text, /<e:user>alice<\/e:user>/);
    const bare = envelope('');
    await expectFault(bare, 'wsse:InvalidSecurity', /Missing wsse:Security header/, { proxy: 'BridgeOff' });
    const wrong = await rawRequest(`${s.url}/services/BridgeOff`, { headers: { 'content-type': 'text/xml', authorization: basic('alice', 'wrong-Pass-11') }, body: bare });
    assert.equal(wrong.status, 500);
    assert.match(wrong.text, /wsse:FailedAuthentication/);
    const right = await rawRequest(`${s.url}/services/BridgeOff`, { headers: { 'content-type': 'text/xml', authorization: basic('alice', 'alice-Pass-1234') }, body: bare });
    assert.equal(right.status, 200);
  });

  it("preserveSecurityHeader: the backend gets the header, and the password is masked where the request's message is logged", async () => {
    const r = await call(envelope(security(token({ user: 'carol', password: CAROL_PASSWORD }))), { proxy: 'Keep' });
    assert.equal(r.status, 200, r.text);
    assert.match(backend.requests.at(-1)!.body, /<wsse:Security /);
    const logged = s.logLines.filter((l) => l.message.startsWith('{proxy:Keep}')).map((l) => l.message);
    assert.ok(logged.some((l) => /Envelope: .*<wsse:Password[^>]*>\*\*\*\*\*</.test(l)), logged.join('\n'));
    assert.ok(!logged.some((l) => l.includes(CAROL_PASSWORD)));
  });

  it('log lines name the code and the user, never a password, nonce or digest', async () => {
    const nonce = randomBytes(16);
    await call(envelope(security(digestToken('alice', 'not-the-password', nonce))));
    await call(envelope(security(token({ password: 'Wrong-Secret-77' }))));
    const lines = s.logLines.map((l) => l.message).join('\n');
    assert.match(lines, /MI_WSS_004  \{proxy:Plain\} request refused: PasswordDigest for 'alice' not verified/);
    assert.match(lines, /MI_WSS_004  \{proxy:Plain\} request refused: wrong password or unknown user 'alice'/);
    for (const secret of ['Wrong-Secret-77', 'alice-Pass-1234', nonce.toString('base64'), CAROL_PASSWORD]) assert.ok(!lines.includes(secret), `leaked ${secret}`);
  });
});
