/**
 * Hostile bodies through real HTTP: each budget answers with its code (SOAP fault or JSON error), never a
 * stall, a crash or a stack trace, and an innocent request sent meanwhile is answered within a second.
 */
import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../helpers/server.js';

const MB10 = 10 * 1024 * 1024;

/** The resources an attacker would aim at: one reads the whole body, one asks XPath to walk it, one JSONPath. */
const ARTIFACTS = {
  'api/Read.xml': `<api ${SYN} name="Read" context="/read">
      <resource methods="POST" uri-template="/full"><inSequence><log level="full"/><respond/></inSequence></resource>
      <resource methods="POST" uri-template="/count"><inSequence>
        <payloadFactory media-type="json"><format>{"n":$1}</format><args><arg expression="count(//*)"/></args></payloadFactory>
        <respond/></inSequence></resource>
      <resource methods="POST" uri-template="/quadratic"><inSequence>
        <payloadFactory media-type="json"><format>{"n":$1}</format><args><arg expression="count(//*[preceding-sibling::*])"/></args></payloadFactory>
        <respond/></inSequence></resource>
      <resource methods="POST" uri-template="/json"><inSequence>
        <payloadFactory media-type="json"><format>{"first":$1}</format><args><arg evaluator="json" expression="$[0]"/></args></payloadFactory>
        <respond/></inSequence></resource>
      <resource methods="GET" uri-template="/ping"><inSequence>
        <payloadFactory media-type="json"><format>{"pong":true}</format><args/></payloadFactory><respond/></inSequence></resource>
    </api>`,
  'proxy-services/Soap.xml': `<proxy ${SYN} name="Soap"><target><inSequence><log level="full"/><respond/></inSequence></target></proxy>`,
};

