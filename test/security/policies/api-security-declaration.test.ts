import assert from 'node:assert/strict';
import { ParseAbort, ParseContext } from '../../../src/artifacts/parse-context.js';
import { parseApi } from '../../../src/artifacts/parse-api.js';
import { formatDiagnostic } from '../../../src/artifacts/diagnostic.js';
import { parseXml } from '../../../src/xml/dom.js';
import type { Api } from '../../../src/artifacts/model.js';

const NS = 'xmlns="http://ws.apache.org/ns/synapse"';

function parse(body: string, hasJwtIssuers = true): { api: Api | undefined; errors: string[]; warnings: string[] } {
  const ctx = new ParseContext('api/Coffee.xml', { parseMediator: () => undefined, hasJwtIssuers });
  let api: Api | undefined;
  try {
    api = parseApi(parseXml(`<api ${NS} name="Coffee" context="/coffee">\n${body}\n</api>`).documentElement, ctx);
  } catch (err) {
    if (!(err instanceof ParseAbort)) throw err;
  }
  const fmt = (sev: string) => ctx.diagnostics.filter((d) => d.severity === sev).map(formatDiagnostic);
  return { api, errors: fmt('error'), warnings: fmt('warning') };
}

const names = (api: Api, i: number) => api.resources[i]!.access?.policies.map((p) => p.name) ?? [];

describe('declaring API security in an artifact', () => {
  it('gives every resource the API-level <security> and lets a resource replace it or open itself', () => {
    const { api, errors } = parse(`
      <security><oauth2 scopes="read:menu"/></security>
      <resource methods="GET" uri-template="/menu"/>
      <resource methods="POST" uri-template="/order"><security><oauth2 scopes="write:order"/><basic_auth/></security></resource>
      <resource methods="GET" uri-template="/health"><security auth="none"/></resource>`);
    assert.deepEqual(errors, []);
    assert.deepEqual(names(api!, 0), ['api_security']);
    assert.deepEqual(names(api!, 1), ['api_security']);
    assert.notEqual(api!.resources[0]!.access!.policies[0], api!.resources[1]!.access!.policies[0], 'the resource has its own policy');
    assert.equal(api!.resources[2]!.access, null, 'an open resource has no access phase at all');
    assert.deepEqual(api!.access?.policies.map((p) => p.name), ['api_security']);
  });

  it('leaves an API without a declaration open, with no access phase', () => {
    const { api } = parse('<resource methods="GET" uri-template="/menu"/>');
    assert.equal(api!.resources[0]!.access, null);
    assert.equal(api!.access, null);
  });

  it("reads API Manager's APIAuthenticationHandler as the gateway publishes it", () => {
    const { api, errors, warnings } = parse(`
      <resource methods="GET" uri-template="/menu"/>
      <handlers>
        <handler class="org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler">
          <property name="RemoveOAuthHeadersFromOutMessage" value="true"/>
          <property name="APILevelPolicy" value=""/>
          <property name="keyManagers" value="all"/>
          <property name="APISecurity" value="oauth2,basic_auth,oauth_basic_auth_api_key_mandatory"/>
          <property name="apiUUID" value="53002210-f0c8-4e86-97db-b6a31092ba2a"/>
        </handler>
      </handlers>`);
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
    assert.deepEqual(names(api!, 0), ['api_security']);
    assert.equal(api!.handlers, undefined, 'it is an access policy, not a handler');
  });

  it("reads api_key in API Manager's APISecurity and <api_key> (header, query, or either by default)", () => {
    const apim = parse(`<resource methods="GET" uri-template="/menu"/>
      <handlers><handler class="org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler"><property name="APISecurity" value="api_key"/></handler></handlers>`);
    assert.deepEqual(apim.errors, []);
    assert.deepEqual(apim.api!.securityReport!.map((l) => l.security), ['api_key (header apikey, query apikey)'], 'api_key alone: no oauth2 added');
    const xml = parse(`<resource methods="GET" uri-template="/a"><security><api_key in="query" name="k"/></security></resource>
      <resource methods="GET" uri-template="/b"><security><api_key/><oauth2/></security></resource>`);
    assert.deepEqual(xml.errors, []);
    assert.deepEqual(xml.api!.securityReport!.map((l) => l.security), ['api_key (query k)', 'oauth2 | api_key (header apikey, query apikey)']);
  });

  const bad: [string, string, RegExp][] = [
    ['an unknown scheme', '<security><saml/></security>', /api\/Coffee\.xml:\d+:\d+  MI_API_001  <saml> is not a security scheme/],
    ['a misspelt attribute (a typo must not drop a scope)', '<security><oauth2 scope="admin"/></security>', /MI_API_001  <oauth2> has no attribute 'scope'/],
    ['a scheme twice', '<security><oauth2/><oauth2 scopes="a"/></security>', /MI_API_001  <oauth2> is declared twice/],
    ['an empty declaration', '<security/>', /MI_API_001  <security> lists no scheme/],
    ['a bad flag', '<security><mutualssl mandatory="yes"/></security>', /MI_API_001  mandatory must be true or false/],
    ['an optional certificate alone', '<security><mutualssl mandatory="false"/></security>', /MI_API_001  an optional <mutualssl> alone secures nothing/],
    ['auth other than none', '<security auth="basic"/>', /MI_API_001  auth must be 'none'/],
    ['an open API', '<security auth="none"/>', /MI_API_001  <security auth="none"\/> belongs on a resource/],
    ['an API key in a cookie', '<security><api_key in="cookie"/></security>', /MI_API_001  api_key in must be 'header' or 'query', not 'cookie'/],
    ['an API key with an empty name', '<security><api_key name=" "/></security>', /MI_API_001  api_key name must not be empty/],
    [
      'an unknown APISecurity scheme',
      '<handlers><handler class="org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler"><property name="APISecurity" value="oauth2,saml"/></handler></handlers>',
      /MI_API_001  APISecurity has an unknown scheme 'saml'/,
    ],
  ];
  for (const [what, xml, expected] of bad) {
    it(`refuses ${what} at deploy time with file:line`, () => {
      const { errors } = parse(`${xml}\n<resource methods="GET" uri-template="/menu"/>`);
      assert.ok(errors.some((e) => expected.test(e)), errors.join('\n'));
    });
  }

  it('refuses a bad declaration on a resource at its line', () => {
    const { errors } = parse(`<resource methods="GET" uri-template="/menu">\n<security><oauth2 scopes="a" audience="x"/></security>\n</resource>`);
    assert.ok(errors.some((e) => e.startsWith('api/Coffee.xml:3:') && e.includes("MI_API_001  <oauth2> has no attribute 'audience'")), errors.join('\n'));
  });

  it('refuses oauth2 when deployment.toml has no [[jwt_issuer]] (MI_API_002)', () => {
    const { errors } = parse('<security><oauth2/></security><resource methods="GET" uri-template="/menu"/>', false);
    assert.ok(errors.some((e) => e.includes('MI_API_002')), errors.join('\n'));
  });
});
