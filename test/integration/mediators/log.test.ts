import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const LOGGER = 'org.apache.synapse.mediators.builtin.LogMediator';
const QUOTE = soap11(
  '<m:getQuote xmlns:m="http://services.samples"><m:request><m:symbol>IBM</m:symbol></m:request></m:getQuote>',
  '<t:routing xmlns:t="http://someuri">xadmin</t:routing><t:trace xmlns:t="http://someuri">on</t:trace>',
);

function proxy(name: string, log: string): string {
  return `<proxy ${SYN} name="${name}"><target><inSequence>${log}<respond/></inSequence></target></proxy>`;
}

describe('log mediator over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'proxy-services/LogSimple.xml': proxy('LogSimple', `<log/>`),
      'proxy-services/LogSimpleProps.xml': proxy(
        'LogSimpleProps',
        `<log level="simple"><property name="sym" expression="//m:symbol" xmlns:m="http://services.samples"/><property name="fixed" value="v"/></log>`,
      ),
      'proxy-services/LogHeaders.xml': proxy('LogHeaders', `<log level="headers"/>`),
      'proxy-services/LogFull.xml': proxy('LogFull', `<log level="full"/>`),
      'proxy-services/LogCustom.xml': proxy(
        'LogCustom',
        `<log level="custom"><property name="text" value="Hello"/><property name="sym" expression="//m:symbol" xmlns:m="http://services.samples"/><property name="hdr" expression="$trp:X-Test"/></log>`,
      ),
      'proxy-services/LogSeparator.xml': proxy('LogSeparator', `<log level="custom" separator=" | "><property name="a" value="1"/><property name="b" value="2"/></log>`),
      'proxy-services/LogCategories.xml': proxy(
        'LogCategories',
        `<log level="custom" category="WARN"><property name="c" value="warn"/></log>
         <log level="custom" category="error"><property name="c" value="error"/></log>
         <log level="custom" category="DEBUG"><property name="c" value="debug"/></log>
         <log level="custom" category="FATAL"><property name="c" value="fatal"/></log>
         <log level="custom"><property name="c" value="info"/></log>`,
      ),
      'proxy-services/LogBadLevel.xml': proxy('LogBadLevel', `<log level="FULL"/>`),
      'api/LogApi.xml': `<api ${SYN} name="LogApi" context="/logapi"><resource methods="POST" uri-template="/x"><inSequence><log level="custom"><property name="where" value="api"/></log><respond/></inSequence></resource></api>`,
    });
  });
  after(async () => {
    await s.close();
  });

  /** Sends a request with a fresh correlation id and returns the LogMediator lines written for it. */
  async function logsOf(path: string, body = QUOTE, headers: Record<string, string> = {}): Promise<{ id: string; lines: typeof s.logLines }> {
    const id = randomUUID();
    const start = s.logLines.length;
    const r = await post(`${s.url}${path}`, body, { activityid: id, ...headers });
    assert.equal(r.status, 200, r.text);
    return { id, lines: s.logLines.slice(start).filter((l) => l.name === LOGGER) };
  }

  it('logs a simple line with the {proxy:Name} prefix, To, actions, MessageID, correlation_id and Direction', async () => {
    const { id, lines } = await logsOf('/services/LogSimple', QUOTE, { SOAPAction: 'urn:getQuote' });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 'INFO');
    assert.match(
      lines[0]!.message,
      new RegExp(`^\\{proxy:LogSimple\\} To: /services/LogSimple, WSAction: urn:getQuote, SOAPAction: urn:getQuote, MessageID: urn:uuid:[0-9a-f-]+, correlation_id: ${id}, Direction: request$`),
    );
  });

  it('appends properties to a simple line as name = value', async () => {
    const { lines } = await logsOf('/services/LogSimpleProps');
    assert.match(lines[0]!.message, /^\{proxy:LogSimpleProps\} To: \/services\/LogSimpleProps, .*Direction: request, sym = IBM, fixed = v$/);
  });

  it('logs each SOAP header block at level headers', async () => {
    const { id, lines } = await logsOf('/services/LogHeaders');
    assert.equal(lines[0]!.message, `{proxy:LogHeaders} correlation_id : ${id}, routing : xadmin, trace : on`);
  });

  it('logs the whole envelope at level full, and the JSON payload for a JSON message', async () => {
    const { lines } = await logsOf('/services/LogFull');
    assert.match(lines[0]!.message, /^\{proxy:LogFull\} To: \/services\/LogFull, .*Direction: request, Envelope: <soapenv:Envelope /);
    assert.ok(lines[0]!.message.endsWith('</soapenv:Envelope>'));
    assert.ok(lines[0]!.message.includes('<m:symbol>IBM</m:symbol>'));
    const json = await logsOf('/services/LogFull', '{"a":{"b":1}}', { 'content-type': 'application/json' });
    assert.match(json.lines[0]!.message, /Direction: request, Payload: \{"a":\{"b":1\}\}$/);
  });

  it('logs only the properties at level custom', async () => {
    const { lines } = await logsOf('/services/LogCustom', QUOTE, { 'X-Test': 'hv' });
    assert.equal(lines[0]!.message, '{proxy:LogCustom} text = Hello, sym = IBM, hdr = hv');
  });

  it('joins items with the configured separator', async () => {
    const { lines } = await logsOf('/services/LogSeparator');
    assert.equal(lines[0]!.message, '{proxy:LogSeparator} a = 1 | b = 2');
  });

  it('maps the category (any case) to the log level', async () => {
    const { lines } = await logsOf('/services/LogCategories');
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [
        ['WARN', '{proxy:LogCategories} c = warn'],
        ['ERROR', '{proxy:LogCategories} c = error'],
        ['DEBUG', '{proxy:LogCategories} c = debug'],
        ['FATAL', '{proxy:LogCategories} c = fatal'],
        ['INFO', '{proxy:LogCategories} c = info'],
      ],
    );
  });

  it('prefixes lines from an API with {api:Name}', async () => {
    const { lines } = await logsOf('/logapi/x');
    assert.equal(lines[0]!.message, '{api:LogApi} where = api');
  });

  it('rejects a level that is not one of simple, headers, full, custom (case-sensitive)', async () => {
    const d = s.deployer.last!.diagnostics.find((x) => x.file.endsWith('LogBadLevel.xml') && x.severity === 'error');
    assert.ok(d);
    assert.equal(d.code, 'MI_ART_007');
    assert.match(d.message, /Level has to be one of the following : simple, headers, full, custom/);
  });
});
