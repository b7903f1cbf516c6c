import assert from 'node:assert/strict';
import { EndpointError } from '../../src/endpoints/endpoint.js';
import { compileUrlTemplate } from '../../src/endpoints/url-template.js';
import { testMessage, testRuntime } from '../helpers/message.js';
import { endpoint, rejection, startBackend } from './helpers.js';

describe('http endpoint', () => {
  it('builds the URL from uri.var and query.param properties, URL-encoded, and uses the endpoint method', async () => {
    const backend = await startBackend((_req, res) => res.end('{}'));
    const ep = endpoint(`<endpoint><http method="put" uri-template="${backend.url}/orders/{uri.var.id}/items?q={query.param.q}"/></endpoint>`);
    try {
      const mc = testMessage(testRuntime(), { method: 'POST', body: '{"n":1}', contentType: 'application/json' });
      mc.setProperty('uri.var.id', 'a b/c');
      mc.setProperty('query.param.q', 'x&y');
      await ep.send(mc);
      const seen = backend.seen[0]!;
      assert.equal(seen.method, 'PUT');
      assert.equal(seen.url, '/orders/a%20b%2Fc/items?q=x%26y');
      assert.equal(seen.body.toString(), '{"n":1}');
      assert.equal(mc.axis2.get('HTTP_SC'), 200);
    } finally {
      await backend.close();
    }
  });

  it('does not append REST_URL_POSTFIX: the template is the whole URL', async () => {
    const backend = await startBackend((_req, res) => res.end());
    const ep = endpoint(`<endpoint><http method="get" uri-template="${backend.url}/fixed"/></endpoint>`);
    try {
      const mc = testMessage(testRuntime(), { method: 'GET' });
      mc.axis2.set('REST_URL_POSTFIX', '/extra');
      await ep.send(mc);
      assert.equal(backend.seen[0]!.url, '/fixed');
    } finally {
      await backend.close();
    }
  });

  it('fails with an endpoint error when the template does not resolve to an http(s) URL', async () => {
    const ep = endpoint(`<endpoint><http uri-template="{uri.var.target}"/></endpoint>`);
    const mc = testMessage(testRuntime());
    mc.setProperty('uri.var.target', 'ftp://example.org/x');
    const err = await rejection(() => ep.send(mc));
    assert.ok(err instanceof EndpointError);
    assert.match(err.message, /not an http\(s\) URL/);
  });
});

describe('url templates (RFC 6570)', () => {
  const vars: Record<string, string> = { id: '42', q: 'a b', empty: '', path: '/x/y', 'uri.var.url': 'http://h:1/p?q=1' };
  const expand = (t: string): string => compileUrlTemplate(t).expand((n) => vars[n]);

  it('expands simple, reserved, path, query and continuation expressions', () => {
    assert.equal(expand('http://h/{id}'), 'http://h/42');
    assert.equal(expand('http://h/{q}'), 'http://h/a%20b');
    assert.equal(expand('http://h{+path}'), 'http://h/x/y');
    assert.equal(expand('http://h/items{?id,q,missing}'), 'http://h/items?id=42&q=a%20b');
    assert.equal(expand('http://h/items?a=1{&id}'), 'http://h/items?a=1&id=42');
    assert.equal(expand('http://h{/id,q}'), 'http://h/42/a%20b');
    assert.equal(expand('http://h/{missing}'), 'http://h/', 'undefined variables expand to nothing');
    assert.equal(expand('http://h/x{?empty}'), 'http://h/x?empty=');
  });

  it('takes the whole URL from a leading variable without encoding its reserved characters', () => {
    assert.equal(expand('{uri.var.url}'), 'http://h:1/p?q=1');
  });

  it('rejects unclosed and malformed expressions', () => {
    assert.throws(() => compileUrlTemplate('http://h/{id'), /unclosed/);
    assert.throws(() => compileUrlTemplate('http://h/{a b}'), /not a valid template expression/);
  });
});
