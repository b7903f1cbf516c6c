/**
 * payloadFactory edge cases, as Synapse's PayloadFactoryMediator handles them: the output is parsed inside
 * <pfPadding> and only its first element goes into the body; a JSON format builds a body on a GET that had
 * none; an argument that selects nothing puts nothing in place of its $n.
 */
import assert from 'node:assert/strict';
import { get, post, startTestServer, SYN, type TestServer } from '../../helpers/server.js';

describe('payloadFactory edge cases', () => {
  let s: TestServer;
  before(async () => {
    const api = (name: string, methods: string, template: string, seq: string): [string, string] => [
      `api/${name}.xml`,
      `<api ${SYN} name="${name}" context="/${name.toLowerCase()}"><resource methods="${methods}" uri-template="${template}"><inSequence>${seq}<respond/></inSequence></resource></api>`,
    ];
    s = await startTestServer(
      Object.fromEntries([
        ['local-entries/twoRoots.xml', `<localEntry ${SYN} key="twoRoots"><![CDATA[ <first>$1</first>tail<second/> ]]></localEntry>`],
        api('Two', 'POST', '/', `<payloadFactory media-type="xml"><format key="twoRoots"/><args><arg expression="//symbol"/></args></payloadFactory>`),
        api('Items', 'POST', '/', `<payloadFactory media-type="xml"><format><picked xmlns="">$1</picked></format><args><arg expression="//item"/></args></payloadFactory>`),
        api('JsonGet', 'GET', '/{id}', `<payloadFactory media-type="json"><format>{"id":"$1","q":"$2"}</format><args><arg expression="$ctx:uri.var.id"/><arg expression="$url:q"/></args></payloadFactory>`),
        api('Missing', 'POST', '/', `<payloadFactory media-type="xml"><format><r xmlns=""><v>$1</v><w>$2</w></r></format><args><arg expression="//missing"/><arg expression="//symbol"/></args></payloadFactory>`),
        api('MissingJson', 'POST', '/', `<payloadFactory media-type="json"><format>{"v":"$1","w":"$2"}</format><args><arg expression="//missing"/><arg expression="//symbol"/></args></payloadFactory>`),
        api('Deep', 'POST', '/', `<payloadFactory media-type="xml"><format><r xmlns="">$1</r></format><args><arg expression="//symbol" deepCheck="false"/></args></payloadFactory>`),
      ]),
    );
  });
  after(async () => {
    await s.close();
  });

  const xml = { 'content-type': 'application/xml' };

  it('a format with several root elements puts only the first into the body (the text and the rest dropped)', async () => {
    const r = await post(`${s.url}/two`, '<order><symbol>IBM</symbol></order>', xml);
    assert.equal(r.status, 200);
    assert.equal(r.text, '<first>IBM</first>');
  });

  it('an argument selecting several elements with text gives their texts, joined (SynapseXPath.stringValueOf)', async () => {
    const r = await post(`${s.url}/items`, '<order><item>a</item><item>b</item></order>', xml);
    assert.equal(r.text, '<picked>ab</picked>');
  });

  it('a JSON format builds the body of a GET request that had none', async () => {
    const r = await get(`${s.url}/jsonget/7?q=x%20y`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.text, '{"id":"7","q":"x y"}');
  });

  it('an argument selecting nothing puts nothing in its place (XML: an empty element)', async () => {
    const r = await post(`${s.url}/missing`, '<order><symbol>IBM</symbol></order>', xml);
    assert.equal(r.text, '<r><v/><w>IBM</w></r>');
  });

  it('an argument selecting nothing puts nothing in its place (JSON: an empty string)', async () => {
    const r = await post(`${s.url}/missingjson`, '<order><symbol>IBM</symbol></order>', xml);
    assert.equal(r.text, '{"v":"","w":"IBM"}');
  });

  it('deepCheck is accepted and changes nothing', async () => {
    const r = await post(`${s.url}/deep`, '<order><symbol>IBM</symbol></order>', xml);
    assert.equal(r.text, '<r>IBM</r>');
  });
});
