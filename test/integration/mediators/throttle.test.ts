import assert from 'node:assert/strict';
import { startBackend, startTestServer, get, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const WSP = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:throttle="http://www.wso2.org/products/wso2commons/throttle"';
/** A MediatorThrottleAssertion with the given children (MaximumConcurrentAccess, caller policies). */
const policy = (inner: string) => `<wsp:Policy ${WSP}><throttle:MediatorThrottleAssertion>${inner}</throttle:MediatorThrottleAssertion></wsp:Policy>`;
const control = (id: string, type: string, max: number, unit: number, prohibit = '') => `<wsp:Policy><throttle:ID throttle:type="${type}">${id}</throttle:ID><wsp:Policy><throttle:Control><wsp:Policy>
  <throttle:MaximumCount>${max}</throttle:MaximumCount><throttle:UnitTime>${unit}</throttle:UnitTime>${prohibit ? `<throttle:ProhibitTimePeriod wsp:Optional="true">${prohibit}</throttle:ProhibitTimePeriod>` : ''}
  </wsp:Policy></throttle:Control></wsp:Policy></wsp:Policy>`;
const state = (id: string, type: string, s: 'Allow' | 'Deny') => `<wsp:Policy><throttle:ID throttle:type="${type}">${id}</throttle:ID><wsp:Policy><throttle:${s}/></wsp:Policy></wsp:Policy>`;

/** onReject as the MI samples write it: a SOAP fault... here a JSON answer with 429, then respond. */
const ON_REJECT = `<onReject><log level="custom"><property name="text" value="**Access Denied**"/></log>
  <payloadFactory media-type="json"><format>{"error":"throttled"}</format><args/></payloadFactory>
  <property name="HTTP_SC" value="429" scope="axis2"/><respond/></onReject>`;
const ON_ACCEPT = (backend: string) => `<onAccept><call><endpoint><address uri="${backend}"/></endpoint></call><respond/></onAccept>`;
const api = (name: string, throttle: string) =>
  `<api ${SYN} name="${name}" context="/${name.toLowerCase()}"><resource methods="GET" url-mapping="/*"><inSequence>${throttle}</inSequence></resource></api>`;

describe('throttle mediator over HTTP', function () {
  this.timeout(60_000);
  let s: TestServer;
  let backend: Backend;
  let slow: Backend;
  let release: (() => void) | undefined;
  before(async () => {
    backend = await startBackend((_req, _b, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    slow = await startBackend((_req, _b, res) => {
      const done = () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"slow":true}');
      };
      release = done;
    });
    const b = backend.url;
    s = await startTestServer({
      'api/Rate.xml': api('Rate', `<throttle id="A"><policy>${policy(control('other', 'IP', 2, 60000))}</policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/RateKeys.xml': api('RateKeys', `<throttle id="B" onAccept="accepted" onReject="rejected"><policy key="throttlePolicy"/></throttle>`),
      'local-entries/throttlePolicy.xml': `<localEntry ${SYN} key="throttlePolicy">${policy(control('other', 'IP', 1, 60000))}</localEntry>`,
      'sequences/accepted.xml': `<sequence ${SYN} name="accepted"><payloadFactory media-type="json"><format>{"accepted":true}</format><args/></payloadFactory><respond/></sequence>`,
      'sequences/rejected.xml': `<sequence ${SYN} name="rejected"><payloadFactory media-type="json"><format>{"accepted":false}</format><args/></payloadFactory><property name="HTTP_SC" value="503" scope="axis2"/><respond/></sequence>`,
      'api/Deny.xml': api('Deny', `<throttle id="C"><policy>${policy(state('127.0.0.1', 'IP', 'Deny') + control('other', 'IP', 100, 60000))}</policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/AllowMe.xml': api('AllowMe', `<throttle id="D"><policy>${policy(state('127.0.0.*', 'IP', 'Allow') + control('other', 'IP', 0, 60000))}</policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/Range.xml': api('Range', `<throttle id="E"><policy>${policy(control('10.0.0.1-10.0.0.20', 'IP', 1, 60000) + control('other', 'IP', 100, 60000))}</policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/Window.xml': api('Window', `<throttle id="F"><policy>${policy(control('other', 'IP', 1, 3000))}</policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/Domain.xml': api('Domain', `<throttle id="G"><policy>${policy(control('*.example.com', 'DOMAIN', 1, 60000) + control('other', 'IP', 100, 60000))}</policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/Conc.xml': api('Conc', `<throttle id="H"><policy>${policy(`<throttle:MaximumConcurrentAccess>1</throttle:MaximumConcurrentAccess>`)}</policy><onAccept><call><endpoint><address uri="${slow.url}"/></endpoint></call><respond/></onAccept>${ON_REJECT}</throttle>`),
      'api/NoReject.xml': api('NoReject', `<throttle id="I"><policy>${policy(control('other', 'IP', 1, 60000))}</policy></throttle><call><endpoint><address uri="${b}"/></endpoint></call><respond/>`),
      'api/Legacy.xml': api('Legacy', `<throttle id="J"><policy><wsp:Policy ${WSP}><throttle:ThrottleAssertion><wsp:All><throttle:ID throttle:type="IP">other</throttle:ID><wsp:ExactlyOne><wsp:All>
          <throttle:MaximumCount>1</throttle:MaximumCount><throttle:UnitTime>60000</throttle:UnitTime><throttle:ProhibitTimePeriod wsp:Optional="true">1000</throttle:ProhibitTimePeriod>
          </wsp:All><throttle:IsAllow>true</throttle:IsAllow></wsp:ExactlyOne></wsp:All></throttle:ThrottleAssertion></wsp:Policy></policy>${ON_ACCEPT(b)}${ON_REJECT}</throttle>`),
      'api/BadPolicy.xml': api('BadPolicy', `<throttle id="K"><policy>${policy('<wsp:Policy><throttle:ID throttle:type="IP">other</throttle:ID><wsp:Policy><throttle:Control><wsp:Policy><throttle:MaximumCount>1</throttle:MaximumCount><throttle:UnitTime>0</throttle:UnitTime></wsp:Policy></throttle:Control></wsp:Policy></wsp:Policy>')}</policy></throttle>`),
      'api/BadType.xml': api('BadType', `<throttle id="L"><policy>${policy(control('other', 'USER', 1, 1000))}</policy></throttle>`),
      'api/NoId.xml': api('NoId', `<throttle><policy>${policy(control('other', 'IP', 1, 1000))}</policy></throttle>`),
    });
  });
  after(async () => {
    release?.();
    await s.close();
    await backend.close();
    await slow.close();
  });

  it('lets MaximumCount requests through in a unit time, then runs onReject (its status and body reach the client)', async () => {
    const before = backend.requests.length;
    const r = [await get(`${s.url}/rate/x`), await get(`${s.url}/rate/x`), await get(`${s.url}/rate/x`)];
    assert.deepEqual(r.map((x) => x.status), [200, 200, 429]);
    assert.equal(r[2]!.text, '{"error":"throttled"}');
    assert.equal(backend.requests.length - before, 2, 'the rejected request never reached the backend');
    const logged = s.logLines.map((l) => `${l.name} ${l.message}`).join('\n');
    assert.match(logged, /org\.apache\.synapse\.commons\.throttle\.core\.AccessRateController You cannot access this service since you have exceeded the allocated quota\./);
    assert.match(logged, /\*\*Access Denied\*\*/);
  });

  it('reads a policy from a local entry, and onAccept/onReject sequences named by key', async () => {
    const a = await get(`${s.url}/ratekeys/x`);
    const b = await get(`${s.url}/ratekeys/x`);
    assert.equal(a.text, '{"accepted":true}');
    assert.equal(b.status, 503);
    assert.equal(b.text, '{"accepted":false}');
  });

  it('refuses a denied IP at once (throttle:Deny)', async () => {
    const r = await get(`${s.url}/deny/x`);
    assert.equal(r.status, 429);
    assert.match(s.logLines.map((l) => l.message).join('\n'), /You cannot access this service since you have been prohibited permanently\./);
  });

  it('lets an allowed network through although `other` allows nothing (throttle:Allow, a.b.c.*)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(`${s.url}/allowme/x`)).status, 200);
  });

  it('applies a range entry to the addresses X-Forwarded-For names, sharing its count, and `other` to the rest', async () => {
    assert.equal((await get(`${s.url}/range/x`, { 'x-forwarded-for': '10.0.0.5' })).status, 200);
    assert.equal((await get(`${s.url}/range/x`, { 'x-forwarded-for': '10.0.0.9' })).status, 429, 'the range shares one count');
    assert.equal((await get(`${s.url}/range/x`, { 'x-forwarded-for': '10.0.0.30' })).status, 200, 'outside the range: other');
    assert.equal((await get(`${s.url}/range/x`)).status, 200);
  });

  it('applies a DOMAIN entry to X-Forwarded-Host (*.example.com), before the IP entries', async () => {
    assert.equal((await get(`${s.url}/domain/x`, { 'x-forwarded-host': 'api.example.com' })).status, 200);
    assert.equal((await get(`${s.url}/domain/x`, { 'x-forwarded-host': 'www.example.com' })).status, 429);
    assert.equal((await get(`${s.url}/domain/x`, { 'x-forwarded-host': 'example.org' })).status, 200, 'no domain entry: the IP entry');
  });

  it('opens a new window after UnitTime', async () => {
    assert.equal((await get(`${s.url}/window/x`)).status, 200);
    assert.equal((await get(`${s.url}/window/x`)).status, 429);
    await new Promise((r) => setTimeout(r, 3200));
    assert.equal((await get(`${s.url}/window/x`)).status, 200);
  });

  it('the older ThrottleAssertion form: the first alternative, and ProhibitTimePeriod', async () => {
    assert.equal((await get(`${s.url}/legacy/x`)).status, 200);
    assert.equal((await get(`${s.url}/legacy/x`)).status, 429);
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal((await get(`${s.url}/legacy/x`)).status, 200, 'the prohibit period (1 s) ended before the unit time (60 s)');
  });

  it('limits MaximumConcurrentAccess until the exchange ends', async () => {
    const first = get(`${s.url}/conc/x`);
    for (let i = 0; i < 100 && !release; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(release, 'the first request reached the slow backend');
    const second = await get(`${s.url}/conc/x`);
    assert.equal(second.status, 429, 'one place, taken');
    release!();
    release = undefined;
    assert.equal((await first).status, 200);
    const third = get(`${s.url}/conc/x`);
    for (let i = 0; i < 100 && !release; i++) await new Promise((r) => setTimeout(r, 20));
    release!();
    release = undefined;
    assert.equal((await third).status, 200, 'the place was given back when the first exchange ended');
  });

  it('without onReject, stops the flow: nothing is sent to the backend and the client gets 202', async () => {
    const before = backend.requests.length;
    assert.equal((await get(`${s.url}/noreject/x`)).status, 200);
    assert.equal((await get(`${s.url}/noreject/x`)).status, 202);
    assert.equal(backend.requests.length - before, 1);
  });

  it('refuses at deploy a policy Synapse refuses (MI_ART_061), and a throttle without id', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /BadPolicy\.xml:\d+:\d+.*MI_ART_061.*Unit Time cannot find - invalid throttle policy configuration/);
    assert.match(logged, /BadType\.xml:\d+:\d+.*MI_ART_061.*Unsupported throttle type : USER/);
    assert.match(logged, /NoId\.xml:\d+:\d+.*MI_ART_006.*Idy attribute must have defined/);
  });
});
