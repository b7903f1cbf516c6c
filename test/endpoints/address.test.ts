import assert from 'node:assert/strict';
import http from 'node:http';
import { PassThrough } from 'node:stream';
import { Payload } from '../../src/context/payload.js';
import { EndpointError } from '../../src/endpoints/endpoint.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { closedPort, endpoint, listen, rejection, SOAP_REQUEST, startBackend, type Backend } from './helpers.js';

describe('address endpoint', () => {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((o) => o.close()));
  });

  it('passes a SOAP request through and turns the message into the backend response', async () => {
    const backend = await startBackend((_req, res, body) => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8', 'x-backend': 'echo' });
      res.end(body.toString().replace(/getQuote/g, 'getQuoteResponse'));
    });
    open.push(backend);
    const ep = endpoint(`<endpoint name="Echo"><address uri="${backend.url}/service/EchoService"/></endpoint>`);
    const rt = testRuntime();
    const mc = testMessage(rt, { body: SOAP_REQUEST, contentType: 'text/xml; charset=UTF-8', headers: { soapaction: '"urn:getQuote"', 'x-client': 'c1' } });

    await ep.send(mc);

    const seen = backend.seen[0]!;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/service/EchoService');
    assert.equal(seen.headers['content-type'], 'text/xml; charset=UTF-8');
    assert.equal(seen.headers['soapaction'], '"urn:getQuote"');
    assert.equal(seen.headers['x-client'], 'c1');
    assert.equal(seen.body.toString(), SOAP_REQUEST, 'untouched body leaves byte for byte');

    assert.equal(mc.isResponse, true);
    assert.equal(mc.axis2.get('HTTP_SC'), 200);
    assert.equal(mc.headers.get('x-backend'), 'echo');
    assert.equal(mc.headers.has('x-client'), false, 'request headers do not leak into the response');
    await mc.payload.load();
    assert.equal(mc.payload.kind, 'soap11');
    assert.equal(mc.payload.bodyElement()?.localName, 'getQuoteResponse');
  });

  it('keeps the response body as a stream until someone reads it', async () => {
    const backend = await startBackend((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"backend says no"}');
    });
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/x"/></endpoint>`);
    const mc = testMessage(testRuntime(), { body: '{}', contentType: 'application/json' });
    await ep.send(mc);
    assert.equal(mc.axis2.get('HTTP_SC'), 500, 'an HTTP error status is a response, not an endpoint failure');
    assert.equal(mc.payload.isReady, false);
    await mc.payload.load();
    assert.deepEqual(mc.payload.json(), { error: 'backend says no' });
  });

  it('a backend that closes the connection while sending the response body gives 101510 (closed + RESPONSE_BODY) to whoever reads the payload', async () => {
    const backend = await startBackend((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 20);
    });
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/x"/></endpoint>`);
    const mc = testMessage(testRuntime(), { body: '{}', contentType: 'application/json' });
    await ep.send(mc);
    const err = await rejection(() => mc.payload.load());
    assert.ok(err instanceof EndpointError, String(err));
    assert.equal(err.synapseCode, 101510);
  });

  it('streams a request body that was never read: the backend sees bytes before the client finished', async () => {
    let firstChunkSeen!: () => void;
    const firstChunk = new Promise<void>((r) => (firstChunkSeen = r));
    const received: Buffer[] = [];
    const server = http.createServer((req, res) => {
      req.on('data', (c: Buffer) => {
        received.push(c);
        firstChunkSeen();
      });
      req.on('end', () => res.end('ok'));
    });
    const backend: Backend = await listen(server);
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/upload"/></endpoint>`);
    const rt = testRuntime();
    const mc = testMessage(rt, { contentType: 'application/octet-stream' });
    const body = new PassThrough();
    mc.payload = new Payload('application/octet-stream', body, { maxBodyBytes: 1 << 20, maxXmlDepth: 100 });

    body.write(Buffer.from('part-1;'));
    const sending = ep.send(mc);
    await firstChunk; // the request is under way while the body is still open
    body.end(Buffer.from('part-2'));
    await sending;

    assert.equal(Buffer.concat(received).toString(), 'part-1;part-2');
    await mc.payload.load();
    assert.equal(mc.payload.text(), 'ok');
  });

  it('appends REST_URL_POSTFIX to the address', async () => {
    const backend = await startBackend((_req, res) => res.end());
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/svc"/></endpoint>`);
    const mc = testMessage(testRuntime(), { method: 'GET', url: '/services/P/orders/7?x=1' });
    mc.axis2.set('REST_URL_POSTFIX', '/orders/7?x=1');
    await ep.send(mc);
    assert.equal(backend.seen[0]!.url, '/svc/orders/7?x=1');
    assert.equal(backend.seen[0]!.method, 'GET');
  });

  it('uses HTTP_METHOD when a mediator set it', async () => {
    const backend = await startBackend((_req, res) => res.end());
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/svc"/></endpoint>`);
    const mc = testMessage(testRuntime(), { body: '<a/>', contentType: 'application/xml' });
    mc.axis2.set('HTTP_METHOD', 'PUT');
    await ep.send(mc);
    assert.equal(backend.seen[0]!.method, 'PUT');
    assert.equal(backend.seen[0]!.body.toString(), '<a/>');
  });

  it('sets the endpoint <property> children on the message before sending', async () => {
    const backend = await startBackend((_req, res) => res.end());
    open.push(backend);
    const ep = endpoint(
      `<endpoint><property name="x-api-key" value="k1" scope="transport"/><property name="HTTP_METHOD" expression="$ctx:verb" scope="axis2"/>` +
        `<address uri="${backend.url}/svc"/></endpoint>`,
    );
    const mc = testMessage(testRuntime(), { body: '<a/>', contentType: 'application/xml' });
    mc.setProperty('verb', 'PATCH');
    await ep.send(mc);
    assert.equal(backend.seen[0]!.headers['x-api-key'], 'k1');
    assert.equal(backend.seen[0]!.method, 'PATCH');
  });

  it('format="pox" sends the payload of a SOAP request without the envelope', async () => {
    const backend = await startBackend((_req, res) => res.end());
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/svc" format="pox"/></endpoint>`);
    const mc = testMessage(testRuntime(), { body: SOAP_REQUEST, contentType: 'text/xml' });
    await ep.send(mc);
    const seen = backend.seen[0]!;
    assert.match(String(seen.headers['content-type']), /^application\/xml/);
    assert.match(seen.body.toString(), /^<m:getQuote/);
  });

  it('connection refused fails with 101503 and a message without credentials', async () => {
    const port = await closedPort();
    const ep = endpoint(`<endpoint name="Down"><address uri="http://admin:s3cret@127.0.0.1:${port}/x"/></endpoint>`);
    const rt = testRuntime();
    const err = await rejection(() => ep.send(testMessage(rt, { body: '<a/>', contentType: 'application/xml' })));
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 101503);
    assert.equal(err.message, `Connection refused to http://127.0.0.1:${port}/x`);
    const logged = rt.logLines.map((l) => l.message).join('\n');
    assert.match(logged, /Suspending endpoint : Down/);
    assert.doesNotMatch(logged, /s3cret/);
  });

  it('times out with 101504 after about the configured duration when the backend never answers', async () => {
    const backend = await startBackend(() => {
      /* never answers */
    });
    open.push(backend);
    const ep = endpoint(
      `<endpoint><address uri="${backend.url}/slow"><timeout><duration>300</duration><responseAction>fault</responseAction></timeout></address></endpoint>`,
    );
    const started = Date.now();
    const err = await rejection(() => ep.send(testMessage(testRuntime(), { body: '<a/>', contentType: 'application/xml' })));
    const elapsed = Date.now() - started;
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 101504);
    assert.equal(err.discarded, false);
    assert.ok(elapsed >= 250 && elapsed < 5000, `timed out after ${elapsed} ms`);
  });

  it('responseAction="discard" still fails the call (marked as discarded) rather than leaving the client waiting', async () => {
    const backend = await startBackend(() => {});
    open.push(backend);
    const ep = endpoint(`<endpoint><address uri="${backend.url}/slow"><timeout><duration>200</duration><responseAction>discard</responseAction></timeout></address></endpoint>`);
    const err = await rejection(() => ep.send(testMessage(testRuntime(), { body: '<a/>', contentType: 'application/xml' })));
    assert.ok(err instanceof EndpointError);
    assert.equal(err.synapseCode, 101504);
    assert.equal(err.discarded, true);
  });
});
