/**
 * Hot deployment of an API's definition beside it: adding or editing `<ApiName>_swagger.yaml` redeploys the
 * API with the security it declares; a definition that breaks is reported with its file and line while the
 * last good API keeps serving.
 */
import assert from 'node:assert/strict';
import { rawRequest, startTestServer, SYN, type TestServer } from '../helpers/server.js';

const definition = (security: string) => `openapi: 3.0.3
info: { title: Shop, version: 1.0.0 }
security: ${security}
paths:
  /items:
    get:
      responses:
        '200': { description: the items }
components:
  securitySchemes:
    basic: { type: http, scheme: basic }
`;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hot deployment of an OpenAPI definition', function () {
  this.timeout(60000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer(
      { 'api/Shop.xml': `<api ${SYN} name="Shop" context="/shop"><resource methods="GET" uri-template="/items"><inSequence><respond/></inSequence></resource></api>` },
      '[server]\nhot_deployment = true\n\n[[internal_apis.users]]\nuser.name = "clerk"\nuser.password = "clerk-pw-1"\n',
    );
  });
  after(async () => s?.close());

  const status = async () => (await rawRequest(`${s.url}/shop/items`, { method: 'GET' })).status;

  it('secures the API when its definition is added, and follows edits of it', async () => {
    assert.equal(await status(), 200);
    s.write('api/Shop_swagger.yaml', definition('[{ basic: [] }]'));
    await eventually('the definition securing the API', async () => (await status()) === 401);
    s.write('api/Shop_swagger.yaml', definition('[]'));
    await eventually('the edited definition opening it again', async () => (await status()) === 200);
  });

  it('reports a broken definition at its line and keeps the last good API serving', async () => {
    s.write('api/Shop_swagger.yaml', definition('[{ nope: [] }]'));
    await eventually('the problem being logged', async () => s.logLines.some((l) => /Shop_swagger\.yaml:3:\d+  MI_API_013/.test(l.message)));
    assert.equal(await status(), 200, 'the last good API serves');
  });
});
