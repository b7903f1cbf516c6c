import assert from 'node:assert/strict';
import { ApiRouter, type RoutableApi, type RoutableResource, type RouteResult } from '../../src/api/router.js';
import { compileUriTemplate, compileUrlMapping, MATCH_ANY } from '../../src/api/uri-template.js';

interface TestResource extends RoutableResource {
  readonly id: string;
}
interface TestApi extends RoutableApi {
  readonly resources: readonly TestResource[];
}

/** `spec`: 'GET POST /view/{s}' | 'GET url:/foo/*' | 'any' | '/x' (no methods). */
function res(id: string, spec: string): TestResource {
  const parts = spec.split(' ');
  const last = parts.pop()!;
  const methods = parts.length > 0 ? new Set(parts) : undefined;
  const matcher = last === 'any' ? MATCH_ANY : last.startsWith('url:') ? compileUrlMapping(last.slice(4)) : compileUriTemplate(last);
  return { id, methods, matcher };
}

function api(name: string, context: string, resources: TestResource[], extra: Partial<TestApi> = {}): TestApi {
  return { name, context, resources, ...extra };
}

function matched(r: RouteResult<TestApi>): { api: string; resource: string; vars: Record<string, string>; subPath: string; contextPath: string } {
  assert.equal(r.kind, 'match', `expected a match, got ${JSON.stringify(r.kind === 'no-api' ? r : { kind: r.kind, api: r.api.name })}`);
  if (r.kind !== 'match') throw new Error('unreachable');
  return { api: r.api.name, resource: r.resource.id, vars: r.vars, subPath: r.subPath, contextPath: r.contextPath };
}

