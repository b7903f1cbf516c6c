import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const bodyOf = (env: string) => /<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '';

/** A fault sequence that answers ERROR_CODE and ERROR_MESSAGE as JSON, as a user's faultSequence would. */
const FAULT_JSON = `<faultSequence>
  <payloadFactory media-type="json"><format>{"code":"$1","message":"$2"}</format>
    <args><arg expression="get-property('ERROR_CODE')"/><arg expression="get-property('ERROR_MESSAGE')"/></args></payloadFactory>
  <property name="HTTP_SC" value="500" scope="axis2"/><respond/></faultSequence>`;

const proxy = (name: string, inSeq: string, fault = FAULT_JSON) =>
  `<proxy ${SYN} name="${name}"><target><inSequence>${inSeq}</inSequence>${fault}</target></proxy>`;

describe('script mediator over HTTP', function () {
  this.timeout(60_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer(
      {
        'proxy-services/XmlScript.xml': proxy(
          'XmlScript',
          `<script language="js"><![CDATA[
            var xml = mc.getPayloadXML();
            var symbol = /<symbol>([^<]*)<\\/symbol>/.exec(xml)[1];
            mc.setProperty('sym', symbol);
            mc.setProperty('X-Symbol', symbol, 'transport');
            mc.setPayloadXML('<m:quote xmlns:m="http://services.samples"><m:symbol>' + symbol.toLowerCase() + '</m:symbol></m:quote>');
          ]]></script>
          <property name="X-From-Ctx" expression="$ctx:sym" scope="transport"/>
          <respond/>`,
        ),
        'proxy-services/JsonScript.xml': proxy(
          'JsonScript',
          `<script language="nashornJs"><![CDATA[
            var p = mc.getPayloadJSON();
            p.total = p.items.reduce(function (a, i) { return a + i.price * i.qty; }, 0);
            delete p.items;
            mc.setPayloadJSON(p);
          ]]></script>
          <property name="messageType" value="application/json" scope="axis2"/>
          <respond/>`,
        ),
        'local-entries/calc.xml': `<localEntry ${SYN} key="calc"><![CDATA[
            function transform(mc) {
              var p = mc.getPayloadJSON();
              mc.setPayloadJSON({ sum: add(p.a, p.b), who: greet(mc.getProperty('who')) });
            }
            function mediate(mc) { mc.setProperty('who', 'default-function'); }
          ]]></localEntry>`,
        'local-entries/helpers.xml': `<localEntry ${SYN} key="helpers"><![CDATA[
            function add(a, b) { return a + b; }
            function greet(w) { return 'hello ' + w; }
          ]]></localEntry>`,
        'proxy-services/KeyedScript.xml': proxy(
          'KeyedScript',
          `<property name="who" value="keyed"/>
          <script language="js" key="calc" function="transform"><include key="helpers"/></script>
          <property name="messageType" value="application/json" scope="axis2"/>
          <respond/>`,
        ),
        'proxy-services/DefaultFunction.xml': proxy(
          'DefaultFunction',
          `<script language="rhinoJs" key="calc"/>
          <property name="X-Who" expression="$ctx:who" scope="transport"/>
          <respond/>`,
        ),
        'proxy-services/StopFlow.xml': proxy(
          'StopFlow',
          `<script language="js">mc.setProperty('X-Seen', 'yes', 'transport'); false</script>
          <payloadFactory media-type="json"><format>{"reached":true}</format><args/></payloadFactory>
          <respond/>`,
        ),
        'proxy-services/Throws.xml': proxy('Throws', `<script language="js"><![CDATA[ throw new Error('boom at ' + 42); ]]></script><respond/>`),
        'proxy-services/ThrowsKeyed.xml': proxy('ThrowsKeyed', `<script language="js" key="calc" function="nope"/><respond/>`),
        'proxy-services/Loops.xml': proxy('Loops', `<script language="js"><![CDATA[ while (true) {} ]]></script><respond/>`),
        'proxy-services/LoopsLater.xml': proxy('LoopsLater', `<script language="js"><![CDATA[ Promise.resolve().then(function () { for (;;) {} }); ]]></script><respond/>`),
        'proxy-services/Sandbox.xml': proxy(
          'Sandbox',
          `<script language="js"><![CDATA[
            var seen = [typeof require, typeof process, typeof setTimeout, typeof globalThis.fetch, typeof module];
            var escape;
            try { escape = mc.getProperty.constructor.constructor('return typeof process')(); } catch (e) { escape = 'threw'; }
            var viaThis;
            try { viaThis = this.constructor.constructor('return typeof process')(); } catch (e) { viaThis = 'threw'; }
            var viaError;
            try { mc.setPayloadXML('<broken'); } catch (e) { viaError = e.constructor.constructor('return typeof process')(); }
            var count = (typeof count === 'number' ? count : 0) + 1;
            leaked = (typeof leaked === 'number' ? leaked : 0) + 1;
            mc.setPayloadJSON({ seen: seen.join(','), escape: escape, viaThis: viaThis, viaError: viaError, count: count, leaked: leaked });
          ]]></script>
          <property name="messageType" value="application/json" scope="axis2"/>
          <respond/>`,
        ),
        'proxy-services/Headers.xml': proxy(
          'Headers',
          `<script language="js"><![CDATA[
            mc.addHeader(true, '<t:trace xmlns:t="urn:trace"><t:id>7</t:id></t:trace>');
            mc.setProperty('X-Removed', 'no', 'transport');
            mc.removeProperty('X-Removed', 'transport');
            mc.setProperty('X-Envelope-Has-Header', String(mc.getEnvelopeXML().indexOf('t:trace') > 0), 'transport');
            mc.setProperty('X-Unsupported', (function () { try { mc.getConfiguration(); return 'no'; } catch (e) { return e.message; } })(), 'transport');
            mc.getServiceLog().info('script says hi');
          ]]></script>
          <respond/>`,
        ),
        'proxy-services/BadSyntax.xml': proxy('BadSyntax', `<script language="js"><![CDATA[ var = ; ]]></script><respond/>`),
        'proxy-services/Groovy.xml': proxy('Groovy', `<script language="groovy">mc.setProperty('a','b')</script><respond/>`),
        'local-entries/broken.xml': `<localEntry ${SYN} key="broken"><![CDATA[ function mediate(mc) { return ( } ]]></localEntry>`,
        'proxy-services/BrokenKeyed.xml': proxy('BrokenKeyed', `<script language="js" key="broken"/><respond/>`),
      },
      '[server]\nhot_deployment = false\n[mediation]\nscript_timeout = 300\n',
    );
  });
  after(() => s.close());

  it('reads the XML payload as text, sets default and transport properties, and replaces the payload', async () => {
    const r = await post(`${s.url}/services/XmlScript`, soap11('<order><symbol>IBM</symbol></order>'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-symbol'), 'IBM');
    assert.equal(r.headers.get('x-from-ctx'), 'IBM');
    assert.equal(bodyOf(r.text), '<m:quote xmlns:m="http://services.samples"><m:symbol>ibm</m:symbol></m:quote>');
  });

  it('works on the JSON payload with getPayloadJSON/setPayloadJSON', async () => {
    const r = await post(`${s.url}/services/JsonScript`, JSON.stringify({ id: 'o1', items: [{ price: 2.5, qty: 4 }, { price: 1, qty: 3 }] }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /application\/json/);
    assert.deepEqual(JSON.parse(r.text), { id: 'o1', total: 13 });
  });

  it('runs a keyed script function with its <include>, and the default function mediate', async () => {
    const r = await post(`${s.url}/services/KeyedScript`, JSON.stringify({ a: 2, b: 40 }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { sum: 42, who: 'hello keyed' });
    const d = await post(`${s.url}/services/DefaultFunction`, soap11('<a/>'));
    assert.equal(d.headers.get('x-who'), 'default-function');
  });

  it('stops the flow when the script returns false', async () => {
    const r = await post(`${s.url}/services/StopFlow`, soap11('<a/>'));
    assert.equal(r.headers.get('x-seen'), null, 'the in-flow stopped before a reply was built');
    assert.doesNotMatch(r.text, /reached/);
  });

  it("a script that throws runs the fault sequence with Micro Integrator's ERROR_MESSAGE", async () => {
    const r = await post(`${s.url}/services/Throws`, soap11('<a/>'));
    assert.equal(r.status, 500);
    assert.deepEqual(JSON.parse(r.text), { code: 'MI_MED_050', message: 'The script engine returned an error executing the inlined js script' });
    const k = await post(`${s.url}/services/ThrowsKeyed`, soap11('<a/>'));
    assert.deepEqual(JSON.parse(k.text), { code: 'MI_MED_050', message: 'The script engine returned an error executing the external js script : calc function nope' });
  });

  it('a script that never ends is stopped at the limit, and other requests are served', async () => {
    const started = Date.now();
    const [loop, other] = await Promise.all([
      post(`${s.url}/services/Loops`, soap11('<a/>')),
      post(`${s.url}/services/XmlScript`, soap11('<order><symbol>MSFT</symbol></order>')),
    ]);
    assert.equal(loop.status, 500);
    const body = JSON.parse(loop.text) as { code: string; message: string };
    assert.equal(body.code, 'MI_MED_051');
    assert.equal(body.message, 'The script engine returned an error executing the inlined js script: the script ran longer than 300 ms');
    assert.ok(Date.now() - started < 10_000);
    assert.equal(other.headers.get('x-symbol'), 'MSFT');
    const later = await post(`${s.url}/services/LoopsLater`, soap11('<a/>'));
    assert.equal((JSON.parse(later.text) as { code: string }).code, 'MI_MED_051', 'a promise callback is timed too');
    const after = await post(`${s.url}/services/XmlScript`, soap11('<order><symbol>ORCL</symbol></order>'));
    assert.equal(after.headers.get('x-symbol'), 'ORCL');
  });

  it('gives the script no require, process or timers, no way out through mc, and no state between messages', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await post(`${s.url}/services/Sandbox`, soap11('<a/>'));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), { seen: 'undefined,undefined,undefined,undefined,undefined', escape: 'undefined', viaThis: 'undefined', viaError: 'undefined', count: 1, leaked: 1 });
    }
  });

  it('adds SOAP headers, removes transport headers, refuses Java-only methods clearly, and logs through getServiceLog', async () => {
    const r = await post(`${s.url}/services/Headers`, soap11('<a/>'));
    assert.equal(r.status, 200);
    assert.match(r.text, /<soapenv:Header><t:trace xmlns:t="urn:trace" soapenv:mustUnderstand="1"><t:id>7<\/t:id><\/t:trace><\/soapenv:Header>/);
    assert.equal(r.headers.get('x-removed'), null);
    assert.equal(r.headers.get('x-envelope-has-header'), 'true');
    assert.equal(r.headers.get('x-unsupported'), 'mc.getConfiguration() is not supported by this runtime: in Micro Integrator it hands out a Java object');
    assert.ok(s.logLines.some((l) => l.level === 'INFO' && l.message.includes('script says hi')));
  });

  it('refuses at deploy a script that does not compile, and a language other than JavaScript', async () => {
    const logged = s.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /BadSyntax\.xml:\d+:\d+.*MI_ART_050.*inline script does not compile/);
    assert.match(logged, /Groovy\.xml:\d+:\d+.*MI_ART_050.*script language 'groovy' is not supported/);
    assert.match(logged, /BrokenKeyed\.xml:\d+:\d+.*MI_ART_050.*script 'broken' does not compile/);
    for (const name of ['BadSyntax', 'Groovy', 'BrokenKeyed']) {
      const r = await post(`${s.url}/services/${name}`, soap11('<a/>'));
      assert.notEqual(r.status, 200, `${name} is not deployed`);
    }
  });
});
