/**
 * security: what API gateway security costs, each against the same API open (DirectAPI's pass-through to
 * the echo backend), CPU µs per request, one runtime, interleaved:
 *   - mutual SSL in the TLS handshake: SecMutualSSLAPI over HTTPS with a client certificate against
 *     SecOpenAPI over HTTPS without one, both loaded with ab (wrk cannot present a certificate);
 *   - mutual SSL from a trusted load balancer: SecMutualSSLAPI over HTTP with the certificate URL-encoded in
 *     X-WSO2-CLIENT-CERTIFICATE against SecOpenAPI over HTTP receiving the same header (a load balancer
 *     sends it whatever the API; the ~1.5 KB header's own parsing is not the API's security), with wrk;
 *   - throttling with in-memory counters: SecThrottledAPI (a tier no run can reach) against SecOpenAPI, wrk.
 * The CA and the client certificate are made with openssl at start.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AB_MISSING, haveAb } from '../ab.js';
import { cellMedian, fmt, rows } from '../cells.js';
import { interleave, type Target } from '../interleave.js';
import { noFailures, ratioAtMost, skip, type Check } from '../judge.js';
import { S } from '../settings.js';
import { bodyFile, SCENARIOS_DIR, type Stack } from '../stack.js';
import { info } from '../teardown.js';

const GROUP = 'security';
const SIZE = 1000;
const CONC = 20;
const TIER = 'BenchUnreachable';
export const CLIENT_CERT_HEADER = 'X-WSO2-CLIENT-CERTIFICATE';

/** The three APIs: DirectAPI's resource under another name and context, with the security under test. */
const APIS = {
  open: { name: 'SecOpenAPI', context: '/secOpenApi', security: '' },
  mutualSsl: { name: 'SecMutualSSLAPI', context: '/secMutualSslApi', security: '<security><mutualssl/></security>' },
  throttled: { name: 'SecThrottledAPI', context: '/secThrottledApi', security: `<security throttling_tier="${TIER}"/>` },
} as const;

/** Scenario names of the cells (the row's `scenario` column) and the ratios judged on them. */
const CELL = {
  openHttps: 'SecOpenAPI-https-ab',
  mtlsHttps: 'SecMutualSSLAPI-https-ab',
  openHttp: 'SecOpenAPI',
  mtlsHeader: 'SecMutualSSLAPI-lb-header',
  openHeader: 'SecOpenAPI-lb-header',
  throttled: 'SecThrottledAPI',
} as const;

export const SECURITY_RATIOS = [
  { label: 'mutual SSL API ÷ open API, HTTPS (ab)', num: CELL.mtlsHttps, den: CELL.openHttps, max: 1.1, needsAb: true },
  { label: `mutual SSL API via ${CLIENT_CERT_HEADER} ÷ open API, HTTP (wrk)`, num: CELL.mtlsHeader, den: CELL.openHeader, max: 1.1, needsAb: false },
  { label: 'throttled API (in-memory counters) ÷ open API, HTTP (wrk)', num: CELL.throttled, den: CELL.openHttp, max: 1.05, needsAb: false },
];

function apiXml(a: { name: string; context: string; security: string }): string {
  const direct = readFileSync(path.join(SCENARIOS_DIR, 'apis', 'DirectAPI.xml'), 'utf8');
  const xml = direct.replace('context="/directApi" name="DirectAPI"', `context="${a.context}" name="${a.name}"`);
  if (xml === direct) throw new Error('bench/scenarios/apis/DirectAPI.xml: its <api context name> is not the one expected');
  return a.security ? xml.replace(/(<api\b[^>]*>)/, `$1\n    ${a.security}`) : xml;
}

interface Certs {
  ca: string;
  /** PEM of the client certificate then its key (ab -E). */
  clientCertAndKey: string;
  /** The client certificate as a load balancer forwards it (nginx's $ssl_client_escaped_cert). */
  escapedCert: string;
}

/** A root CA and a client certificate it signed, made with openssl. */
function makeCerts(dir: string): Certs {
  mkdirSync(dir, { recursive: true });
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/O=Bench/CN=Bench Root CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=Bench/CN=bench-client');
  writeFileSync(path.join(dir, 'client.ext'), 'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, keyEncipherment\nextendedKeyUsage = clientAuth\n');
  ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2', '-extfile', 'client.ext');
  const cert = readFileSync(path.join(dir, 'client.pem'), 'utf8');
  const both = path.join(dir, 'client-cert-and-key.pem');
  writeFileSync(both, cert + readFileSync(path.join(dir, 'client.key'), 'utf8'));
  return { ca: path.join(dir, 'ca.pem'), clientCertAndKey: both, escapedCert: encodeURIComponent(cert) };
}