describe('api/router', () => {
  const stock = api('StockQuoteAPI', '/stockquote', [
    res('view', 'GET /view/{symbol}'),
    res('order', 'POST PUT /order/{id}'),
    res('search', 'GET /search?q={q}&page={p}'),
  ]);
  const stockRoot = api('Stock', '/stock', [res('all', 'any')]);
  const router = new ApiRouter<TestApi>([stockRoot, stock]);

  it('exposes the APIs it was built from', () => {
    assert.deepEqual(router.apis.map((a) => a.name), ['Stock', 'StockQuoteAPI']);
  });

  it('routes to the resource and extracts variables', () => {
    assert.deepEqual(matched(router.route('GET', '/stockquote/view/IBM', '')), {
      api: 'StockQuoteAPI',
      resource: 'view',
      vars: { symbol: 'IBM' },
      subPath: '/view/IBM',
      contextPath: '/stockquote',
    });
  });

  it('reports the resource index in the API', () => {
    const r = router.route('PUT', '/stockquote/order/9', '');
    assert.equal(r.kind, 'match');
    if (r.kind === 'match') {
      assert.equal(r.resourceIndex, 1);
      assert.equal(r.resource, stock.resources[1]);
      assert.equal(r.api, stock);
    }
  });

  it('decodes variables', () => {
    assert.deepEqual(matched(router.route('GET', '/stockquote/view/A%20B', '')).vars, { symbol: 'A B' });
    assert.deepEqual(matched(router.route('GET', '/stockquote/search', 'page=2&q=a+b')).vars, { q: 'a b', p: '2' });
  });

  it('splits a query left on the path', () => {
    assert.deepEqual(matched(router.route('GET', '/stockquote/search?q=x&page=1', '')).vars, { q: 'x', p: '1' });
  });

  it('matches contexts on segment boundaries only', () => {
    assert.equal(matched(router.route('GET', '/stock/view/IBM', '')).api, 'Stock');
    assert.equal(matched(router.route('GET', '/stock', '')).api, 'Stock');
    assert.equal(matched(router.route('GET', '/stock/', '')).subPath, '/');
    assert.equal(router.route('GET', '/stockquotes/view/IBM', '').kind, 'no-api');
    assert.equal(router.route('GET', '/stoc', '').kind, 'no-api');
    assert.equal(router.route('GET', '/', '').kind, 'no-api');
    assert.equal(router.route('GET', '/Stock', '').kind, 'no-api', 'contexts are case-sensitive');
  });

  it('the sub-path of a request to the bare context is "/"', () => {
    const r = new ApiRouter([api('A', '/a', [res('root', 'GET /'), res('q', 'GET ?x={x}')])]);
    assert.equal(matched(r.route('GET', '/a', '')).resource, 'root');
    assert.equal(matched(r.route('GET', '/a/', '')).resource, 'root');
    assert.deepEqual(matched(r.route('GET', '/a', 'x=5')).vars, {}, 'document order: "/" ignores the query and comes first');
    const r2 = new ApiRouter([api('A', '/a', [res('q', 'GET ?x={x}'), res('root', 'GET /')])]);
    assert.deepEqual(matched(r2.route('GET', '/a', 'x=5')), { api: 'A', resource: 'q', vars: { x: '5' }, subPath: '/', contextPath: '/a' });
    assert.equal(matched(r2.route('GET', '/a', '')).resource, 'root');
  });

  it('picks the longest context prefix', () => {
    const r = new ApiRouter([
      api('Root', '/', [res('r', 'any')]),
      api('A', '/a', [res('a', 'any')]),
      api('AB', '/a/b', [res('ab', 'any')]),
      api('ABC', '/a/b/c/', [res('abc', 'any')]),
    ]);
    assert.equal(matched(r.route('GET', '/a/b/c/d', '')).api, 'ABC');
    assert.equal(matched(r.route('GET', '/a/b/c', '')).api, 'ABC');
    assert.equal(matched(r.route('GET', '/a/b/x', '')).api, 'AB');
    assert.deepEqual(matched(r.route('GET', '/a/bc', '')), { api: 'A', resource: 'a', vars: {}, subPath: '/bc', contextPath: '/a' });
    assert.equal(matched(r.route('GET', '/z', '')).api, 'Root');
    assert.deepEqual(matched(r.route('GET', '/', '')), { api: 'Root', resource: 'r', vars: {}, subPath: '/', contextPath: '/' });
    assert.equal(matched(r.route('GET', '', '')).api, 'Root');
  });

  it('routes versioned contexts (/ctx/1.0.0 and /ctx/{version} substituted) next to the unversioned one', () => {
    const r = new ApiRouter([
      api('Orders', '/orders', [res('u', 'GET /{id}')]),
      api('Orders:v1.0.0', '/orders/1.0.0', [res('v1', 'GET /{id}')]),
      api('Orders:v2.0.0', '/orders/2.0.0', [res('v2', 'GET /{id}')]),
      api('Ctx:v3', '/api/v3/orders', [res('v3', 'GET /{id}')]),
    ]);
    assert.deepEqual(matched(r.route('GET', '/orders/1.0.0/7', '')), {
      api: 'Orders:v1.0.0', resource: 'v1', vars: { id: '7' }, subPath: '/7', contextPath: '/orders/1.0.0',
    });
    assert.equal(matched(r.route('GET', '/orders/2.0.0/7', '')).api, 'Orders:v2.0.0');
    assert.deepEqual(matched(r.route('GET', '/orders/7', '')).vars, { id: '7' });
    assert.equal(matched(r.route('GET', '/orders/7', '')).api, 'Orders');
    assert.equal(matched(r.route('GET', '/orders/1.0.1', '')).api, 'Orders');
    assert.equal(matched(r.route('GET', '/api/v3/orders/5', '')).resource, 'v3');
    assert.equal(r.route('GET', '/api/v4/orders/5', '').kind, 'no-api');
  });

  describe('hostname and port filters', () => {
    const r = new ApiRouter([
      api('Any', '/svc', [res('any', 'any')]),
      api('Host', '/svc', [res('host', 'any')], { hostname: 'api.example.com' }),
      api('HostPort', '/svc', [res('hp', 'any')], { hostname: 'api.example.com', port: 8443 }),
      api('PortOnly', '/p', [res('po', 'any')], { port: 8290 }),
      api('Fallback', '/', [res('fb', 'any')]),
      api('HostOnlyCtx', '/h', [res('h', 'any')], { hostname: 'h.example.com' }),
    ]);
    it('prefers the API whose filter matches', () => {
      assert.equal(matched(r.route('GET', '/svc/x', '', 'api.example.com', 8443)).api, 'HostPort');
      assert.equal(matched(r.route('GET', '/svc/x', '', 'API.Example.com', 80)).api, 'Host');
      assert.equal(matched(r.route('GET', '/svc/x', '', 'other.example.com', 8443)).api, 'Any');
      assert.equal(matched(r.route('GET', '/svc/x', '')).api, 'Any');
    });
    it('reads the port from the host when no port is given', () => {
      assert.equal(matched(r.route('GET', '/svc/x', '', 'api.example.com:8443')).api, 'HostPort');
      assert.equal(matched(r.route('GET', '/svc/x', '', 'api.example.com:9000')).api, 'Host');
      assert.equal(matched(r.route('GET', '/p/x', '', 'localhost:8290')).api, 'PortOnly');
      assert.equal(matched(r.route('GET', '/p/x', '', '[::1]:8290')).api, 'PortOnly');
    });
    it('an explicit port wins over the Host header port', () => {
      assert.equal(matched(r.route('GET', '/p/x', '', 'localhost:8290', 8291)).api, 'Fallback');
    });
    it('falls back to shorter contexts when a filtered API does not take the request', () => {
      assert.equal(matched(r.route('GET', '/p/x', '', 'localhost', 8280)).api, 'Fallback');
      assert.equal(matched(r.route('GET', '/h/x', '', 'other')).api, 'Fallback');
      assert.equal(matched(r.route('GET', '/h/x', '')).api, 'Fallback', 'no host information');
      assert.equal(matched(r.route('GET', '/h/x', '', 'h.example.com:8290')).api, 'HostOnlyCtx');
    });
    it('no API at all when nothing passes', () => {
      const only = new ApiRouter([api('H', '/h', [res('h', 'any')], { hostname: 'h' })]);
      assert.equal(only.route('GET', '/h/x', '', 'x').kind, 'no-api');
      assert.equal(matched(only.route('GET', '/h/x', '', 'H')).api, 'H');
    });
  });

  describe('404 and 405', () => {
    it('405 with the allowed methods when the path matches but the method does not', () => {
      const r = router.route('DELETE', '/stockquote/order/1', '');
      assert.deepEqual(r.kind === 'method-not-allowed' && { api: r.api.name, allowed: r.allowed }, {
        api: 'StockQuoteAPI',
        allowed: ['POST', 'PUT'],
      });
    });
    it('405 collects the methods of every resource matching the path', () => {
      const r = new ApiRouter([
        api('A', '/a', [res('g', 'GET /items/{id}'), res('p', 'PUT PATCH /items/*'), res('o', 'POST /other'), res('d', 'PUT /items/{x}')]),
      ]);
      const out = r.route('DELETE', '/a/items/1', '');
      assert.equal(out.kind, 'method-not-allowed');
      if (out.kind === 'method-not-allowed') assert.deepEqual(out.allowed, ['GET', 'PUT', 'PATCH']);
    });
    it('405 even when another resource accepts the method for a different path', () => {
      const out = router.route('POST', '/stockquote/view/IBM', '');
      assert.equal(out.kind, 'method-not-allowed');
      if (out.kind === 'method-not-allowed') assert.deepEqual(out.allowed, ['GET']);
    });
    it('404 (no-resource) when no resource matches the path', () => {
      const r = router.route('GET', '/stockquote/nothing/here', '');
      assert.equal(r.kind, 'no-resource');
      if (r.kind === 'no-resource') assert.equal(r.api.name, 'StockQuoteAPI');
      assert.equal(router.route('GET', '/stockquote/search', 'q=1').kind, 'no-resource', 'query parameter missing');
      assert.equal(router.route('DELETE', '/stockquote/nothing', '').kind, 'no-resource');
    });
    it('does not fall back to another API when the chosen API has no resource', () => {
      const r = new ApiRouter([api('Root', '/', [res('r', 'any')]), api('A', '/a', [res('x', 'GET /x')])]);
      assert.equal(r.route('GET', '/a/y', '').kind, 'no-resource');
    });
  });

  describe('methods', () => {
    const r = new ApiRouter([
      api('M', '/m', [res('get', 'get /r'), res('all', '/all'), res('empty', 'any'), res('opt', 'OPTIONS /opt')]),
    ]);
    it('compares methods case-insensitively', () => {
      assert.equal(matched(r.route('GET', '/m/r', '')).resource, 'get');
      assert.equal(matched(r.route('get', '/m/r', '')).resource, 'get');
      assert.equal(matched(r.route('Get', '/m/r', '')).resource, 'get');
    });
    it('a resource without methods allows every method', () => {
      for (const m of ['GET', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']) assert.equal(matched(r.route(m, '/m/all', '')).resource, 'all');
    });
    it('HEAD is not folded into GET (as Synapse)', () => {
      const g = new ApiRouter([api('G', '/g', [res('get', 'GET /r')])]);
      const out = g.route('HEAD', '/g/r', '');
      assert.equal(out.kind, 'method-not-allowed');
      if (out.kind === 'method-not-allowed') assert.deepEqual(out.allowed, ['GET']);
      const h = new ApiRouter([api('G', '/g', [res('get', 'GET HEAD /r')])]);
      assert.equal(matched(h.route('HEAD', '/g/r', '')).resource, 'get');
    });
    it('OPTIONS is an ordinary method', () => {
      const g = new ApiRouter([api('G', '/g', [res('get', 'GET /r'), res('opt', 'OPTIONS /o')])]);
      assert.equal(g.route('OPTIONS', '/g/r', '').kind, 'method-not-allowed');
      assert.equal(matched(g.route('OPTIONS', '/g/o', '')).resource, 'opt');
    });
    it('an empty method set allows every method', () => {
      const g = new ApiRouter([api('G', '/g', [{ id: 'e', methods: new Set<string>(), matcher: compileUriTemplate('/r') }])]);
      assert.equal(matched(g.route('DELETE', '/g/r', '')).resource, 'e');
    });
  });

  describe('resource order', () => {
    it('overlapping uri-templates resolve in document order', () => {
      const first = new ApiRouter([api('A', '/a', [res('literal', 'GET /items/special'), res('var', 'GET /items/{id}')])]);
      assert.equal(matched(first.route('GET', '/a/items/special', '')).resource, 'literal');
      assert.equal(matched(first.route('GET', '/a/items/7', '')).resource, 'var');
      const second = new ApiRouter([api('A', '/a', [res('var', 'GET /items/{id}'), res('literal', 'GET /items/special')])]);
      assert.deepEqual(matched(second.route('GET', '/a/items/special', '')).vars, { id: 'special' });
      assert.equal(matched(second.route('GET', '/a/items/special', '')).resource, 'var');
    });
    it('a later resource with the right method wins over an earlier one with another method', () => {
      const r = new ApiRouter([api('A', '/a', [res('post', 'POST /items/{id}'), res('get', 'GET /items/{x}')])]);
      assert.deepEqual(matched(r.route('GET', '/a/items/1', '')), { api: 'A', resource: 'get', vars: { x: '1' }, subPath: '/items/1', contextPath: '/a' });
      assert.equal(matched(r.route('POST', '/a/items/1', '')).resource, 'post');
    });
    it('a wildcard template declared first catches everything after it', () => {
      const r = new ApiRouter([api('A', '/a', [res('star', 'GET /*'), res('view', 'GET /view/{s}')])]);
      assert.equal(matched(r.route('GET', '/a/view/x', '')).resource, 'star');
    });
    it('url-mapping: exact, then longest prefix, then extension, then default (Synapse/servlet)', () => {
      const r = new ApiRouter([
        api('A', '/a', [
          res('default', 'GET url:/'),
          res('ext', 'GET url:*.jsp'),
          res('all', 'GET url:/*'),
          res('foo', 'GET url:/foo/*'),
          res('foobar', 'GET url:/foo/bar/*'),
          res('exact', 'GET url:/foo/bar/x.jsp'),
        ]),
      ]);
      assert.equal(matched(r.route('GET', '/a/foo/bar/x.jsp', '')).resource, 'exact');
      assert.equal(matched(r.route('GET', '/a/foo/bar/y.jsp', '')).resource, 'foobar');
      assert.equal(matched(r.route('GET', '/a/foo/y.jsp', '')).resource, 'foo');
      assert.equal(matched(r.route('GET', '/a/foo', '')).resource, 'foo');
      assert.equal(matched(r.route('GET', '/a/y.jsp', '')).resource, 'all');
      const noAll = new ApiRouter([api('A', '/a', [res('default', 'GET url:/'), res('ext', 'GET url:*.jsp'), res('foo', 'GET url:/foo/*')])]);
      assert.equal(matched(noAll.route('GET', '/a/y.jsp', '')).resource, 'ext');
      assert.equal(matched(noAll.route('GET', '/a/y.html', '')).resource, 'default');
      assert.equal(matched(noAll.route('GET', '/a/foo/y.jsp', '')).resource, 'foo');
    });
    it('url-mappings come before uri-templates, and a resource without a matcher comes last', () => {
      const r = new ApiRouter([
        api('A', '/a', [res('any', 'GET any'), res('tpl', 'GET /items/{id}'), res('map', 'GET url:/items/*')]),
      ]);
      assert.equal(matched(r.route('GET', '/a/items/1', '')).resource, 'map');
      assert.equal(matched(r.route('GET', '/a/other', '')).resource, 'any');
      const t = new ApiRouter([api('A', '/a', [res('any', 'GET any'), res('tpl', 'GET /items/{id}')])]);
      assert.equal(matched(t.route('GET', '/a/items/1', '')).resource, 'tpl');
    });
  });

  it('with 500 APIs still picks the right one', () => {
    const apis: TestApi[] = [];
    for (let i = 0; i < 500; i++) {
      const context = i % 5 === 0 ? `/svc${i}/v${i % 3}` : `/svc${i}`;
      apis.push(api(`Api${i}`, context, [res(`get${i}`, 'GET /items/{id}'), res(`post${i}`, 'POST /items')]));
    }
    apis.push(api('Svc1Sub', '/svc1/sub', [res('sub', 'any')]));
    const r = new ApiRouter(apis);
    for (let i = 0; i < 500; i++) {
      const context = i % 5 === 0 ? `/svc${i}/v${i % 3}` : `/svc${i}`;
      const got = matched(r.route('GET', `${context}/items/${i}`, ''));
      assert.equal(got.api, `Api${i}`);
      assert.equal(got.resource, `get${i}`);
      assert.deepEqual(got.vars, { id: String(i) });
      assert.equal(matched(r.route('POST', `${context}/items`, '')).resource, `post${i}`);
      assert.equal(r.route('DELETE', `${context}/items/1`, '').kind, 'method-not-allowed');
    }
    assert.equal(matched(r.route('GET', '/svc1/sub/items/1', '')).api, 'Svc1Sub');
    assert.equal(r.route('GET', '/svc10/items/1', '').kind, 'no-api', '/svc10 only exists as /svc10/v1');
    assert.equal(matched(r.route('GET', '/svc10/v1/items/1', '')).api, 'Api10');
    assert.equal(r.route('GET', '/svc500/items/1', '').kind, 'no-api');
    assert.equal(r.route('GET', '/svc1x/items/1', '').kind, 'no-api');
  });

  it('an empty router answers no-api', () => {
    assert.equal(new ApiRouter<TestApi>([]).route('GET', '/x', '').kind, 'no-api');
  });
});
