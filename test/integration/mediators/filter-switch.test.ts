import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../../helpers/server.js';

const order = (sym: string) => soap11(`<m:order xmlns:m="http://services.samples"><m:symbol>${sym}</m:symbol></m:order>`);
const SOAP12 = (sym: string) =>
  `<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><m:order xmlns:m="http://services.samples"><m:symbol>${sym}</m:symbol></m:order></soap:Body></soap:Envelope>`;

/** The mediators that answer {"branch": name} and stop. */
const answer = (branch: string) =>
  `<payloadFactory media-type="json"><format>{"branch":"${branch}"}</format><args/></payloadFactory><respond/>`;
const proxy = (name: string, body: string) =>
  `<proxy ${SYN} name="${name}"><target><inSequence>${body}${answer('fell-through')}</inSequence></target></proxy>`;

describe('filter and switch over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'sequences/ThenSeq.xml': `<sequence ${SYN} name="ThenSeq">${answer('then-sequence')}</sequence>`,
      'sequences/ElseSeq.xml': `<sequence ${SYN} name="ElseSeq">${answer('else-sequence')}</sequence>`,
      'proxy-services/FilterXPath.xml': proxy(
        'FilterXPath',
        `<filter xpath="//m:symbol = 'IBM'" xmlns:m="http://services.samples"><then>${answer('then')}</then><else>${answer('else')}</else></filter>`,
      ),
      'proxy-services/FilterNodeSet.xml': proxy('FilterNodeSet', `<filter xpath="//m:price" xmlns:m="http://services.samples"><then>${answer('has-price')}</then></filter>`),
      'proxy-services/FilterRegex.xml': proxy(
        'FilterRegex',
        `<filter source="//m:symbol" regex="IB" xmlns:m="http://services.samples"><then>${answer('partial-matched')}</then><else>${answer('whole-string-only')}</else></filter>`,
      ),
      'proxy-services/FilterRegexAll.xml': proxy(
        'FilterRegexAll',
        `<filter source="//m:symbol" regex="I.*|MSFT" xmlns:m="http://services.samples"><then>${answer('matched')}</then><else>${answer('else')}</else></filter>`,
      ),
      'proxy-services/FilterTrp.xml': proxy('FilterTrp', `<filter source="$trp:X-Route" regex="gold"><then>${answer('gold')}</then></filter>`),
      'proxy-services/FilterSeqAttr.xml': proxy(
        'FilterSeqAttr',
        `<filter source="//m:symbol" regex="IBM" xmlns:m="http://services.samples"><then sequence="ThenSeq"/><else sequence="ElseSeq"/></filter>`,
      ),
      'proxy-services/FilterPlain.xml': proxy('FilterPlain', `<filter source="//m:symbol" regex="IBM" xmlns:m="http://services.samples">${answer('children')}</filter>`),
      'proxy-services/FilterBad.xml': proxy('FilterBad', `<filter source="//symbol"><then/></filter>`),
      'proxy-services/Switch.xml': proxy(
        'Switch',
        `<switch source="//m:symbol" xmlns:m="http://services.samples">
           <case regex="IBM">${answer('ibm')}</case>
           <case regex="I.*">${answer('i-star')}</case>
           <case regex="MS">${answer('ms-partial')}</case>
           <default>${answer('default')}</default>
         </switch>`,
      ),
      'proxy-services/SwitchNoDefault.xml': proxy('SwitchNoDefault', `<switch source="//m:symbol" xmlns:m="http://services.samples"><case regex="IBM">${answer('ibm')}</case></switch>`),
      'proxy-services/SwitchSoap.xml': proxy(
        'SwitchSoap',
        `<switch source="get-property('MESSAGE_FORMAT')">
           <case regex="soap11">${answer('soap11')}</case>
           <case regex="soap12">${answer('soap12')}</case>
           <default>${answer('pox')}</default>
         </switch>`,
      ),
    });
  });
  after(async () => {
    await s.close();
  });

  const branch = async (name: string, body: string, headers: Record<string, string> = {}): Promise<string> => {
    const r = await post(`${s.url}/services/${name}`, body, headers);
    assert.equal(r.status, 200, r.text);
    return JSON.parse(r.text).branch;
  };

  it('filter with a boolean xpath runs then or else', async () => {
    assert.equal(await branch('FilterXPath', order('IBM')), 'then');
    assert.equal(await branch('FilterXPath', order('MSFT')), 'else');
  });

  it('filter with an xpath selecting nodes is true when a node exists', async () => {
    assert.equal(await branch('FilterNodeSet', soap11('<m:order xmlns:m="http://services.samples"><m:price>1</m:price></m:order>')), 'has-price');
    assert.equal(await branch('FilterNodeSet', order('IBM')), 'fell-through');
  });

  it('filter source+regex matches the whole string, not a part of it', async () => {
    assert.equal(await branch('FilterRegex', order('IBM')), 'whole-string-only');
    assert.equal(await branch('FilterRegex', order('IB')), 'partial-matched');
    assert.equal(await branch('FilterRegexAll', order('IBM')), 'matched');
    assert.equal(await branch('FilterRegexAll', order('MSFT')), 'matched');
    assert.equal(await branch('FilterRegexAll', order('XMSFT')), 'else');
  });

  it('filter on a transport header, falling through when it does not match and there is no else', async () => {
    assert.equal(await branch('FilterTrp', order('IBM'), { 'X-Route': 'gold' }), 'gold');
    assert.equal(await branch('FilterTrp', order('IBM'), { 'X-Route': 'silver' }), 'fell-through');
    assert.equal(await branch('FilterTrp', order('IBM')), 'fell-through');
  });

  it('then/else with a sequence= attribute run the named sequence', async () => {
    assert.equal(await branch('FilterSeqAttr', order('IBM')), 'then-sequence');
    assert.equal(await branch('FilterSeqAttr', order('SUN')), 'else-sequence');
  });

  it('filter without then/else runs its children only when the condition holds', async () => {
    assert.equal(await branch('FilterPlain', order('IBM')), 'children');
    assert.equal(await branch('FilterPlain', order('SUN')), 'fell-through');
  });

  it('filter needs xpath, or source with regex (deploy error otherwise)', async () => {
    const d = s.deployer.last!.diagnostics.find((x) => x.file.endsWith('FilterBad.xml') && x.severity === 'error');
    assert.ok(d);
    assert.equal((await post(`${s.url}/services/FilterBad`, order('IBM'))).status, 404);
  });

  it('switch runs the first case whose regex matches the whole source, else default', async () => {
    assert.equal(await branch('Switch', order('IBM')), 'ibm');
    assert.equal(await branch('Switch', order('INTC')), 'i-star');
    assert.equal(await branch('Switch', order('MSFT')), 'default', 'MS does not match MSFT as a whole');
    assert.equal(await branch('Switch', order('MS')), 'ms-partial');
  });

  it('switch without default continues after the switch when no case matches', async () => {
    assert.equal(await branch('SwitchNoDefault', order('IBM')), 'ibm');
    assert.equal(await branch('SwitchNoDefault', order('SUN')), 'fell-through');
  });

  it("switch on get-property('MESSAGE_FORMAT') tells SOAP 1.1, SOAP 1.2 and POX apart", async () => {
    assert.equal(await branch('SwitchSoap', order('IBM')), 'soap11');
    assert.equal(await branch('SwitchSoap', SOAP12('IBM'), { 'content-type': 'application/soap+xml' }), 'soap12');
    assert.equal(await branch('SwitchSoap', '<order><symbol>IBM</symbol></order>', { 'content-type': 'application/xml' }), 'pox');
  });
});
