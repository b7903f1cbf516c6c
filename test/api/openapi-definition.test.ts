/**
 * An API's OpenAPI definition at deploy time: where it is found (publishSwagger, `<ApiName>_swagger.yaml`),
 * and every way it can be wrong, each reported in the definition file at the line of its JSON path, so the
 * API does not deploy with security it cannot enforce. Also the precedence between XML and the definition.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ParseAbort, ParseContext } from '../../src/artifacts/parse-context.js';
import { parseApi } from '../../src/artifacts/parse-api.js';
import { formatDiagnostic } from '../../src/artifacts/diagnostic.js';
import { parseXml } from '../../src/xml/dom.js';
import type { Api } from '../../src/artifacts/model.js';

const NS = 'xmlns="http://ws.apache.org/ns/synapse"';
const RESOURCES = `<resource methods="GET" uri-template="/menu"/>
<resource methods="POST GET" uri-template="/order/{id}"/>
<resource methods="GET" url-mapping="/files/*"/>`;

describe('OpenAPI definitions at deploy', function () {
  this.timeout(30000);
  let home: string;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-oas-'));
    mkdirSync(path.join(home, 'api'));
    mkdirSync(path.join(home, 'registry', 'governance', 'swagger_files'), { recursive: true });
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  /** Deploys `<api>` from HOME/api/Coffee.xml with the sidecar definition `yaml` (none when undefined). */
  function deploy(yaml: string | undefined, opts: { body?: string; attrs?: string; hasJwtIssuers?: boolean; hasKeyManagers?: boolean; apiSecurityDefault?: 'oauth2' | 'none' } = {}) {
    const file = path.join(home, 'api', 'Coffee.xml');
    const sidecar = path.join(home, 'api', 'Coffee_swagger.yaml');
    rmSync(sidecar, { force: true });
    if (yaml !== undefined) writeFileSync(sidecar, yaml);
    const ctx = new ParseContext(file, { parseMediator: () => undefined, hasJwtIssuers: opts.hasJwtIssuers ?? true, hasKeyManagers: opts.hasKeyManagers, apiSecurityDefault: opts.apiSecurityDefault }, home);
    let api: Api | undefined;
    try {
      api = parseApi(parseXml(`<api ${NS} name="Coffee" context="/coffee" ${opts.attrs ?? ''}>\n${opts.body ?? RESOURCES}\n</api>`).documentElement, ctx);
    } catch (err) {
      if (!(err instanceof ParseAbort)) throw err;
    }
    const rel = <T extends { file: string }>(d: T): T => ({ ...d, file: path.relative(home, d.file) });
    const fmt = (sev: string) => ctx.diagnostics.filter((d) => d.severity === sev).map((d) => formatDiagnostic(rel(d)));
    return { api: ctx.failed ? undefined : api, errors: fmt('error'), warnings: fmt('warning') };
  }

  const doc = (paths: string, extra = '') => `openapi: 3.0.3
info:
  title: Coffee
  version: 1.0.0
paths:
${paths}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://idp/token
          scopes: { read: r, write: w }
    basic:
      type: http
      scheme: basic
    cookie:
      type: apiKey
      in: cookie
      name: session
    digest:
      type: http
      scheme: digest
    key:
      type: apiKey
      in: header
      name: X-Key
${extra}`;
  const menu = (security: string) => `  /menu:\n    get:\n      security: ${security}\n      responses:\n        '200': { description: ok }`;

  it('finds the definition beside the API and reports nothing for a good one', () => {
    const { api, errors, warnings } = deploy(doc(menu('[{ oauth: [read] }]')));
    assert.deepEqual(errors, []);
    assert.deepEqual(warnings, []);
    assert.equal(api!.definition!.file, path.join(home, 'api', 'Coffee_swagger.yaml'));
    assert.deepEqual(
      api!.securityReport!.map((l) => `${l.resource} | ${l.security} | ${l.source}`),
      ['GET /menu | oauth2 (scopes: read) | OpenAPI paths./menu.get.security', 'POST /order/{id} | open | none', 'GET /order/{id} | open | none', 'GET /files/* | open | none'],
    );
  });

  it('reads publishSwagger as a registry path (gov:, /_system/governance/) and prefers it to the file beside the API', () => {
    writeFileSync(path.join(home, 'registry', 'governance', 'swagger_files', 'coffee.yaml'), doc(menu('[{ basic: [] }]')));
    for (const key of ['gov:swagger_files/coffee.yaml', '/_system/governance/swagger_files/coffee.yaml']) {
      const { api, errors, warnings } = deploy(doc(menu('[{ oauth: [] }]')), { attrs: `publishSwagger="${key}"` });
      assert.deepEqual(errors, []);
      assert.equal(api!.securityReport![0]!.security, 'basic_auth', key);
      assert.match(warnings[0]!, /api\/Coffee\.xml:1:\d+  MI_API_020  warning: API 'Coffee' has publishSwagger '.*'; Coffee_swagger\.yaml beside it is ignored/);
    }
  });

  const bad: [string, string | undefined, string, RegExp][] = [
    ['a publishSwagger that names a local entry', undefined, 'publishSwagger="CoffeeSwagger"', /api\/Coffee\.xml:1:\d+  MI_API_015  publishSwagger 'CoffeeSwagger' is not a registry path/],
    ['a publishSwagger outside the registry', undefined, 'publishSwagger="gov:../../etc/passwd"', /MI_API_015  'gov:\.\.\/\.\.\/etc\/passwd' leaves the registry folder/],
    ['a publishSwagger file that is not there', undefined, 'publishSwagger="gov:swagger_files/none.yaml"', /registry\/governance\/swagger_files\/none\.yaml:0:0  MI_API_010  the OpenAPI definition of API 'Coffee' cannot be read: no such file/],
    ['text that is neither YAML nor JSON', 'openapi: 3.0.3\ninfo: [unclosed\n', '', /api\/Coffee_swagger\.yaml:\d+:\d+  MI_API_010  the OpenAPI definition of API 'Coffee' is neither JSON nor YAML/],
    ['Swagger 2.0', 'swagger: "2.0"\ninfo: { title: x, version: "1" }\npaths: {}\n', '', /api\/Coffee_swagger\.yaml:1:1  MI_API_011  .* must be OpenAPI 3\.0 or 3\.1 \(found swagger 2\.0\)/],
    ['a document the specification refuses', doc(menu('[{ oauth: [read] }]')).replace('version: 1.0.0', 'version: 1.0.0\n  license: nope'), '', /MI_API_011  the OpenAPI definition of API 'Coffee' is not a valid OpenAPI 3\.0\.3 document: .*license/],
    ['an operation with no resource', doc(`${menu('[{ oauth: [] }]')}\n  /bar:\n    put:\n      responses:\n        '200': { description: ok }`), '', /api\/Coffee_swagger\.yaml:\d+:\d+  MI_API_012  PUT \/bar \(paths\.\/bar\.put\) matches no resource of the API/],
    ['a method the resource does not take', doc(menu('[{ oauth: [] }]').replace('get:', 'post:')), '', /MI_API_012  POST \/menu \(paths\.\/menu\.post\) matches no resource/],
    ['an apiKey in a cookie', doc(menu('[{ cookie: [] }]')), '', /api\/Coffee_swagger\.yaml:\d+:\d+  MI_API_013  paths\.\/menu\.get\.security\[0\]\.cookie: scheme 'cookie' \(components\.securitySchemes\.cookie\) cannot be enforced: API keys in cookies are not supported/],
    ['an http scheme other than basic and bearer', doc(menu('[{ digest: [] }]')), '', /MI_API_013  paths\.\/menu\.get\.security\[0\]\.digest: .*http scheme 'digest' is not supported/],
    ['a scheme that is not declared', doc(menu('[{ nope: [] }]')), '', /MI_API_013  paths\.\/menu\.get\.security\[0\]\.nope names 'nope', which components\.securitySchemes does not declare/],
    ['two schemes required together', doc(menu('[{ oauth: [], key: [] }]')), '', /MI_API_013  paths\.\/menu\.get\.security\[0\] requires oauth and key together/],
    ['x-wso2-application-security', doc(menu('[{ oauth: [] }]'), 'x-wso2-application-security:\n  security-types: [oauth2]\n'), '', /MI_API_013  x-wso2-application-security \(x-wso2-application-security\) is not supported/],
    ['an x-wso2-disable-security that is no boolean', doc(menu('[{ oauth: [] }]').replace('      security:', '      x-wso2-disable-security: "yes"\n      security:')), '', /MI_API_011  x-wso2-disable-security \(paths\.\/menu\.get\.x-wso2-disable-security\) must be true or false/],
  ];
  for (const [what, yaml, attrs, expected] of bad) {
    it(`refuses ${what}, at the file and line of the problem`, () => {
      const { api, errors } = deploy(yaml, { attrs });
      assert.ok(errors.some((e) => expected.test(e)), errors.join('\n'));
      assert.equal(api, undefined, 'the API does not deploy');
    });
  }

  it('points at the line of the JSON path in the YAML file', () => {
    const yaml = doc(menu('[{ cookie: [] }]'));
    const { errors } = deploy(yaml);
    const line = yaml.split('\n').findIndex((l) => l.includes('security: [{ cookie')) + 1;
    assert.match(errors[0]!, new RegExp(`^api/Coffee_swagger\\.yaml:${line}:\\d+  MI_API_013`));
  });

  it('refuses oauth2 in the definition when deployment.toml has no [[jwt_issuer]] and no [[key_manager]] (MI_API_002)', () => {
    const { errors } = deploy(doc(menu('[{ oauth: [read] }]')), { hasJwtIssuers: false });
    assert.ok(errors.some((e) => /api\/Coffee_swagger\.yaml:\d+:\d+  MI_API_002  paths\.\/menu\.get\.security\[0\]\.oauth: scheme 'oauth' needs a token issuer/.test(e)), errors.join('\n'));
    assert.deepEqual(deploy(doc(menu('[{ oauth: [read] }]')), { hasJwtIssuers: false, hasKeyManagers: true }).errors, [], 'a key manager can admit tokens');
  });

  it('refuses security declared on the <api> in XML and at the top of the definition (MI_API_014)', () => {
    const { errors } = deploy(doc(menu('[{ oauth: [] }]')) + 'security:\n  - oauth: []\n', { body: `<security><basic_auth/></security>\n${RESOURCES}` });
    assert.ok(errors.some((e) => /api\/Coffee\.xml:1:\d+  MI_API_014  API 'Coffee' declares its security in XML and in Coffee_swagger\.yaml \(security\)/.test(e)), errors.join('\n'));
  });

  it('lets an operation of the definition win over the XML <api>, and a resource <security> win over both', () => {
    const { api, errors } = deploy(doc(`${menu('[{ oauth: [read] }]')}\n  /order/{orderId}:\n    get:\n      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]\n      responses:\n        '200': { description: ok }`), {
      body: `<security><basic_auth/></security>
<resource methods="GET" uri-template="/menu"/>
<resource methods="POST GET" uri-template="/order/{id}"/>
<resource methods="GET" url-mapping="/files/*"><security auth="none"/></resource>`,
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(
      api!.securityReport!.map((l) => `${l.resource} | ${l.security} | ${l.source}`),
      ['GET /menu | oauth2 (scopes: read) | OpenAPI paths./menu.get.security', 'POST /order/{id} | basic_auth | XML <api>', 'GET /order/{id} | basic_auth | XML <api>', 'GET /files/* | open | XML <resource>'],
    );
  });

  it('secures the methods of one resource differently when its operations say so, with the top-level security for the rest', () => {
    const yaml = doc(`  /order/{orderId}:\n    parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]\n    get:\n      security: [{ oauth: [read] }]\n      responses:\n        '200': { description: ok }\n    post:\n      x-scope: write\n      responses:\n        '200': { description: ok }`) + 'security:\n  - oauth: []\n  - key: []\n';
    const { api, errors } = deploy(yaml);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      api!.securityReport!.map((l) => `${l.resource} | ${l.security} | ${l.source}`),
      [
        'GET /menu | oauth2 | api_key (header X-Key) | OpenAPI security',
        // x-scope narrows the oauth2 alternative of the top-level security; the API key still admits
        'POST /order/{id} | oauth2 (scopes: write) | api_key (header X-Key) | OpenAPI paths./order/{orderId}.post.x-scope',
        'GET /order/{id} | oauth2 (scopes: read) | OpenAPI paths./order/{orderId}.get.security',
        'GET /files/* | oauth2 | api_key (header X-Key) | OpenAPI security',
      ],
    );
  });

  it("reads the Microgateway's x-wso2-disable-security (top, path, operation) and x-auth-type: None", () => {
    const yaml = doc(`  /menu:\n    x-wso2-disable-security: true\n    get:\n      responses:\n        '200': { description: ok }\n  /order/{orderId}:\n    parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]\n    get:\n      x-auth-type: None\n      responses:\n        '200': { description: ok }\n    post:\n      x-wso2-disable-security: false\n      responses:\n        '200': { description: ok }`) + 'security:\n  - basic: []\n';
    const { api, errors } = deploy(yaml);
    assert.deepEqual(errors, []);
    assert.deepEqual(api!.securityReport!.map((l) => `${l.resource} | ${l.security}`), ['GET /menu | open', 'POST /order/{id} | basic_auth', 'GET /order/{id} | open', 'GET /files/* | basic_auth']);
    assert.equal(api!.resources[0]!.access, null, 'an open resource pays for no access phase');
  });

  it('reads OpenAPI 3.1 and its mutualTLS: with a credential both are needed, alone a certificate admits', () => {
    const yaml = `openapi: 3.1.0
info: { title: Coffee, version: 1.0.0 }
paths:
  /menu:
    get:
      security: [{ mtls: [], oauth: [read] }]
      responses: { '200': { description: ok } }
  /order/{orderId}:
    get:
      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]
      security: [{ mtls: [] }, { key: [] }]
      responses: { '200': { description: ok } }
    post:
      parameters: [{ name: orderId, in: path, required: true, schema: { type: string } }]
      security: [{ mtls: [], key: [] }, { key: [] }]
      responses: { '200': { description: ok } }
components:
  securitySchemes:
    mtls: { type: mutualTLS }
    oauth: { type: oauth2, flows: { clientCredentials: { tokenUrl: 'https://idp/token', scopes: { read: r } } } }
    key: { type: apiKey, in: query, name: k }
`;
    const { api, errors } = deploy(yaml);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /MI_API_013  paths\.\/order\/\{orderId\}\.post\.security mixes requirements with and without mutualTLS/);
    assert.equal(api, undefined);
    const fixed = deploy(yaml.replace('security: [{ mtls: [], key: [] }, { key: [] }]', 'security: [{ key: [] }]'));
    assert.deepEqual(fixed.errors, []);
    assert.deepEqual(fixed.api!.securityReport!.map((l) => `${l.resource} | ${l.security}`).slice(0, 3), [
      'GET /menu | oauth2 (scopes: read), client certificate required',
      'POST /order/{id} | api_key (query k)',
      'GET /order/{id} | api_key (query k), or a client certificate',
    ]);
  });

  it('maps an operation to a url-mapping resource as a request would reach it', () => {
    const { api, errors } = deploy(doc(`  /files/{name}:\n    get:\n      parameters: [{ name: name, in: path, required: true, schema: { type: string } }]\n      security: [{ key: [] }]\n      responses:\n        '200': { description: ok }`));
    assert.deepEqual(errors, []);
    assert.equal(api!.securityReport![3]!.security, 'api_key (header X-Key)');
  });

  it('gives an API that declares nothing the [api_security] default = "oauth2", and refuses it without an issuer', () => {
    const { api, errors } = deploy(undefined, { apiSecurityDefault: 'oauth2' });
    assert.deepEqual(errors, []);
    assert.deepEqual(api!.securityReport!.map((l) => `${l.resource} | ${l.security} | ${l.source}`)[0], 'GET /menu | oauth2 | default');
    assert.deepEqual(api!.access!.policies.map((p) => p.name), ['api_security']);
    const declared = deploy(undefined, { apiSecurityDefault: 'oauth2', body: `<security><basic_auth/></security>\n${RESOURCES}` });
    assert.equal(declared.api!.securityReport![0]!.security, 'basic_auth', 'a declaration is kept');
    const noIssuer = deploy(undefined, { apiSecurityDefault: 'oauth2', hasJwtIssuers: false });
    assert.match(noIssuer.errors.join('\n'), /api\/Coffee\.xml:1:\d+  MI_API_002  API 'Coffee' declares no security, so \[api_security\] default = "oauth2" applies, but deployment\.toml has no \[\[jwt_issuer\]\]/);
  });
});
