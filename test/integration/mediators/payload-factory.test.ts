import assert from 'node:assert/strict';
import { startTestServer, post, get, soap11, SYN, type TestServer } from '../../helpers/server.js';

const ORDER = soap11('<order><symbol>IBM</symbol><qty>12</qty><customer><id>7</id><name>Ann &amp; Bob</name></customer></order>');
const JSON_ORDER = JSON.stringify({ order: { symbol: 'IBM', qty: 12, customer: { id: 7, name: 'Ann' }, tags: ['a', 'b'] } });

const proxy = (name: string, body: string) => `<proxy ${SYN} name="${name}"><target><inSequence>${body}<respond/></inSequence></target></proxy>`;
/** The payload element inside soap:Body of a reply. */
const bodyOf = (env: string) => /<soapenv:Body>([\s\S]*)<\/soapenv:Body>/.exec(env)?.[1] ?? '';
const noEmptyNs = (t: string) => t.replace(/ xmlns=""/g, '');

describe('payloadFactory over HTTP', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'local-entries/quoteFormat.xml': `<localEntry ${SYN} key="quoteFormat"><q:quote xmlns:q="urn:quote"><q:symbol>$1</q:symbol><q:qty>$2</q:qty></q:quote></localEntry>`,
      'local-entries/jsonFormat.xml': `<localEntry ${SYN} key="jsonFormat">{"sym":"$1"}</localEntry>`,
      'proxy-services/XmlNs.xml': proxy(
        'XmlNs',
        `<payloadFactory media-type="xml">
           <format><m:resp xmlns:m="urn:resp"><m:sym>$1</m:sym><m:qty>$2</m:qty><plain xmlns="">$3</plain></m:resp></format>
           <args><arg expression="//symbol"/><arg expression="//qty"/><arg value="literal"/></args>
         </payloadFactory>`,
      ),
      'proxy-services/XmlArgs.xml': proxy(
        'XmlArgs',
        `<property name="xmlText" value="&lt;extra&gt;&lt;x&gt;1&lt;/x&gt;&lt;/extra&gt;"/>
         <property name="notXml" value="a &lt; b"/>
         <payloadFactory media-type="xml">
           <format><r xmlns=""><copied>$1</copied><text>$2</text><escaped>$3</escaped><fromProp>$4</fromProp><propText>$5</propText><name>$6</name></r></format>
           <args>
             <arg expression="//customer"/>
             <arg expression="//symbol"/>
             <arg value="x &lt; y &amp; z"/>
             <arg expression="$ctx:xmlText"/>
             <arg expression="$ctx:notXml"/>
             <arg expression="//customer/name"/>
           </args>
         </payloadFactory>`,
      ),
      'proxy-services/JsonArgs.xml': proxy(
        'JsonArgs',
        `<payloadFactory media-type="json">
           <format>{"str":"$1","num":$2,"obj":$3,"quoted":"$4","text":"$5"}</format>
           <args>
             <arg expression="//symbol"/>
             <arg expression="//qty"/>
             <arg expression="//customer"/>
             <arg value="say &quot;hi&quot;\\now"/>
             <arg expression="//customer/name"/>
           </args>
         </payloadFactory>`,
      ),
      'proxy-services/JsonEval.xml': proxy(
        'JsonEval',
        `<payloadFactory media-type="json">
           <format>{"symbol":"$1","qty":$2,"customer":$3,"tags":$4,"first":"$5"}</format>
           <args>
             <arg evaluator="json" expression="$.order.symbol"/>
             <arg evaluator="json" expression="$.order.qty"/>
             <arg evaluator="json" expression="$.order.customer"/>
             <arg expression="json-eval($.order.tags)"/>
             <arg evaluator="json" expression="$.order.tags[0]"/>
           </args>
         </payloadFactory>`,
      ),
      'proxy-services/JsonToXml.xml': proxy(
        'JsonToXml',
        `<payloadFactory media-type="xml">
           <format><order xmlns=""><sym>$1</sym><cust>$2</cust></order></format>
           <args><arg evaluator="json" expression="$.order.symbol"/><arg evaluator="json" expression="$.order.customer"/></args>
         </payloadFactory>`,
      ),
      'proxy-services/Text.xml': proxy(
        'Text',
        `<payloadFactory media-type="text"><format>Order $1 x $2 &lt;done&gt;</format><args><arg expression="//symbol"/><arg expression="//qty"/></args></payloadFactory>`,
      ),
      'proxy-services/FromEntry.xml': proxy(
        'FromEntry',
        `<payloadFactory media-type="xml"><format key="quoteFormat"/><args><arg expression="//symbol"/><arg expression="//qty"/></args></payloadFactory>`,
      ),
      'proxy-services/JsonFromEntry.xml': proxy(
        'JsonFromEntry',
        `<payloadFactory media-type="json"><format key="jsonFormat"/><args><arg expression="//symbol"/></args></payloadFactory>`,
      ),
      'proxy-services/Envelope.xml': proxy(
        'Envelope',
        `<payloadFactory media-type="xml"><format><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><h:x xmlns:h="urn:h">1</h:x></soapenv:Header><soapenv:Body><done xmlns="">$1</done></soapenv:Body></soapenv:Envelope></format><args><arg expression="//symbol"/></args></payloadFactory>`,
      ),
      'api/Pf.xml': `<api ${SYN} name="Pf" context="/pf"><resource methods="GET" uri-template="/x/{id}"><inSequence>
          <payloadFactory media-type="xml"><format><item xmlns=""><id>$1</id></item></format><args><arg expression="$ctx:uri.var.id"/></args></payloadFactory>
          <respond/></inSequence></resource></api>`,
    });
  });
  after(async () => {
    await s.close();
  });

  it('builds an XML payload with the namespaces of the format, keeping the SOAP envelope of the request', async () => {
    const r = await post(`${s.url}/services/XmlNs`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.equal(noEmptyNs(bodyOf(r.text)), '<m:resp xmlns:m="urn:resp"><m:sym>IBM</m:sym><m:qty>12</m:qty><plain>literal</plain></m:resp>');
    assert.doesNotMatch(r.text, /ws\.apache\.org\/ns\/synapse/);
  });

  it('inserts XML arguments as XML and escapes text arguments', async () => {
    const r = await post(`${s.url}/services/XmlArgs`, ORDER);
    assert.equal(r.status, 200, r.text);
    assert.equal(
      noEmptyNs(bodyOf(r.text)),
      '<r><copied><customer><id>7</id><name>Ann &amp; Bob</name></customer></copied><text>IBM</text><escaped>x &lt; y &amp; z</escaped>' +
        '<fromProp><extra><x>1</x></extra></fromProp><propText>a &lt; b</propText><name>Ann &amp; Bob</name></r>',
    );
  });

  it('builds JSON with string, number and object arguments (XML arguments mapped to JSON)', async () => {
    const r = await post(`${s.url}/services/JsonArgs`, ORDER);
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/json/);
    assert.deepEqual(JSON.parse(r.text), {
      str: 'IBM',
      num: 12,
      obj: { customer: { id: 7, name: 'Ann & Bob' } },
      // a value argument is XML-escaped whatever the media type (Synapse TemplateProcessor.getArgValues)
      quoted: 'say &quot;hi&quot;\\now',
      text: 'Ann & Bob',
    });
  });

  it('evaluates json-eval arguments on a JSON request (evaluator="json")', async () => {
    const r = await post(`${s.url}/services/JsonEval`, JSON_ORDER, { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(JSON.parse(r.text), { symbol: 'IBM', qty: 12, customer: { id: 7, name: 'Ann' }, tags: ['a', 'b'], first: 'a' });
  });

  it('inserts a JSON object argument into an XML format as XML, and answers application/xml to a JSON client', async () => {
    const r = await post(`${s.url}/services/JsonToXml`, JSON_ORDER, { 'content-type': 'application/json' });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.equal(noEmptyNs(r.text), '<order><sym>IBM</sym><cust><id>7</id><name>Ann</name></cust></order>');
  });

  it('builds a text payload sent as text/plain', async () => {
    const r = await post(`${s.url}/services/Text`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^text\/plain/);
    assert.equal(r.text, 'Order IBM x 12 <done>');
  });

  it('takes the format from a local entry (XML and JSON)', async () => {
    const r = await post(`${s.url}/services/FromEntry`, ORDER);
    assert.equal(bodyOf(r.text), '<q:quote xmlns:q="urn:quote"><q:symbol>IBM</q:symbol><q:qty>12</q:qty></q:quote>');
    const j = await post(`${s.url}/services/JsonFromEntry`, ORDER);
    assert.deepEqual(JSON.parse(j.text), { sym: 'IBM' });
  });

  it('replaces the whole envelope when the format is a SOAP envelope', async () => {
    const r = await post(`${s.url}/services/Envelope`, ORDER);
    assert.equal(r.status, 200);
    assert.match(r.text, /<soapenv:Header><h:x xmlns:h="urn:h">1<\/h:x><\/soapenv:Header>/);
    assert.match(noEmptyNs(r.text), /<soapenv:Body><done>IBM<\/done><\/soapenv:Body>/);
    assert.equal((r.text.match(/Envelope/g) ?? []).length, 2, 'not an envelope inside an envelope');
  });

  it('answers application/xml for an XML payload built on a GET request', async () => {
    const r = await get(`${s.url}/pf/x/42`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /^application\/xml/);
    assert.equal(noEmptyNs(r.text), '<item><id>42</id></item>');
  });
});
