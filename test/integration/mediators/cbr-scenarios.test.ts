/**
 * The content-based-routing scenarios of WSO2's EI/MI performance tests (bench/scenarios/proxies/CBR*.xml,
 * license headers dropped, RealService rewritten to a local echo backend) with the 1000-byte buyStocks request.
 */
import assert from 'node:assert/strict';
import { startBackend, startTestServer, post, SYN, type Backend, type TestServer } from '../../helpers/server.js';

/** bench/scenarios/requests/1000B_buyStocks.xml, byte for byte (981 bytes). */
const BUY_STOCKS =
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n' +
  '<soapenv:Header><routing xmlns="http://someuri">xadmin;server1;community#1.0##</routing></soapenv:Header>\n' +
  '<soapenv:Body><m:buyStocks xmlns:m="http://services.samples/xsd">\n' +
  '<order><symbol>N</symbol><buyerID>n</buyerID><price>1.0</price><volume>1</volume></order>\n' +
  '<order><symbol>SUN</symbol><buyerID>indika</buyerID><price>14.56</price><volume>500</volume></order>\n' +
  '<order><symbol>MSFT</symbol><buyerID>doe</buyerID><price>23.56</price><volume>8030</volume></order>\n' +
  '<order><symbol>IBM</symbol><buyerID>john</buyerID><price>140.34</price><volume>2000</volume></order>\n' +
  '<order><symbol>N</symbol><buyerID>n</buyerID><price>1.0</price><volume>1</volume></order>\n' +
  '<order><symbol>SUN</symbol><buyerID>indika</buyerID><price>14.56</price><volume>500</volume></order>\n' +
  '<order><symbol>MSFT</symbol><buyerID>doe</buyerID><price>23.56</price><volume>8030</volume></order>\n' +
  '</m:buyStocks></soapenv:Body></soapenv:Envelope>\n';

const ROUTE = 'xadmin;server1;community#1.0##';

const ELSE_FAULT = (reason: string) => `<else>
                    <makefault version="soap11">
                        <code value="soap11Env:Server" xmlns:soap11Env="http://schemas.xmlsoap.org/soap/envelope/"/>
                        <reason value="${reason}"/>
                    </makefault>
                    <header action="remove" name="To" scope="default"/>
                    <property name="RESPONSE" scope="default" type="STRING" value="true"/>
                    <send/>
                </else>`;

const cbrProxy = (name: string, filterAttrs: string, reason: string) => `<?xml version="1.0" encoding="UTF-8"?>
<proxy name="${name}" startOnLoad="true" transports="https http" xmlns="http://ws.apache.org/ns/synapse">
    <target>
        <inSequence>
            <filter ${filterAttrs}>
                <then>
                    <send>
                        <endpoint key="RealService"/>
                    </send>
                </then>
                ${ELSE_FAULT(reason)}
            </filter>
        </inSequence>
        <outSequence>
            <send/>
        </outSequence>
        <faultSequence/>
    </target>
    <publishWSDL key="proxy_wsdl"/>
</proxy>`;

const S11 = 'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"';

