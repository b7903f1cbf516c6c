/**
 * A hot-deployed stylesheet compiles in the background (a compiler process takes a second or more): the
 * deployment that serves keeps answering meanwhile, and the new proxy serves once its stylesheet is ready.
 * A stylesheet that does not compile is reported with MI_ART_051 and the rest keep serving.
 */
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const XSL = 'xmlns:xsl="http://www.w3.org/1999/XSL/Transform"';

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('xslt: hot deployment compiles in the background', function () {
  this.timeout(120_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer(
      { 'proxy-services/Echo.xml': `<proxy ${SYN} name="Echo"><target><inSequence><respond/></inSequence></target></proxy>` },
      '[server]\nhot_deployment = true\n',
    );
  });
  after(() => s?.close());

  it('keeps the event loop free while a new stylesheet compiles, then serves the new proxy', async () => {
    // a stylesheet no cache has seen: its text is new
    const mark = randomUUID();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    const started = Date.now();
    delay.enable();
    s.write('local-entries/fresh.xml', `<localEntry ${SYN} key="fresh"><xsl:stylesheet version="1.0" ${XSL}>
        <xsl:template match="/"><fresh xmlns="" mark="${mark}"><xsl:value-of select="count(//*)"/></fresh></xsl:template>
      </xsl:stylesheet></localEntry>`);
    s.write('proxy-services/Fresh.xml', `<proxy ${SYN} name="Fresh"><target><inSequence><xslt key="fresh"/><respond/></inSequence></target></proxy>`);
    let echoes = 0;
    await until(async () => {
      if ((await post(`${s.url}/services/Echo`, soap11('<ping/>'))).status === 200) echoes++;
      const r = await post(`${s.url}/services/Fresh`, soap11('<a><b/></a>'));
      return r.status === 200 && r.text.includes(`mark="${mark}">2</fresh>`);
    }, 60_000);
    const window = Date.now() - started;
    delay.disable();
    const stallMs = delay.max / 1e6;
    // a compile that blocked would stall the loop for nearly the whole window (the compiler's start-up);
    // in the background the longest stall is a small part of it
    assert.ok(stallMs < window / 2, `the event loop stalled ${stallMs.toFixed(0)} ms during a ${window} ms deployment`);
    assert.ok(echoes > 1, `the serving proxy answered ${echoes} times while the stylesheet compiled`);
  });

  it('reports a stylesheet that does not compile, and the rest keep serving', async () => {
    s.write('local-entries/broken.xml', `<localEntry ${SYN} key="broken"><xsl:stylesheet version="1.0" ${XSL}>
        <xsl:template match="/"><xsl:value-of select="count(("/></xsl:template>
      </xsl:stylesheet></localEntry>`);
    s.write('proxy-services/Broken.xml', `<proxy ${SYN} name="Broken"><target><inSequence><xslt key="broken"/><respond/></inSequence></target></proxy>`);
    await until(async () => s.logLines.some((l) => l.message.includes('MI_ART_051') && l.message.includes("stylesheet 'broken' does not compile")), 60_000);
    assert.equal((await post(`${s.url}/services/Echo`, soap11('<ping/>'))).status, 200);
    assert.notEqual((await post(`${s.url}/services/Broken`, soap11('<a/>'))).status, 200);
  });
});