export async function securityGroup(stack: Stack, checks: Check[]): Promise<void> {
  const certs = makeCerts(path.join(stack.tmp, 'security-certs'));
  const files = new Map(Object.values(APIS).map((a) => [`api/${a.name}.xml`, apiXml(a)]));
  const rt = await stack.runtime('security', {
    scenarios: [],
    backend: 'nginx',
    workers: S.workers,
    files,
    toml: [
      '# the security group: client certificates chain to the bench CA; wrk and ab connect from 127.0.0.1,',
      '# which plays the TLS-terminating load balancer for the header cells',
      '[transport.http]',
      `listener.truststore.location = "${certs.ca}"`,
      'listener.trusted_proxies = ["127.0.0.1"]',
      '',
      '# SecThrottledAPI: a tier no run reaches, so every request is counted and none refused',
      '[[throttling.tier]]',
      `name = "${TIER}"`,
      'request_count = 1000000000',
      'unit_time = 1',
      'time_unit = "min"',
      '',
    ],
  });
  const pid = rt.child.pid!;
  const http = (a: { context: string }) => `http://127.0.0.1:${rt.httpPort}${a.context}`;
  const https = (a: { context: string }) => `https://127.0.0.1:${rt.httpsPort}${a.context}`;
  const target = (scenario: string, url: string, more: Partial<Target> = {}): Target => ({ scenario, sut: { target: 'runtime', url, pid }, backend: 'nginx', body: bodyFile, runtime: rt.child, ...more });

  const ab = haveAb();
  if (!ab) info(`security: ${AB_MISSING}; the HTTPS cells are left out`);
  const targets: Target[] = [
    ...(ab
      ? [target(CELL.openHttps, https(APIS.open), { ab: {} }), target(CELL.mtlsHttps, https(APIS.mutualSsl), { ab: { clientCert: certs.clientCertAndKey } })]
      : []),
    target(CELL.openHttp, http(APIS.open)),
    // the load balancer sends the header whatever the API: the open API gets the same request
    target(CELL.openHeader, http(APIS.open), { headers: { [CLIENT_CERT_HEADER]: certs.escapedCert } }),
    target(CELL.mtlsHeader, http(APIS.mutualSsl), { headers: { [CLIENT_CERT_HEADER]: certs.escapedCert } }),
    target(CELL.throttled, http(APIS.throttled)),
  ];
  await interleave(stack, { group: GROUP, sizes: [SIZE], concs: [CONC] }, targets);

  console.log(`\nsecurity: CPU us/request ratios, ${SIZE} B, ${CONC} connections (median of ${S.repeats} repeat${S.repeats > 1 ? 's' : ''}):`);
  for (const s of SECURITY_RATIOS) {
    const scenario = `${s.label} CPU/req (${SIZE} B, c${CONC})`;
    if (s.needsAb && !ab) {
      checks.push(skip(GROUP, scenario, `<= ${s.max.toFixed(2)}x`, AB_MISSING));
      continue;
    }
    const q = { group: GROUP, target: 'runtime', size: SIZE, conc: CONC, backend: 'nginx' };
    const a = cellMedian({ ...q, scenario: s.num }, 'cpuUsPerReq');
    const b = cellMedian({ ...q, scenario: s.den }, 'cpuUsPerReq');
    console.log(`  ${s.label.padEnd(66)} ${fmt(a / b, 2).padStart(6)}  <= ${s.max.toFixed(2)}  (${fmt(a, 1)} / ${fmt(b, 1)} us)`);
    checks.push(ratioAtMost(GROUP, scenario, a, b, s.max));
  }
  // a refused certificate or a throttled request would be cheap: every cell must have been served
  const mine = rows.filter((r) => r.group === GROUP && !r.broken);
  checks.push(noFailures(GROUP, 'failed requests, all cells', mine.reduce((n, r) => n + r.failed, 0), mine.reduce((n, r) => n + r.requests, 0)));
}