describe('CBR bench scenarios over HTTP', () => {
  let backend: Backend;
  let s: TestServer;
  before(async () => {
    backend = await startBackend();
    s = await startTestServer({
      'endpoints/RealService.xml': `<?xml version="1.0" encoding="UTF-8"?>
<endpoint name="RealService" xmlns="http://ws.apache.org/ns/synapse">
    <address uri="${backend.url}/service/EchoService">
        <timeout>
            <duration>30000</duration>
            <responseAction>fault</responseAction>
        </timeout>
        <suspendOnFailure>
            <errorCodes>-1</errorCodes>
            <progressionFactor>1.0</progressionFactor>
        </suspendOnFailure>
        <markForSuspension>
            <errorCodes>-1</errorCodes>
        </markForSuspension>
    </address>
</endpoint>`,
      'local-entries/proxy_wsdl.xml': `<localEntry key="proxy_wsdl" ${SYN}><definitions name="EchoWSDL" targetNamespace="http://services.samples/xsd" xmlns="http://schemas.xmlsoap.org/wsdl/"/></localEntry>`,
      'proxy-services/CBRProxy.xml': cbrProxy('CBRProxy', `regex=".*" source="//order[1]/symbol" ${S11}`, 'First order must be for the symbol IBM'),
      // the same proxy with a selective regex, to exercise its else branch (the bench regex ".*" matches everything)
      'proxy-services/CBRProxyIBM.xml': cbrProxy('CBRProxyIBM', `regex="IBM" source="//order[1]/symbol" ${S11}`, 'First order must be for the symbol IBM'),
      'proxy-services/CBRSOAPHeaderProxy.xml': cbrProxy(
        'CBRSOAPHeaderProxy',
        `regex="xadmin;server1;community#1.0##" source="/soapenv:Envelope/soapenv:Header/t:routing" ${S11} xmlns:t="http://someuri"`,
        'Invalid routing header',
      ),
      'proxy-services/CBRTransportHeaderProxy.xml': cbrProxy('CBRTransportHeaderProxy', `regex="xadmin;server1;community#1.0##" source="$trp:routing" ${S11}`, 'Invalid routing header'),
    });
  });
  after(async () => {
    await s.close();
    await backend.close();
  });

  function assertEcho(r: { status: number; headers: Headers; text: string }, body = BUY_STOCKS): void {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, body, 'the echo backend response comes back unchanged');
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    const seen = backend.requests.at(-1)!;
    assert.equal(seen.url, '/service/EchoService');
    assert.equal(seen.body, body, 'the request reaches the backend unchanged');
  }

  function assertFault(r: { status: number; headers: Headers; text: string }, reason: string, backendCallsBefore: number): void {
    assert.equal(r.status, 500);
    assert.match(r.headers.get('content-type')!, /^text\/xml/);
    assert.match(r.text, /^<soapenv:Envelope xmlns:soapenv="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">(<soapenv:Header\/?>(<\/soapenv:Header>)?)?<soapenv:Body><soapenv:Fault>/);
    assert.match(r.text, /<faultcode xmlns:soap11Env="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">soap11Env:Server<\/faultcode>/, "the code keeps the prefix the artifact declares, as in Micro Integrator");
    assert.match(r.text, new RegExp(`<faultstring>${reason}</faultstring>`));
    assert.equal(backend.requests.length, backendCallsBefore, 'a rejected message never reaches the backend');
  }

  it('all four proxies deploy without errors', () => {
    const errors = s.deployer.last!.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors, []);
  });

  it('CBRProxy routes the 1000B buyStocks request to the backend and echoes it', async () => {
    assertEcho(await post(`${s.url}/services/CBRProxy`, BUY_STOCKS, { SOAPAction: 'urn:buyStocks' }));
    // Axis2's TargetRequest writes the message's SOAPAction quoted, whatever the client sent
    assert.equal(backend.requests.at(-1)!.headers['soapaction'], '"urn:buyStocks"');
  });

  it('CBRProxy with regex IBM answers the else branch fault: the first order is not IBM', async () => {
    const n = backend.requests.length;
    assertFault(await post(`${s.url}/services/CBRProxyIBM`, BUY_STOCKS), 'First order must be for the symbol IBM', n);
    const ibmFirst = BUY_STOCKS.replace('<symbol>N</symbol>', '<symbol>IBM</symbol>');
    assertEcho(await post(`${s.url}/services/CBRProxyIBM`, ibmFirst), ibmFirst);
  });

  it('CBRSOAPHeaderProxy routes on the routing SOAP header', async () => {
    assertEcho(await post(`${s.url}/services/CBRSOAPHeaderProxy`, BUY_STOCKS));
  });

  it('CBRSOAPHeaderProxy answers a 500 SOAP fault for a wrong or missing routing header', async () => {
    const n = backend.requests.length;
    const wrong = BUY_STOCKS.replace(ROUTE, 'xadmin;server2;community#1.0##');
    assertFault(await post(`${s.url}/services/CBRSOAPHeaderProxy`, wrong), 'Invalid routing header', n);
    const partial = BUY_STOCKS.replace(ROUTE, 'xadmin;server1');
    assertFault(await post(`${s.url}/services/CBRSOAPHeaderProxy`, partial), 'Invalid routing header', n);
    const none = BUY_STOCKS.replace(/<soapenv:Header>.*<\/soapenv:Header>\n/, '');
    assertFault(await post(`${s.url}/services/CBRSOAPHeaderProxy`, none), 'Invalid routing header', n);
  });

  it('CBRTransportHeaderProxy routes on the routing HTTP header', async () => {
    assertEcho(await post(`${s.url}/services/CBRTransportHeaderProxy`, BUY_STOCKS, { routing: ROUTE }));
    assertEcho(await post(`${s.url}/services/CBRTransportHeaderProxy`, BUY_STOCKS, { Routing: ROUTE }));
  });

  it('CBRTransportHeaderProxy answers a 500 SOAP fault for a wrong or missing routing HTTP header', async () => {
    const n = backend.requests.length;
    assertFault(await post(`${s.url}/services/CBRTransportHeaderProxy`, BUY_STOCKS, { routing: 'nobody' }), 'Invalid routing header', n);
    assertFault(await post(`${s.url}/services/CBRTransportHeaderProxy`, BUY_STOCKS), 'Invalid routing header', n);
  });

  it('serves the proxy_wsdl local entry on ?wsdl', async () => {
    const r = await fetch(`${s.url}/services/CBRProxy?wsdl`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /name="EchoWSDL"/);
  });
});
