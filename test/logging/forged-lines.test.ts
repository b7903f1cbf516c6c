/**
 * Text from a request cannot forge a log line: CR/LF and other control characters in the decoded path,
 * query, URI variables, headers, the payload and a user name in an authentication failure are written
 * visibly (`\r\n`, `\u001b`) in every log file and on the console. A real `mi` process writes real files.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { makeHome, startMi } from '../helpers/process.js';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';
const FAKE = '[2026-01-01 00:00:00,000]  INFO {LogMediator} - fake line';
const ENCODED = encodeURIComponent(`\r\n${FAKE}\u001b[31m`);
const SP = 'xmlns:sp="http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"';
// the UTOverTransport policy id is what makes a proxy take Basic credentials (Micro Integrator's bridge)
const WSP = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd" wsu:Id="UTOverTransport"';

describe('forged log lines', function () {
  this.timeout(60_000);
  let files: Record<string, string>;
  let consoleOut: string;
  let home: string;

  before(async () => {
    home = makeHome(
      {
        'api/Inject.xml': `<api ${SYN} name="Inject" context="/inject"><resource methods="POST" uri-template="/{name}?q={q}"><inSequence>
          <log level="custom"><property name="name" expression="$ctx:uri.var.name"/><property name="q" expression="$url:q"/><property name="note" expression="$trp:X-Note"/></log>
          <log level="full"/>
          <respond/></inSequence></resource></api>`,
        'local-entries/UTPlain.xml': `<localEntry ${SYN} key="UTPlain"><wsp:Policy ${WSP}><sp:SupportingTokens ${SP}><wsp:Policy><sp:UsernameToken/></wsp:Policy></sp:SupportingTokens></wsp:Policy></localEntry>`,
        'proxy-services/Secured.xml': `<proxy ${SYN} name="Secured" transports="http"><target><inSequence><respond/></inSequence></target><policy key="UTPlain"/><enableSec/></proxy>`,
      },
      { 'deployment.toml': '[server]\nhot_deployment = false\n\n[http_access_log]\nenable = true\n' },
    );
    const mi = await startMi(home);
    try {
      const r = await fetch(`${mi.url}/inject/a${ENCODED}?q=b${ENCODED}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-note': `%0d%0a${FAKE}`, activityid: 'corr-inject' },
        body: JSON.stringify({ text: `c\r\n${FAKE}\u001b[2J\u2028${FAKE}` }),
      });
      assert.equal(r.status, 200);
      const user = Buffer.from(`mallory\r\n${FAKE}:pw`).toString('base64');
      const refused = await fetch(`${mi.url}/services/Secured`, { method: 'POST', headers: { 'content-type': 'application/xml', authorization: `Basic ${user}` }, body: '<m/>' });
      assert.equal(refused.status, 401);
    } finally {
      assert.equal(await mi.stop(), 0);
    }
    consoleOut = mi.output();
    files = {};
    for (const f of readdirSync(path.join(home, 'logs'))) files[f] = readFileSync(path.join(home, 'logs', f), 'utf8');
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('writes no line that the request made up, in any file or on the console', () => {
    for (const [name, text] of [...Object.entries(files), ['console', consoleOut]]) {
      for (const line of text.split('\n')) {
        assert.ok(!line.startsWith('[2026-01-01'), `${name}: a forged line: ${line}`);
        assert.ok(!line.startsWith(FAKE.slice(0, 12)), `${name}: a forged line: ${line}`);
      }
      assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f\u2028\u2029]/, `${name} holds a raw control character`);
    }
  });

  it('writes the control characters visibly, on the line of the request that sent them', () => {
    const main = files['mi.log']!;
    const lines = main.split('\n').filter((l) => l.includes('[corr-inject]'));
    assert.ok(lines.some((l) => l.includes(`name = a\\r\\n${FAKE}\\u001b[31m`)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(`q = b\\r\\n${FAKE}\\u001b[31m`)), 'the decoded query parameter');
    assert.ok(lines.some((l) => l.includes(`note = %0d%0a${FAKE}`)), 'the header');
    assert.ok(lines.some((l) => l.includes('\\u001b[2J\\u2028')), 'the payload of a full log');
    // a Basic user name ends at its first colon
    assert.match(main, /request refused: .*user 'mallory\\r\\n\[2026-01-01 00' \(client 127\.0\.0\.1\)$/m);
  });

  it('keeps the access log at one line per request', () => {
    const access = files['http_access.log']!.trim().split('\n');
    assert.equal(access.length, 2, access.join('\n'));
    assert.match(access[0]!, /^127\.0\.0\.1 - - \[[^\]]+\] "POST \/inject\/a%0D%0A/);
  });
});
