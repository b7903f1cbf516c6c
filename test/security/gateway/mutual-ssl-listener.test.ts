/**
 * The HTTPS listener asks for a client certificate (as verify_client = optional) while a deployed API uses
 * mutual SSL, even with verify_client = none: not before such an API is deployed, from the next connection
 * once one is (hot deployment), and no longer once it is gone.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Agent, fetch } from 'undici';
import { startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { makeCertificates, type Certificates } from './mtls-fixtures.js';

const ECHO = `<api ${SYN} name="Echo" context="/echo"><resource methods="GET" uri-template="/"><inSequence>
  <payloadFactory media-type="json"><format>{"subject":"$1"}</format><args><arg expression="get-property('CLIENT_CERT_SUBJECT')"/></args></payloadFactory>
  <respond/></inSequence></resource></api>`;
const SECURED = `<api ${SYN} name="Secured" context="/secured"><security><mutualssl/></security><resource methods="GET" uri-template="/"><inSequence><respond/></inSequence></resource></api>`;

describe('HTTPS listener: asks for client certificates while an API uses mutual SSL', function () {
  this.timeout(90_000);
  let certs: Certificates;
  let s: TestServer;

  before(async () => {
    certs = makeCertificates();
    s = await startTestServer({ 'api/Echo.xml': ECHO }, `[server]\nhot_deployment = true\n\n${certs.toml}`);
  });
  after(async () => s?.close());

  /** The subject the server saw, over a new connection each time (an open one keeps its handshake). */
  async function seenSubject(): Promise<string> {
    const agent = new Agent({
      connect: { ca: readFileSync(path.join(certs.dir, 'root.pem')), servername: 'localhost', cert: readFileSync(certs.pem('bob')), key: readFileSync(path.join(certs.dir, 'bob.key')) },
    });
    try {
      const r = await fetch(`https://localhost:${s.httpsPort}/echo`, { dispatcher: agent });
      return ((await r.json()) as { subject: string }).subject;
    } finally {
      await agent.close();
    }
  }

  async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) assert.fail(`${what} did not happen within 30 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('does not ask while no API uses mutual SSL (verify_client = none)', async () => {
    assert.equal(await seenSubject(), '');
  });

  it('asks from the next connection once an API with mutual SSL is deployed, and stops once it is removed', async () => {
    const file = s.write('api/Secured.xml', SECURED);
    await eventually('the certificate being asked for', async () => (await seenSubject()) !== '');
    assert.match(await seenSubject(), /CN=bob/);
    rmSync(file);
    await eventually('the certificate no longer being asked for', async () => (await seenSubject()) === '');
  });
});
