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

describe('hot deployment: a newcomer never takes over what serves', function () {
  this.timeout(20000);
  let s: TestServer;
  const text = (t: string) => `<payloadFactory media-type="text"><format>${t}</format><args/></payloadFactory>`;
  const seq = (name: string, t: string) => `<sequence ${SYN} name="${name}">${text(t)}</sequence>`;
  const proxy = (name: string, t: string) => `<proxy ${SYN} name="${name}"><target><inSequence>${text(t)}<respond/></inSequence></target></proxy>`;
  const tpl = (name: string, t: string) => `<template ${SYN} name="${name}"><sequence>${text(t)}</sequence></template>`;
  const entry = (name: string, t: string) => `<localEntry ${SYN} key="${name}">${t}</localEntry>`;
  const user = (name: string, ctx: string, body: string) => `<api ${SYN} name="${name}" context="${ctx}"><resource methods="GET"><inSequence>${body}<respond/></inSequence></resource></api>`;
  // every kind: the serving artifact sits in a Z... file, the newcomer in an A... file that sorts before it
  const newcomers: Record<string, string> = {};
  before(async () => {
    s = await startTestServer(
      {
        'api/ZCtx.xml': api('ZCtx', '/taken', 'serving'),
        'proxy-services/ZProxy.xml': proxy('DupProxy', 'serving-proxy'),
        'sequences/ZSeq.xml': seq('DupSeq', 'serving-seq'),
        'endpoints/ZEp.xml': `<endpoint ${SYN} name="DupEp"><http method="get" uri-template="{uri.var.base}/taken"/></endpoint>`,
        'local-entries/ZLe.xml': entry('DupLe', 'serving-le'),
        'templates/ZTpl.xml': tpl('DupTpl', 'serving-tpl'),
        'api/Users.xml': `<api ${SYN} name="Users" context="/use">
          <resource methods="GET" uri-template="/seq"><inSequence><sequence key="DupSeq"/><respond/></inSequence></resource>
          <resource methods="GET" uri-template="/ep"><inSequence><property name="uri.var.base" expression="$trp:X-Base"/><call><endpoint key="DupEp"/></call><respond/></inSequence></resource>
          <resource methods="GET" uri-template="/le"><inSequence><payloadFactory media-type="text"><format>$1</format><args><arg expression="get-property('DupLe')"/></args></payloadFactory><respond/></inSequence></resource>
          <resource methods="GET" uri-template="/tpl"><inSequence><call-template target="DupTpl"/><respond/></inSequence></resource>
        </api>`,
      },
      '[server]\nhot_deployment = true\n',
    );
    newcomers['api/ACtx.xml'] = api('ACtx', '/taken', 'newcomer');
    newcomers['api/AName.xml'] = api('ZCtx', '/other', 'newcomer');
    newcomers['proxy-services/AProxy.xml'] = proxy('DupProxy', 'newcomer-proxy');
    newcomers['sequences/ASeq.xml'] = seq('DupSeq', 'newcomer-seq');
    newcomers['endpoints/AEp.xml'] = `<endpoint ${SYN} name="DupEp"><http method="get" uri-template="{uri.var.base}/nowhere"/></endpoint>`;
    newcomers['local-entries/ALe.xml'] = entry('DupLe', 'newcomer-le');
    newcomers['templates/ATpl.xml'] = tpl('DupTpl', 'newcomer-tpl');
  });
  after(() => s.close());

  const answers = async (): Promise<Record<string, string>> => {
    const base = { 'X-Base': s.url };
    return {
      taken: (await get(`${s.url}/taken`)).text,
      other: String((await get(`${s.url}/other`)).status),
      proxy: (await get(`${s.url}/services/DupProxy`)).text,
      seq: (await get(`${s.url}/use/seq`)).text,
      ep: (await get(`${s.url}/use/ep`, base)).text,
      le: (await get(`${s.url}/use/le`)).text,
      tpl: (await get(`${s.url}/use/tpl`)).text,
    };
  };
  const SERVING = { taken: 'serving', other: '404', proxy: 'serving-proxy', seq: 'serving-seq', ep: 'serving', le: 'serving-le', tpl: 'serving-tpl' };

  it('refuses a second API context, API, proxy, sequence, endpoint, local entry and template, naming the refused file', async () => {
    assert.deepEqual(await answers(), SERVING);
    const start = s.logLines.length;
    for (const [rel, xml] of Object.entries(newcomers)) s.write(rel, xml);
    const refused = (rel: string) =>
      s.logLines.slice(start).find((l) => l.level === 'ERROR' && l.message.startsWith(`Deployment failed: ${path.join(s.home, 'synapse-configs', 'default', rel)}:`));
    await eventually(async () => Object.keys(newcomers).every((rel) => refused(rel) !== undefined), 5000);
    assert.match(refused('api/ACtx.xml')!.message, /MI_ART_014 +API context '\/taken' is already deployed from .*ZCtx\.xml; .*ACtx\.xml is not deployed/);
    assert.match(refused('api/AName.xml')!.message, /MI_ART_011 +API 'ZCtx' is already deployed from .*ZCtx\.xml/);
    assert.match(refused('proxy-services/AProxy.xml')!.message, /MI_ART_011 +proxy 'DupProxy' is already deployed from .*ZProxy\.xml/);
    assert.match(refused('sequences/ASeq.xml')!.message, /MI_ART_011 +sequence 'DupSeq'/);
    assert.match(refused('endpoints/AEp.xml')!.message, /MI_ART_011 +endpoint 'DupEp'/);
    assert.match(refused('local-entries/ALe.xml')!.message, /MI_ART_011 +local entry 'DupLe'/);
    assert.match(refused('templates/ATpl.xml')!.message, /MI_ART_011 +template 'DupTpl'/);
    assert.deepEqual(await answers(), SERVING, 'the serving artifacts keep serving');
    assert.ok(!s.logLines.slice(start).some((l) => /has been (deployed|updated) from file : .*\/A[A-Za-z]+\.xml$/.test(l.message)), 'nothing refused is logged as deployed');
  });

  it('an update of the serving file keeps it serving, logged as updated once it is live', async () => {
    const start = s.logLines.length;
    s.write('api/ZCtx.xml', api('ZCtx', '/taken', 'serving-2'));
    await eventually(async () => (await get(`${s.url}/taken`)).text === 'serving-2');
    assert.ok(s.logLines.slice(start).some((l) => /^API named 'ZCtx' has been updated from file : .*ZCtx\.xml$/.test(l.message)));
  });

  it('when the serving file goes, the newcomer deploys, and only then is it logged as deployed', async () => {
    const start = s.logLines.length;
    unlinkSync(path.join(s.home, 'synapse-configs', 'default', 'sequences', 'ZSeq.xml'));
    await eventually(async () => (await get(`${s.url}/use/seq`)).text === 'newcomer-seq');
    const deployedAt = s.logLines.findIndex((l, i) => i >= start && /^Sequence named 'DupSeq' has been deployed from file : .*ASeq\.xml$/.test(l.message));
    assert.ok(deployedAt >= start, 'ASeq.xml is logged as deployed');
  });
});
