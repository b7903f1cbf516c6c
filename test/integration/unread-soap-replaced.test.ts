/**
 * A SOAP request whose body is replaced before anything read it (a payloadFactory first in the sequence)
 * is still a SOAP message: it answers in an envelope, as text/xml, as Micro Integrator does.
 */
import assert from 'node:assert/strict';
import { startTestServer, post, soap11, SYN, type TestServer } from '../helpers/server.js';

describe('a SOAP message replaced before it was read', function () {
  this.timeout(60_000);
  let s: TestServer;
  before(async () => {
    s = await startTestServer({
      'proxy-services/Replace.xml': `<proxy ${SYN} name="Replace"><target><inSequence>
          <payloadFactory media-type="xml"><format><a xmlns=""/></format><args/></payloadFactory><respond/>
        </inSequence></target></proxy>`,
    });
  });
  after(() => s.close());

  it('answers in a SOAP envelope, as text/xml', async () => {
    const r = await post(`${s.url}/services/Replace`, soap11('<x/>'));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/xml; charset=UTF-8');
    assert.equal(r.text, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><a/></soapenv:Body></soapenv:Envelope>');
  });
});
