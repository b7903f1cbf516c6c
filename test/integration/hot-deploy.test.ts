import assert from 'node:assert/strict';
import { readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, get, SYN, type TestServer } from '../helpers/server.js';

const api = (name: string, ctx: string, text: string) =>
  `<api ${SYN} name="${name}" context="${ctx}"><resource methods="GET"><inSequence><payloadFactory media-type="text"><format>${text}</format><args/></payloadFactory><respond/></inSequence></resource></api>`;

async function eventually(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('hot deployment', function () {
  this.timeout(15000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ 'api/A.xml': api('A', '/a', 'one') }, '[server]\nhot_deployment = true\n');
  });
  after(() => s.close());

  it('deploys an added file within 2 s', async () => {
    s.write('api/B.xml', api('B', '/b', 'bee'));
    await eventually(async () => (await get(`${s.url}/b`)).text === 'bee');
  });

  it('redeploys a changed file within 2 s', async () => {
    s.write('api/A.xml', api('A', '/a', 'two'));
    await eventually(async () => (await get(`${s.url}/a`)).text === 'two');
  });

  it('undeploys a removed file within 2 s', async () => {
    const p = s.write('api/C.xml', api('C', '/c', 'sea'));
    await eventually(async () => (await get(`${s.url}/c`)).status === 200);
    unlinkSync(p);
    await eventually(async () => (await get(`${s.url}/c`)).status === 404);
  });

  it('reports a broken file once with file:line and a code, keeps the rest serving, and deploys the fix', async () => {
    const p = s.write('api/Broken.xml', `<api ${SYN} name="Broken" context="/broken">\n  <resource methods="GET">\n    <inSequence><nosuchmediator/></inSequence>\n  </resource>\n</api>`);
    await eventually(async () => s.logLines.some((l) => l.message.includes('Broken.xml:3:')));
    const lines = s.logLines.filter((l) => l.message.includes('Broken.xml:3:'));
    assert.equal(lines.length, 1, 'reported once');
    assert.match(lines[0]!.message, /MI_ART_010/);
    assert.equal(lines[0]!.level, 'ERROR');
    assert.equal((await get(`${s.url}/broken`)).status, 404);
    assert.equal((await get(`${s.url}/a`)).status, 200);
    // another change elsewhere does not repeat the report
    s.write('api/B.xml', api('B', '/b', 'bee2'));
    await eventually(async () => (await get(`${s.url}/b`)).text === 'bee2');
    assert.equal(s.logLines.filter((l) => l.message.includes('Broken.xml:3:')).length, 1);
    // the user's file is left exactly as written
    assert.match(readFileSync(p, 'utf8'), /nosuchmediator/);
    assert.deepEqual(readdirSync(path.dirname(p)).filter((f) => f.includes('back')), []);
    writeFileSync(p, api('Broken', '/broken', 'fixed'));
    await eventually(async () => (await get(`${s.url}/broken`)).text === 'fixed');
  });

  it('keeps the last good version serving when an update breaks a file', async () => {
    s.write('api/A.xml', '<api this is not xml');
    await eventually(async () => s.logLines.some((l) => l.message.includes('A.xml:') && l.message.includes('MI_ART_001')));
    assert.equal((await get(`${s.url}/a`)).text, 'two');
    s.write('api/A.xml', api('A', '/a', 'three'));
    await eventually(async () => (await get(`${s.url}/a`)).text === 'three');
  });

  it('deploys an artifact once the key it refers to appears (dangling key)', async () => {
    s.write('api/D.xml', `<api ${SYN} name="D" context="/d"><resource methods="GET"><inSequence><sequence key="LaterSeq"/></inSequence></resource></api>`);
    await eventually(async () => s.logLines.some((l) => l.message.includes('MI_ART_009') && l.message.includes('LaterSeq')));
    assert.equal((await get(`${s.url}/d`)).status, 404);
    s.write('sequences/LaterSeq.xml', `<sequence ${SYN} name="LaterSeq"><payloadFactory media-type="text"><format>later</format><args/></payloadFactory><respond/></sequence>`);
    await eventually(async () => (await get(`${s.url}/d`)).text === 'later');
  });

  it('does not drop an in-flight request while its artifact is redeployed', async () => {
    s.write('api/Slow.xml', `<api ${SYN} name="Slow" context="/slow"><resource methods="GET"><inSequence>
      <call><endpoint><address uri="${s.url}/a"/></endpoint></call><respond/></inSequence></resource></api>`);
    await eventually(async () => (await get(`${s.url}/slow`)).status === 200);
    const inflight = Promise.all(Array.from({ length: 20 }, () => get(`${s.url}/slow`)));
    s.write('api/Slow.xml', `<api ${SYN} name="Slow" context="/slow"><resource methods="GET"><inSequence><respond/></inSequence></resource></api>`);
    const results = await inflight;
    assert.ok(results.every((r) => r.status === 200));
  });
});
