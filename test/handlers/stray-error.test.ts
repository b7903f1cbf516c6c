import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeHome, startMi } from '../helpers/process.js';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

describe('an error thrown from a detached callback of an extension', function () {
  this.timeout(30000);
  it('is logged and the server keeps serving', async () => {
    const home = makeHome(
      {
        'api/Late.xml': `<api ${SYN} name="Late" context="/late"><resource methods="GET"><inSequence>
          <payloadFactory media-type="text"><format>ok</format><args/></payloadFactory><respond/></inSequence></resource>
          <handlers><handler class="extensions/late-throw.ts"/></handlers></api>`,
      },
      { 'deployment.toml': '[server]\nhot_deployment = false\n' },
    );
    mkdirSync(path.join(home, 'extensions'));
    writeFileSync(
      path.join(home, 'extensions', 'late-throw.ts'),
      `export default class LateThrow {
        handleRequest(): boolean { setTimeout(() => { throw new Error('late boom'); }, 5); return true; }
        handleResponse(): boolean { return true; }
      }\n`,
    );
    const mi = await startMi(home);
    try {
      assert.equal((await fetch(`${mi.url}/late`)).status, 200);
      await new Promise((r) => setTimeout(r, 200));
      const again = await fetch(`${mi.url}/late`);
      assert.equal(again.status, 200);
      assert.equal(await again.text(), 'ok');
      assert.match(mi.output(), /MI_MED_001 an error escaped mediation and was contained: late boom/);
    } finally {
      assert.equal(await mi.stop(), 0);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
