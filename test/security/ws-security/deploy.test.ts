/**
 * Deploying secured proxies: policies from local entries (linked like any key, compiled once) and from
 * files of the home's registry; a policy with an assertion this runtime cannot enforce is a deploy error
 * that names it, never a proxy served with part of its security missing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { post, startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { MI_UT_POLICY_FILE, ROOT, UT_PLAIN } from './fixtures.js';

const proxy = (name: string, policy: string, extra = '<enableSec/>') =>
  `<proxy ${SYN} name="${name}"><target><inSequence><respond/></inSequence></target>${policy ? `<policy key="${policy}"/>` : ''}${extra}</proxy>`;
const WSP = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"';
const SP = 'xmlns:sp="http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"';
const policyEntry = (key: string, body: string) => `<localEntry ${SYN} key="${key}">\n<wsp:Policy ${WSP} ${SP}>\n${body}\n</wsp:Policy></localEntry>`;
const UT = '<sp:SupportingTokens><wsp:Policy><sp:UsernameToken/></wsp:Policy></sp:SupportingTokens>';

async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('WS-Security policies at deploy time', function () {
  this.timeout(20_000);
  let s: TestServer;

  before(async () => {
    s = await startTestServer(
      {
        'local-entries/UTPlain.xml': UT_PLAIN,
        // the benchmark's SecureProxy policy: signing and encryption
        'local-entries/security_policy.xml': readFileSync(path.join(ROOT, 'bench/scenarios/local-entries/security_policy.xml'), 'utf8'),
        'local-entries/Alternatives.xml': policyEntry('Alternatives', `<wsp:ExactlyOne><wsp:All>${UT}</wsp:All><wsp:All>${UT}</wsp:All></wsp:ExactlyOne>`),
        'local-entries/BadTtl.xml': policyEntry('BadTtl', `${UT}<rampart:RampartConfig xmlns:rampart="http://ws.apache.org/rampart/policy"><rampart:timestampTTL>five</rampart:timestampTTL></rampart:RampartConfig>`),
        'local-entries/JavaCallback.xml': policyEntry('JavaCallback', `${UT}<rampart:RampartConfig xmlns:rampart="http://ws.apache.org/rampart/policy"><rampart:passwordCallbackClass>org.example.PWCBHandler</rampart:passwordCallbackClass></rampart:RampartConfig>`),
        'local-entries/SignedNoBinding.xml': policyEntry('SignedNoBinding', '<sp:SignedSupportingTokens><wsp:Policy><sp:UsernameToken/></wsp:Policy></sp:SignedSupportingTokens>'),
        'local-entries/Empty.xml': policyEntry('Empty', ''),
        'local-entries/TextEntry.xml': `<localEntry ${SYN} key="TextEntry">just text</localEntry>`,
        'proxy-services/Ok.xml': proxy('Ok', 'UTPlain'),
        'proxy-services/Secure.xml': proxy('SecureProxy', 'security_policy'),
        'proxy-services/Alt.xml': proxy('Alt', 'Alternatives'),
        'proxy-services/BadTtl.xml': proxy('BadTtlProxy', 'BadTtl'),
        'proxy-services/Java.xml': proxy('JavaProxy', 'JavaCallback'),
        'proxy-services/SignedNoBinding.xml': proxy('SignedNoBindingProxy', 'SignedNoBinding'),
        'proxy-services/Empty.xml': proxy('EmptyProxy', 'Empty'),
        'proxy-services/Text.xml': proxy('TextProxy', 'TextEntry'),
        'proxy-services/Waiting.xml': proxy('Waiting', 'LateEntry'),
        'proxy-services/NoPolicy.xml': proxy('NoPolicy', ''),
        'proxy-services/Out.xml': `<proxy ${SYN} name="Out"><target><inSequence><respond/></inSequence></target><policy key="UTPlain" type="out"/><enableSec/></proxy>`,
        'proxy-services/PerOp.xml': `<proxy ${SYN} name="PerOp"><target><inSequence><respond/></inSequence></target><policy key="UTPlain" operationName="echo"/><enableSec/></proxy>`,
        'proxy-services/Implicit.xml': proxy('Implicit', 'UTPlain', ''),
        'proxy-services/Registry.xml': proxy('Registry', 'conf:/policies/UTpolicy.xml'),
        'proxy-services/GovMissing.xml': proxy('GovMissing', 'gov:policies/none.xml'),
        'proxy-services/Http.xml': proxy('HttpKey', 'http://example.com/policy.xml'),
        'proxy-services/Escape.xml': proxy('Escape', 'file:../../../etc/passwd'),
      },
      '[server]\nhot_deployment = true\n',
    );
  });
  after(() => s?.close());

  /** The error diagnostics of the last deployment for a file under proxy-services/. */
  function errorsOf(file: string): string[] {
    return s.deployer.last!.diagnostics.filter((d) => d.severity === 'error' && d.file.endsWith(`proxy-services/${file}`)).map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
  }
  const deployed = (name: string) => s.runtime.current.proxies.has(name);

  it('deploys a proxy whose policy is a local entry, compiled into its security', () => {
    assert.ok(deployed('Ok'));
    const sec = s.runtime.current.proxies.get('Ok')!.security!;
    assert.equal(sec.plan.requireHttps, false);
    assert.deepEqual(sec.plan.usernameToken, { digestOnly: false });
    assert.equal(sec.plan.maxSkewMs, 60_000);
  });

  it('names the unsupported assertion and keeps the proxy out (signatures, encryption)', () => {
    assert.ok(!deployed('SecureProxy'));
    const e = errorsOf('Secure.xml');
    assert.ok(e.some((x) => /^\d+:\d+ MI_WSS_001 policy 'security_policy': <sp:AsymmetricBinding> is not supported \(message signatures and encryption/.test(x)), e.join('\n'));
    assert.ok(e.some((x) => /<sp:SignedParts>/.test(x)));
    assert.ok(e.every((x) => /local-entries\/security_policy\.xml:\d+:\d+\)$/.test(x)), 'each problem points into the local entry too');
  });

  it('refuses what it cannot enforce: alternatives, Java callbacks, signed tokens without TLS, empty policies', () => {
    assert.match(errorsOf('Alt.xml').join('\n'), /MI_WSS_001 .*offers 2 alternatives/);
    assert.match(errorsOf('Java.xml').join('\n'), /MI_WSS_001 .*<rampart:passwordCallbackClass> is not supported \(Java callbacks/);
    assert.match(errorsOf('SignedNoBinding.xml').join('\n'), /MI_WSS_001 .*signed or encrypted supporting tokens need a TransportBinding/);
    assert.match(errorsOf('Empty.xml').join('\n'), /MI_WSS_002 .*asks for nothing this runtime enforces/);
    assert.match(errorsOf('BadTtl.xml').join('\n'), /MI_WSS_002 .*<rampart:timestampTTL> must be a whole number of seconds, got 'five'/);
    assert.match(errorsOf('Text.xml').join('\n'), /MI_WSS_002 .*local entry 'TextEntry' holds no XML/);
    for (const n of ['Alt', 'JavaProxy', 'SignedNoBindingProxy', 'EmptyProxy', 'BadTtlProxy', 'TextProxy']) assert.ok(!deployed(n), n);
  });

  it('enableSec without a policy, response policies and per-operation policies are deploy errors', () => {
    assert.match(errorsOf('NoPolicy.xml').join('\n'), /MI_WSS_003 proxy 'NoPolicy' has <enableSec\/> but no <policy key>/);
    assert.match(errorsOf('Out.xml').join('\n'), /MI_WSS_003 .*type="out"/);
    assert.match(errorsOf('PerOp.xml').join('\n'), /MI_WSS_003 .*per-operation/);
    for (const n of ['NoPolicy', 'Out', 'PerOp']) assert.ok(!deployed(n), n);
  });

  it('a policy without <enableSec/> is still enforced, with a warning', async () => {
    assert.ok(s.deployer.last!.diagnostics.some((d) => d.severity === 'warning' && d.code === 'MI_WSS_003' && d.file.endsWith('Implicit.xml')));
    const r = await post(`${s.url}/services/Implicit`, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>');
    assert.equal(r.status, 500);
    assert.match(r.text, /wsse:InvalidSecurity/);
  });

  it('registry keys: conf:/gov:/local: are files of HOME/registry, file: must stay under the home, other schemes are refused', async () => {
    assert.match(errorsOf('Registry.xml').join('\n'), /MI_WSS_002 policy 'conf:\/policies\/UTpolicy\.xml' cannot be read from .*registry\/config\/policies\/UTpolicy\.xml: no such file/);
    assert.match(errorsOf('GovMissing.xml').join('\n'), /MI_WSS_002 .*registry\/governance\/policies\/none\.xml: no such file/);
    assert.match(errorsOf('Http.xml').join('\n'), /MI_WSS_002 proxy 'HttpKey': policy key 'http:' keys are not supported/);
    assert.match(errorsOf('Escape.xml').join('\n'), /MI_WSS_002 .*is not a file under the home/);
    // Micro Integrator's own scenario1 policy file, put into the registry: the proxy deploys on its next change
    mkdirSync(path.join(s.home, 'registry', 'config', 'policies'), { recursive: true });
    writeFileSync(path.join(s.home, 'registry', 'config', 'policies', 'UTpolicy.xml'), MI_UT_POLICY_FILE);
    s.write('proxy-services/Registry.xml', proxy('Registry', 'conf:/policies/UTpolicy.xml') + '\n');
    await eventually(() => deployed('Registry'));
    const plan = s.runtime.current.proxies.get('Registry')!.security!.plan;
    assert.equal(plan.policyId, 'UTOverTransport');
    assert.equal(plan.requireHttps, true);
    assert.equal(plan.requireTimestamp, true);
  });

  it('a policy local entry that is missing keeps the proxy waiting until it is deployed', async () => {
    assert.ok(!deployed('Waiting'));
    assert.match(errorsOf('Waiting.xml').join('\n'), /MI_ART_009 localEntry 'LateEntry' is not deployed; proxy 'Waiting' is not deployed until it is/);
    s.write('local-entries/LateEntry.xml', UT_PLAIN.replace('key="UTPlain"', 'key="LateEntry"'));
    await eventually(() => deployed('Waiting'));
    assert.ok(s.runtime.current.proxies.get('Waiting')!.security);
  });
});