/** Times innocent GETs sent every 50 ms until `work` settles; returns the slowest. */
async function slowestPingDuring(url: string, work: Promise<unknown>): Promise<number> {
  let done = false;
  const settled = work.finally(() => (done = true));
  let slowest = 0;
  const pings: Promise<void>[] = [];
  while (!done) {
    const t0 = performance.now();
    pings.push(
      fetch(`${url}/read/ping`).then(async (r) => {
        await r.text();
        assert.equal(r.status, 200);
        slowest = Math.max(slowest, performance.now() - t0);
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  await settled;
  await Promise.all(pings);
  return slowest;
}

function elements(n: number, unit = '<a/>'): string {
  return `<r>${unit.repeat(n)}</r>`;
}

/** Posts prepared bytes (the attack is built before the clock starts, as an attacker's would be). */
async function postBytes(url: string, body: Buffer, contentType: string): Promise<{ status: number; text: string }> {
  const r = await fetch(url, { method: 'POST', body: body as unknown as BodyInit, headers: { 'content-type': contentType } });
  return { status: r.status, text: await r.text() };
}

describe('message budgets through HTTP', function () {
  this.timeout(120_000);

  describe('at the default limits', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(ARTIFACTS);
    });
    after(() => s.close());

    it('10 MB of tiny elements to a resource that reads the body: 413 MI_LIM_001 at once, others keep being served', async () => {
      const body = Buffer.from(elements(MB10 / 4 - 10));
      assert.ok(body.length <= MB10);
      let res: { status: number; text: string } | undefined;
      const slowest = await slowestPingDuring(
        s.url,
        postBytes(`${s.url}/read/full`, body, 'application/xml').then((r) => (res = r)),
      );
      assert.equal(res!.status, 413);
      assert.equal(JSON.parse(res!.text).code, 'MI_LIM_001');
      assert.ok(slowest < 1000, `an innocent request waited ${slowest.toFixed(0)} ms`);
    });

    it('the same body to count(//*): 413 MI_LIM_001, no walk over millions of nodes', async () => {
      const t0 = performance.now();
      const r = await post(`${s.url}/read/count`, elements(MB10 / 4 - 10), { 'content-type': 'application/xml' });
      assert.equal(r.status, 413);
      assert.equal(JSON.parse(r.text).code, 'MI_LIM_001');
      assert.ok(performance.now() - t0 < 10_000);
    });

    it('a 10 MB JSON array of {}: 413 MI_LIM_005, others keep being served', async () => {
      const body = Buffer.from('[' + Array(Math.floor(MB10 / 3) - 1).fill('{}').join(',') + ']');
      let res: { status: number; text: string } | undefined;
      const slowest = await slowestPingDuring(
        s.url,
        postBytes(`${s.url}/read/json`, body, 'application/json').then((r) => (res = r)),
      );
      assert.equal(res!.status, 413);
      const err = JSON.parse(res!.text);
      assert.equal(err.code, 'MI_LIM_005');
      assert.match(err.message, /max_json_values/);
      assert.ok(slowest < 1000, `an innocent request waited ${slowest.toFixed(0)} ms`);
    });

    it('10 000-deep JSON: 400 MI_LIM_004, not a stack overflow', async () => {
      const body = '['.repeat(10_000) + ']'.repeat(10_000);
      for (const path of ['/read/json', '/read/count']) {
        const r = await post(`${s.url}${path}`, body, { 'content-type': 'application/json' });
        assert.equal(r.status, 400, r.text);
        const err = JSON.parse(r.text);
        assert.equal(err.code, 'MI_LIM_004');
        assert.doesNotMatch(r.text, /call stack|RangeError|at .*\.js/);
      }
      const obj = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
      const r = await post(`${s.url}/read/json`, obj, { 'content-type': 'application/json' });
      assert.equal(JSON.parse(r.text).code, 'MI_LIM_004');
    });

    it('JSON as deep as the default allows still works, as JSON and as XML', async () => {
      const ok = '['.repeat(900) + '7' + ']'.repeat(900);
      const r = await post(`${s.url}/read/json`, ok, { 'content-type': 'application/json' });
      assert.equal(r.status, 200, r.text);
      // XPath on deep objects needs their XML form, whose nesting max_xml_depth (100) refuses with its own code
      const deepObject = '{"a":'.repeat(900) + '7' + '}'.repeat(900);
      assert.equal((await post(`${s.url}/read/json`, '[' + deepObject + ']', { 'content-type': 'application/json' })).status, 200);
      const x = await post(`${s.url}/read/count`, deepObject, { 'content-type': 'application/json' });
      assert.equal(x.status, 400);
      assert.equal(JSON.parse(x.text).code, 'MI_REQ_004');
    });

    it('a SOAP request over budget gets a SOAP fault carrying the code', async () => {
      const r = await post(`${s.url}/services/Soap`, soap11(elements(60_000)));
      assert.equal(r.status, 413);
      assert.match(r.headers.get('content-type') ?? '', /text\/xml/);
      assert.match(r.text, /<faultcode>[^<]*Client<\/faultcode>/);
      assert.match(r.text, /<code>MI_LIM_001<\/code>/);
      assert.match(r.text, /max_xml_elements/);
    });
  });

  describe('each budget, at small limits', () => {
    let s: TestServer;
    before(async () => {
      s = await startTestServer(
        ARTIFACTS,
        [
          '[server]',
          'hot_deployment = false',
          'max_xml_elements = 2000',
          'max_xml_attributes_per_element = 20',
          'max_xml_nodes = 5000',
          'max_json_depth = 20',
          'max_json_values = 3000',
          'max_xpath_steps = 50000',
        ].join('\n'),
      );
    });
    after(() => s.close());

    const code = async (path: string, body: string, ct = 'application/xml'): Promise<[number, string]> => {
      const r = await post(`${s.url}${path}`, body, { 'content-type': ct });
      return [r.status, r.status === 200 ? r.text.slice(0, 40) : JSON.parse(r.text).code];
    };

    it('elements: the limit is accepted, one more is refused', async () => {
      // <r> plus 1999 children is 2000 elements
      assert.deepEqual(await code('/read/count', elements(1999)), [200, '{"n":2002}']); // + soapenv:Envelope and Body
      assert.deepEqual(await code('/read/count', elements(2000)), [413, 'MI_LIM_001']);
    });

    it('attributes per element, namespace declarations included', async () => {
      const attrs = (n: number): string => Array.from({ length: n }, (_, i) => ` a${i}="${i}"`).join('');
      assert.equal((await code('/read/full', `<r${attrs(20)}/>`))[0], 200);
      assert.deepEqual(await code('/read/full', `<r${attrs(21)}/>`), [413, 'MI_LIM_002']);
      assert.deepEqual(await code('/read/full', `<r${attrs(10)} ${Array.from({ length: 11 }, (_, i) => `xmlns:p${i}="u"`).join(' ')}/>`), [413, 'MI_LIM_002']);
    });

    it('nodes: text runs, references, comments, CDATA and processing instructions count', async () => {
      assert.deepEqual(await code('/read/full', `<r>${'&amp;'.repeat(5000)}</r>`), [413, 'MI_LIM_003']);
      assert.deepEqual(await code('/read/full', `<r>${'<!--c-->'.repeat(5000)}</r>`), [413, 'MI_LIM_003']);
      assert.deepEqual(await code('/read/full', `<r>${'<![CDATA[x]]>'.repeat(5000)}</r>`), [413, 'MI_LIM_003']);
      assert.deepEqual(await code('/read/full', `<r>${'<?p x?>'.repeat(5000)}</r>`), [413, 'MI_LIM_003']);
      assert.deepEqual(await code('/read/full', `<r>${'<a b="1">x</a>'.repeat(1999)}</r>`), [413, 'MI_LIM_003']);
      assert.equal((await code('/read/full', `<r>${'&amp;'.repeat(4000)}</r>`))[0], 200);
    });

    it('JSON depth and values', async () => {
      assert.equal((await code('/read/json', '['.repeat(20) + ']'.repeat(20), 'application/json'))[0], 200);
      assert.deepEqual(await code('/read/json', '['.repeat(21) + ']'.repeat(21), 'application/json'), [400, 'MI_LIM_004']);
      assert.equal((await code('/read/json', '[' + Array(2999).fill('1').join(',') + ']', 'application/json'))[0], 200);
      assert.deepEqual(await code('/read/json', '[' + Array(3000).fill('1').join(',') + ']', 'application/json'), [413, 'MI_LIM_005']);
      // brackets inside strings are text, and keys are not values
      assert.equal((await code('/read/json', JSON.stringify([{ k: '{'.repeat(100) }, '['.repeat(100)]), 'application/json'))[0], 200);
      assert.equal((await code('/read/json', '[' + JSON.stringify(Object.fromEntries(Array.from({ length: 2990 }, (_, i) => [`k${i}`, i]))) + ']', 'application/json'))[0], 200);
    });

    it('a JSON message within its budgets but too big as XML is refused when XPath needs the XML', async () => {
      const body = '[' + Array(2500).fill('1').join(',') + ']';
      assert.equal((await code('/read/json', body, 'application/json'))[0], 200);
      const r = await post(`${s.url}/read/count`, body, { 'content-type': 'application/json' });
      assert.equal(r.status, 413);
      assert.equal(JSON.parse(r.text).code, 'MI_LIM_001');
      assert.match(JSON.parse(r.text).message, /JSON message as XML/);
    });

    it('an XPath that is quadratic by nature stops at max_xpath_steps with MI_LIM_006', async () => {
      assert.deepEqual(await code('/read/quadratic', elements(100)), [200, '{"n":99}']);
      const t0 = performance.now();
      assert.deepEqual(await code('/read/quadratic', elements(1999)), [500, 'MI_LIM_006']);
      assert.ok(performance.now() - t0 < 5000);
      // the linear question over the same message is answered
      assert.deepEqual(await code('/read/count', elements(1999)), [200, '{"n":2002}']);
    });

    it('the largest accepted messages keep an innocent request under a second', async () => {
      const work = Promise.all([
        code('/read/count', elements(1999)),
        code('/read/full', `<r>${'<a>x</a>'.repeat(1600)}</r>`),
        code('/read/json', '[' + Array(2999).fill('{}').join(',') + ']', 'application/json'),
        code('/read/quadratic', elements(1999)),
      ]);
      const slowest = await slowestPingDuring(s.url, work);
      assert.deepEqual((await work).map((r) => r[0]), [200, 200, 200, 500]);
      assert.ok(slowest < 1000, `an innocent request waited ${slowest.toFixed(0)} ms`);
    });
  });
});
