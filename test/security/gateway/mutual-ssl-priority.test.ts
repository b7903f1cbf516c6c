/**
 * API Manager's rule for an API secured with mutual SSL and an application scheme, row by row as the
 * README's table states it, over real HTTPS with certificates made by openssl: the certificate first; a
 * valid one admits and the token is ignored (unless the application schemes are mandatory too); a failed
 * or absent one leaves the token to decide; nothing valid is 900901, nothing at all 900902. The listener
 * is left at verify_client = none: it asks for certificates because these APIs use mutual SSL.
 */
import assert from 'node:assert/strict';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { startTestServer, SYN, type TestServer } from '../../helpers/server.js';
import { callAs, makeCertificates, type Certificates, type Client } from './mtls-fixtures.js';

const SEQ = `<inSequence><payloadFactory media-type="json"><format>{"user":"$1","subject":"$2"}</format><args>
  <arg expression="get-property('api.ut.userId')"/><arg expression="get-property('CLIENT_CERT_SUBJECT')"/></args></payloadFactory><respond/></inSequence>`;

function api(name: string, security: string): string {
  return `<api ${SYN} name="${name}" context="/${name}">${security}<resource methods="GET" uri-template="/">${SEQ}</resource></api>`;
}

const APIM = (schemes: string) =>
  `<handlers><handler class="org.wso2.carbon.apimgt.gateway.handlers.security.APIAuthenticationHandler"><property name="APISecurity" value="${schemes}"/></handler></handlers>`;

/** The APIs, one per combination (README, "Mutual SSL with an application scheme"). */
const APIS: Record<string, string> = {
  mtls: '<security><mutualssl/></security>',
  either: '<security><oauth2/><mutualssl/></security>',
  certMandatory: '<security application="optional"><oauth2/><mutualssl mandatory="true"/></security>',
  appMandatory: '<security application="mandatory"><oauth2/><mutualssl/></security>',
  both: '<security application="mandatory"><oauth2/><mutualssl mandatory="true"/></security>',
  basicEither: '<security><basic_auth/><mutualssl/></security>',
  apimEither: APIM('oauth2,mutualssl'),
  apimBoth: APIM('oauth2,mutualssl,mutualssl_mandatory,oauth_basic_auth_api_key_mandatory'),
  apimCertMandatory: APIM('oauth2,mutualssl,mutualssl_mandatory'),
  apimAppMandatory: APIM('oauth2,mutualssl,oauth_basic_auth_api_key_mandatory'),
};

type Token = 'good' | 'bad' | 'basic' | 'badBasic' | undefined;
/** [API, client certificate, credential, status, fault code or the end user the call was admitted as ('' for the certificate)] */
type Row = [api: string, client: Client | undefined, token: Token, status: number, outcome: number | string];

