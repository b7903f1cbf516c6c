/**
 * clone and foreach over real HTTP: MI's results (the foreach cases are those of MI's ForeachNativeJSONTestCase),
 * the continuation after a call (clone + call + aggregate in one in-sequence), and the deploy-time refusals.
 */
import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, soap11, SYN, type Backend, type TestServer } from '../../helpers/server.js';

const M0 = 'xmlns:m0="http://services.samples"';

describe('clone and foreach over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend((req, body, res) => {
      const delay = req.url?.startsWith('/slow') ? 150 : 0;
      setTimeout(() => {
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'text/plain' });
        res.end(req.url?.startsWith('/action') ? soap11(`<m0:seen ${M0}><m0:action>${String(req.headers.soapaction ?? '')}</m0:action><m0:path>${req.url}</m0:path></m0:seen>`) : body);
      }, delay);
    });
    s = await startTestServer({
      'proxy-services/CloneTwo.xml': `<proxy ${SYN} name="CloneTwo"><target>
          <inSequence>
            <clone id="c1">
              <target soapAction="urn:first"><endpoint><address uri="${backend.url}/action"/></endpoint></target>
              <target soapAction="urn:second"><sequence><send><endpoint><address uri="${backend.url}/action"/></endpoint></send></sequence></target>
            </clone>
          </inSequence>
          <outSequence>
            <aggregate id="c1"><onComplete ${M0} expression="//m0:seen"><send/></onComplete></aggregate>
          </outSequence>
        </target></proxy>`,
      // the documented MI 4 shape: clone targets call, and the aggregate follows the clone in the in-sequence
      'api/Doctors.xml': `<api ${SYN} name="Doctors" context="/doctors">
          <resource methods="POST" uri-template="/all">
            <inSequence>
              <clone>
                <target><sequence>
                  <payloadFactory media-type="json"><format>{"doctors":{"doctor":[{"name":"Ann","hospital":"grand oak"}]}}</format><args/></payloadFactory>
                  <call><endpoint><address uri="${backend.url}/slow"/></endpoint></call>
                </sequence></target>
                <target><sequence>
                  <payloadFactory media-type="json"><format>{"doctors":{"doctor":[{"name":"Bob","hospital":"pine valley"},{"name":"Cid","hospital":"pine valley"}]}}</format><args/></payloadFactory>
                  <call><endpoint><address uri="${backend.url}/echo"/></endpoint></call>
                </sequence></target>
              </clone>
              <aggregate>
                <completeCondition><messageCount max="-1" min="-1"/></completeCondition>
                <onComplete aggregateElementType="root" expression="json-eval($.doctors.doctor)"><respond/></onComplete>
              </aggregate>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/parent">
            <inSequence>
              <clone continueParent="true" sequential="true">
                <target to="${backend.url}/echo"><sequence><send/></sequence></target>
              </clone>
              <payloadFactory media-type="json"><format>{"parent":"went on"}</format><args/></payloadFactory>
              <respond/>
            </inSequence>
          </resource>
        </api>`,
      'api/TestForEachMediatorNativeJson.xml': `<api ${SYN} name="TestForEachMediatorNativeJson" context="/foreachsample">
          <resource methods="POST" uri-template="/foreachjson1">
            <inSequence>
              <foreach id="foreach1" expression="json-eval($.students.studentlist)">
                <sequence>
                  <payloadFactory media-type="json"><format>                  {"candidate" : $1}              </format>
                    <args><arg evaluator="json" expression="$"/></args></payloadFactory>
                </sequence>
              </foreach>
              <respond/>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/foreachjson2">
            <inSequence>
              <payloadFactory media-type="json"><format>{
                    "getQuote": ["check", {"hello" : "world"}, true, 1]}</format></payloadFactory>
              <foreach id="foreach2" expression="json-eval($.getQuote)"><sequence><log level="full"/></sequence></foreach>
              <respond/>
            </inSequence>
          </resource>
          <resource methods="POST" uri-template="/foreachjson3">
            <inSequence>
              <foreach id="foreach3" expression="json-eval($)">
                <sequence>
                  <payloadFactory media-type="json"><format>                  {"candidate" : $1}              </format>
                    <args><arg evaluator="json" expression="$"/></args></payloadFactory>
                </sequence>
              </foreach>
              <respond/>
            </inSequence>
            <outSequence/>
            <faultSequence/>
          </resource>
        </api>`,
      'proxy-services/ForEachXml.xml': `<proxy ${SYN} name="ForEachXml"><target><inSequence>
          <foreach ${M0} expression="//m0:getQuote/m0:request">
            <sequence>
              <property name="inner" value="set inside"/>
              <payloadFactory media-type="xml"><format><m0:checkPriceRequest ${M0}><m0:code>$1</m0:code></m0:checkPriceRequest></format>
                <args><arg ${M0} expression="//m0:symbol"/></args></payloadFactory>
            </sequence>
          </foreach>
          <property name="X-Inner" expression="get-property('inner')" scope="transport"/>
          <respond/>
        </inSequence></target></proxy>`,
      'proxy-services/ForEachWithCall.xml': `<proxy ${SYN} name="ForEachWithCall"><target><inSequence>
          <foreach expression="//a"><sequence><call><endpoint><address uri="${backend.url}/echo"/></endpoint></call></sequence></foreach>
        </inSequence></target></proxy>`,
      'proxy-services/AttachWithoutPreserve.xml': `<proxy ${SYN} name="AttachWithoutPreserve"><target><inSequence>
          <iterate expression="//a" attachPath="//b"><target><sequence><drop/></sequence></target></iterate>
        </inSequence></target></proxy>`,
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  it('clone sends a copy to each target with its soapAction, and the replies are aggregated by id', async () => {
    const r = await post(`${s.url}/services/CloneTwo`, soap11(`<m0:ping ${M0}/>`));
    assert.equal(r.status, 200);
    const seen = (action: string): string => `<m0:seen xmlns:m0="http://services.samples"><m0:action>${action}</m0:action><m0:path>/action</m0:path></m0:seen>`;
    const body = /<soapenv:Body>(.*)<\/soapenv:Body>/.exec(r.text)?.[1] ?? '';
    // the SOAPAction goes out quoted, as SOAP 1.1 writes it
    assert.ok(body.includes(seen('"urn:first"')) && body.includes(seen('"urn:second"')), r.text);
    assert.equal(body.length, seen('"urn:first"').length + seen('"urn:second"').length);
  });

  it('clone targets that call resume the in-sequence after the clone: the aggregate there gathers their answers', async () => {
    const r = await post(`${s.url}/doctors/all`, '{}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    // pine valley answered first (grand oak is slow); each reply's doctor array is one element of the result
    assert.deepEqual(JSON.parse(r.text), [
      [{ name: 'Bob', hospital: 'pine valley' }, { name: 'Cid', hospital: 'pine valley' }],
      { name: 'Ann', hospital: 'grand oak' },
    ]);
  });

  it('continueParent lets the original message go on while the copy is sent to the target To address', async () => {
    const before = backend.requests.length;
    const r = await post(`${s.url}/doctors/parent`, '{"order":1}', { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '{"parent":"went on"}');
    const sent = backend.requests.slice(before);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.url, '/echo');
    assert.equal(sent[0]!.body, '{"order":1}');
  });

  it('foreach transforms each element of a JSON array in place (MI ForeachNativeJSONTestCase)', async () => {
    const input = { students: { studentlist: [{ Name: 'Alice', Age: 35 }, { Name: 'Bob', Age: 32 }, { Name: 'Camry', Age: 27, Status: ['Married'] }] } };
    const r = await post(`${s.url}/foreachsample/foreachjson1`, JSON.stringify(input), { 'content-type': 'application/json' });
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.text), { students: { studentlist: input.students.studentlist.map((c) => ({ candidate: c })) } });
  });

  it('foreach over elements of different types leaves them as they were', async () => {
    const r = await post(`${s.url}/foreachsample/foreachjson2`, '', { 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(r.text), { getQuote: ['check', { hello: 'world' }, true, 1] });
  });

  it('foreach over a JSON array at the root', async () => {
    const list = [{ Name: 'Alice', Age: 35 }, { Name: 'Bob', Age: 32 }, { Name: 'Camry', Age: 27, Status: ['Married'] }];
    const r = await post(`${s.url}/foreachsample/foreachjson3`, JSON.stringify(list), { 'content-type': 'application/json' });
    assert.deepEqual(JSON.parse(r.text), list.map((c) => ({ candidate: c })));
  });

  it('foreach replaces each selected XML element with its sequence result; properties set inside stay inside', async () => {
    const req = soap11(`<m0:getQuote ${M0}><m0:group>G1</m0:group><m0:request><m0:symbol>IBM</m0:symbol></m0:request><m0:request><m0:symbol>WSO2</m0:symbol></m0:request></m0:getQuote>`);
    const r = await post(`${s.url}/services/ForEachXml`, req);
    assert.equal(r.status, 200);
    const price = (sym: string): string => `<m0:checkPriceRequest xmlns:m0="http://services.samples"><m0:code>${sym}</m0:code></m0:checkPriceRequest>`;
    assert.equal(r.text, soap11(`<m0:getQuote ${M0}><m0:group>G1</m0:group>${price('IBM')}${price('WSO2')}</m0:getQuote>`));
    assert.equal(r.headers.get('x-inner'), '');
  });

  it('refuses at deploy a call inside foreach, and an attachPath without preservePayload (MI_ART_040)', () => {
    const diags = s.deployer.last!.diagnostics.filter((d) => d.severity === 'error');
    const call = diags.find((d) => d.file.endsWith('ForEachWithCall.xml'));
    assert.equal(call?.code, 'MI_ART_040');
    assert.match(call!.message, /Call, Send and CallOut mediators are not allowed inside a for-each mediator/);
    const attach = diags.find((d) => d.file.endsWith('AttachWithoutPreserve.xml'));
    assert.equal(attach?.code, 'MI_ART_040');
    assert.match(attach!.message, /if the iterator should not preserve payload, then attachPath can not be present/);
  });
});
