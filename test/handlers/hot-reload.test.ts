import assert from 'node:assert/strict';
import { get } from '../helpers/server.js';
import { apiWithHandlers, eventually, startWithExtensions, type ExtServer } from './helpers.js';

const tagger = (tag: string) => `import type { Handler, MessageContext } from 'mediation-runtime';
import { suffix } from './lib/suffix.js';
export default class Tagger implements Handler {
  handleResponse(mc: MessageContext): boolean {
    mc.setProperty('X-Tag', '${tag}' + suffix(), 'transport');
    return true;
  }
}
`;
const suffix = (s: string) => `export function suffix(): string {\n  return '${s}';\n}\n`;

describe('hot reload of handler modules', function () {
  this.timeout(30000);
  let s: ExtServer;

  before(async () => {
    s = await startWithExtensions(
      {
        'api/Tagged.xml': apiWithHandlers('Tagged', '/tagged', '<handler class="extensions/tagger.ts"/>'),
        'api/Other.xml': apiWithHandlers('Other', '/other', '', 'other'),
        'api/Later.xml': apiWithHandlers('Later', '/later', '<handler class="extensions/later.ts#Later"/>', 'later'),
      },
      { 'tagger.ts': tagger('one'), 'lib/suffix.ts': suffix('-a') },
      '[server]\nhot_deployment = true\n',
    );
  });
  after(() => s?.close());

  const tag = async (): Promise<string | null> => (await get(`${s.url}/tagged/x`)).headers.get('x-tag');

  it('serves the handler as first written', async () => {
    assert.equal(await tag(), 'one-a');
  });

  it('redeploys the API when its handler file changes', async () => {
    s.ext('tagger.ts', tagger('two'));
    await eventually(async () => (await tag()) === 'two-a');
  });

  it('redeploys it when a file the handler imports changes', async () => {
    s.ext('lib/suffix.ts', suffix('-b'));
    await eventually(async () => (await tag()) === 'two-b');
  });

  it('keeps the last good version serving when an edit does not compile, reports it once with file:line, and deploys the fix', async () => {
    s.ext('tagger.ts', 'export default class {\n  handleResponse(): boolean {\n    return = 1;\n  }\n}\n');
    await eventually(() => s.logLines.some((l) => l.level === 'ERROR' && /MI_HDL_002.*extensions\/tagger\.ts:3:\d+/.test(l.message)));
    assert.equal(await tag(), 'two-b');
    assert.equal((await get(`${s.url}/other/x`)).text, 'other');
    s.ext('tagger.ts', tagger('three'));
    await eventually(async () => (await tag()) === 'three-b');
    assert.equal(s.logLines.filter((l) => /MI_HDL_002.*tagger\.ts:3:/.test(l.message)).length, 1);
  });

  it('deploys an API as soon as the module it was waiting for appears', async () => {
    assert.equal((await get(`${s.url}/later/x`)).status, 404);
    s.ext('later.ts', `export class Later { handleRequest(): boolean { return true; } }\n`);
    await eventually(async () => (await get(`${s.url}/later/x`)).text === 'later');
  });
});