const ROWS: Row[] = [
  // mutual SSL alone (mandatory)
  ['mtls', 'bob', undefined, 200, ''],
  ['mtls', 'alice', undefined, 200, ''], // under the intermediate, sent with its chain
  ['mtls', undefined, undefined, 401, 900902],
  ['mtls', 'mallory', undefined, 401, 900902], // another CA: the handshake drops it
  ['mtls', 'expired', undefined, 401, 900902],
  ['mtls', undefined, 'good', 401, 900902], // a token is no credential here
  // both optional (the default): certificate or token
  ['either', 'bob', undefined, 200, ''],
  ['either', 'bob', 'bad', 200, ''], // a valid certificate: the token is ignored
  ['either', 'bob', 'good', 200, ''],
  ['either', undefined, 'good', 200, 'guest'],
  ['either', 'mallory', 'good', 200, 'guest'],
  ['either', 'expired', 'good', 200, 'guest'],
  ['either', undefined, 'bad', 401, 900901],
  ['either', 'mallory', 'bad', 401, 900901],
  ['either', undefined, undefined, 401, 900902],
  ['basicEither', 'bob', 'badBasic', 200, ''],
  ['basicEither', undefined, 'basic', 200, 'ann'],
  ['basicEither', undefined, 'badBasic', 401, 900901],
  ['basicEither', undefined, undefined, 401, 900902],
  // certificate mandatory, application optional: the certificate decides alone
  ['certMandatory', 'bob', undefined, 200, ''],
  ['certMandatory', 'bob', 'bad', 200, ''],
  ['certMandatory', undefined, 'good', 401, 900901],
  ['certMandatory', 'mallory', 'good', 401, 900901],
  ['certMandatory', undefined, undefined, 401, 900902],
  // certificate optional, application mandatory: the token decides, a certificate neither helps nor hurts
  ['appMandatory', undefined, 'good', 200, 'guest'],
  ['appMandatory', 'bob', 'good', 200, 'guest'],
  ['appMandatory', 'mallory', 'good', 200, 'guest'],
  ['appMandatory', 'bob', undefined, 401, 900902],
  ['appMandatory', 'bob', 'bad', 401, 900901],
  ['appMandatory', undefined, undefined, 401, 900902],
  // both mandatory: both must pass
  ['both', 'bob', 'good', 200, 'guest'],
  ['both', 'alice', 'good', 200, 'guest'],
  ['both', 'bob', undefined, 401, 900902],
  ['both', 'bob', 'bad', 401, 900901],
  ['both', undefined, 'good', 401, 900901],
  ['both', 'mallory', 'good', 401, 900901],
  ['both', undefined, undefined, 401, 900902],
  // API Manager's handler, as its published gateway artifacts carry it
  ['apimEither', 'bob', 'bad', 200, ''],
  ['apimEither', undefined, 'good', 200, 'guest'],
  ['apimEither', undefined, 'bad', 401, 900901],
  ['apimEither', undefined, undefined, 401, 900902],
  ['apimCertMandatory', 'bob', undefined, 200, ''],
  ['apimCertMandatory', undefined, 'good', 401, 900901],
  ['apimAppMandatory', 'bob', undefined, 401, 900902],
  ['apimAppMandatory', undefined, 'good', 200, 'guest'],
  ['apimBoth', 'bob', 'good', 200, 'guest'],
  ['apimBoth', 'bob', undefined, 401, 900902],
  ['apimBoth', undefined, 'good', 401, 900901],
];

describe('mutual SSL with an application scheme: API Manager priority rule over real HTTPS', function () {
  this.timeout(120_000);
  let certs: Certificates;
  let s: TestServer;
  const tokens: Record<string, string> = {};

  before(async () => {
    certs = makeCertificates();
    const pair = await generateKeyPair('ES256', { extractable: true });
    tokens['good'] = `Bearer ${await new SignJWT({ sub: 'guest' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp').setExpirationTime('10m').sign(pair.privateKey)}`;
    const forger = await generateKeyPair('ES256');
    tokens['bad'] = `Bearer ${await new SignJWT({ sub: 'forged' }).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://idp').setExpirationTime('10m').sign(forger.privateKey)}`;
    tokens['basic'] = `Basic ${Buffer.from('ann:ann-pw-12345').toString('base64')}`;
    tokens['badBasic'] = `Basic ${Buffer.from('ann:wrong').toString('base64')}`;
    const files: Record<string, string> = {};
    for (const [name, security] of Object.entries(APIS)) files[`api/${name}.xml`] = api(name, security);
    s = await startTestServer(
      files,
      `[server]\nhot_deployment = false\n\n[[jwt_issuer]]\nissuer = "https://idp"\ncertificate = '''\n${await exportSPKI(pair.publicKey)}'''\n\n[[internal_apis.users]]\nuser.name = "ann"\nuser.password = "ann-pw-12345"\n\n${certs.toml}`,
    );
    assert.ok(s.httpsPort, 'HTTPS started');
  });
  after(async () => {
    await s?.close();
  });

  for (const [name, client, token, status, outcome] of ROWS) {
    const what = `${name}: certificate ${client ?? 'none'}, credential ${token ?? 'none'} -> ${status} ${outcome === '' ? '(admitted by the certificate)' : outcome}`;
    it(what, async () => {
      const r = await callAs(certs, `https://localhost:${s.httpsPort}/${name}`, client, token ? tokens[token] : undefined);
      assert.equal(r.status, status, r.body);
      if (typeof outcome === 'number') assert.equal(r.fault, outcome, r.body);
      else assert.equal((JSON.parse(r.body) as { user: string }).user, outcome, 'admitted by the certificate (no user) or by the credential (its user)');
    });
  }

  it('a refused call over plain HTTP gets the same answer (no certificate can come there)', async () => {
    const r = await fetch(`${s.url}/either`, { headers: { authorization: tokens['good']! } });
    assert.equal(r.status, 200);
    assert.equal((await fetch(`${s.url}/mtls`)).status, 401);
  });
});
