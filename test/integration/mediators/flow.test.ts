import assert from 'node:assert/strict';
import { startBackend, startTestServer, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const ORDER = soap11('<order><symbol>IBM</symbol></order>');
const LOGGER = 'org.apache.synapse.mediators.builtin.LogMediator';

/** POST that fails instead of hanging when the runtime never answers. */
async function postWithin(url: string, body: string, ms = 3000, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml', ...headers }, signal: AbortSignal.timeout(ms) });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

describe('respond, drop, loopback, sequence and in/out over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    s = await startTestServer({
      'endpoints/Backend.xml': `<endpoint ${SYN} name="Backend"><address uri="${backend.url}/flow"/></endpoint>`,
      'proxy-services/Respond.xml': `<proxy ${SYN} name="Respond"><target><inSequence>
          <payloadFactory media-type="xml"><format><answer xmlns="">early</answer></format><args/></payloadFactory>
          <respond/>
          <log level="custom"><property name="after" value="respond"/></log>
        </inSequence><endpoint key="Backend"/></target></proxy>`,
      'proxy-services/Drop.xml': `<proxy ${SYN} name="Drop"><target><inSequence>
          <drop/>
          <log level="custom"><property name="after" value="drop"/></log>
        </inSequence><endpoint key="Backend"/></target></proxy>`,
      'proxy-services/Loopback.xml': `<proxy ${SYN} name="Loopback"><target>
          <inSequence>
            <payloadFactory media-type="xml"><format><looped xmlns="">$1</looped></format><args><arg expression="//symbol"/></args></payloadFactory>
            <loopback/>
            <property name="X-After-Loopback" value="ran" scope="transport"/>
          </inSequence>
          <outSequence><property name="X-Out" value="out-ran" scope="transport"/><send/></outSequence>
          <endpoint key="Backend"/></target></proxy>`,
      'sequences/SetA.xml': `<sequence ${SYN} name="SetA"><property name="picked" value="A"/></sequence>`,
      'sequences/SetB.xml': `<sequence ${SYN} name="SetB"><property name="picked" value="B"/></sequence>`,
      'sequences/Failing.xml': `<sequence ${SYN} name="Failing" onError="OnFailing"><property name="n" expression="//symbol" type="INTEGER"/></sequence>`,
      'sequences/OnFailing.xml': `<sequence ${SYN} name="OnFailing">
          <payloadFactory media-type="json"><format>{"handled":"$1","code":"$2"}</format><args><arg expression="get-property('ERROR_MESSAGE')"/><arg expression="get-property('ERROR_CODE')"/></args></payloadFactory>
          <property name="HTTP_SC" value="409" scope="axis2"/><respond/></sequence>`,
      'proxy-services/SeqStatic.xml': `<proxy ${SYN} name="SeqStatic"><target><inSequence>
          <sequence key="SetA"/>
          <payloadFactory media-type="json"><format>{"picked":"$1"}</format><args><arg expression="$ctx:picked"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/SeqDynamic.xml': `<proxy ${SYN} name="SeqDynamic"><target><inSequence>
          <sequence key="{$trp:X-Seq}"/>
          <payloadFactory media-type="json"><format>{"picked":"$1"}</format><args><arg expression="$ctx:picked"/></args></payloadFactory>
          <respond/></inSequence></target></proxy>`,
      'proxy-services/SeqOnError.xml': `<proxy ${SYN} name="SeqOnError"><target><inSequence><sequence key="Failing"/><respond/></inSequence></target></proxy>`,
      'sequences/Both.xml': `<sequence ${SYN} name="Both">
          <in><property name="X-Dir" value="in" scope="transport"/><send><endpoint key="Backend"/></send></in>
          <out><property name="X-Dir" value="out" scope="transport"/><send/></out></sequence>`,
      'proxy-services/InOut.xml': `<proxy ${SYN} name="InOut"><target inSequence="Both" outSequence="Both"/></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('respond sends the current message back at once: nothing after it runs, the endpoint is not called', async () => {
    const before = backend.requests.length;
    const start = s.logLines.length;
    const r = await postWithin(`${s.url}/services/Respond`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.text, /<answer(?: xmlns="")?>early<\/answer>/);
    assert.equal(backend.requests.length, before);
    assert.ok(!s.logLines.slice(start).some((l) => l.name === LOGGER && l.message.includes('after = respond')));
  });

  it('drop ends the flow: the client gets 202 with no body (not a hang) and nothing else runs', async () => {
    const before = backend.requests.length;
    const start = s.logLines.length;
    const r = await postWithin(`${s.url}/services/Drop`, ORDER);
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    assert.equal(backend.requests.length, before, 'the target endpoint is not called');
    assert.ok(!s.logLines.slice(start).some((l) => l.name === LOGGER && l.message.includes('after = drop')));
  });

  it('loopback moves the message to the outSequence without calling the endpoint', async () => {
    const before = backend.requests.length;
    const r = await postWithin(`${s.url}/services/Loopback`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.text, /<looped(?: xmlns="")?>IBM<\/looped>/);
    assert.equal(r.headers.get('x-out'), 'out-ran');
    assert.equal(r.headers.get('x-after-loopback'), null, 'the rest of the inSequence is skipped');
    assert.equal(backend.requests.length, before);
  });

  it('sequence runs a named sequence given by key', async () => {
    const r = await postWithin(`${s.url}/services/SeqStatic`, ORDER);
    assert.deepEqual(JSON.parse(r.text), { picked: 'A' });
  });

  it('sequence resolves a dynamic {expression} key per message', async () => {
    assert.deepEqual(JSON.parse((await postWithin(`${s.url}/services/SeqDynamic`, ORDER, 3000, { 'X-Seq': 'SetA' })).text), { picked: 'A' });
    assert.deepEqual(JSON.parse((await postWithin(`${s.url}/services/SeqDynamic`, ORDER, 3000, { 'X-Seq': 'SetB' })).text), { picked: 'B' });
    const missing = await postWithin(`${s.url}/services/SeqDynamic`, ORDER, 3000, { 'X-Seq': 'Nope' });
    assert.equal(missing.status, 500);
    assert.match(missing.text, /Nope/);
  });

  it("a sequence's onError sequence handles a failure inside it", async () => {
    const r = await postWithin(`${s.url}/services/SeqOnError`, ORDER);
    assert.equal(r.status, 409);
    const v = JSON.parse(r.text);
    assert.match(v.handled, /cannot be converted/);
    assert.equal(v.code, 'MI_MED_003');
  });

  it('in runs on the request and out on the response of the same sequence', async () => {
    const r = await postWithin(`${s.url}/services/InOut`, ORDER);
    assert.equal(r.status, 200);
    assert.equal(r.text, ORDER, 'the backend echo comes back');
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/flow');
    assert.equal(seen.headers['x-dir'], 'in');
    assert.equal(r.headers.get('x-dir'), 'out');
  });
});
