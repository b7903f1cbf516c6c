/**
 * What each scenario is sent (the buyStocks payload, with a wsse:Security header for UsernameToken
 * scenarios, cut to 10 orders for the split/aggregate one, a bearer JWT for the API security one) and the
 * runtime the grid, size, latency and nodered groups share: every selected scenario, behind the nginx echo.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchIssuer, type BenchIssuer } from './jwt-issuer.js';
import { S } from './settings.js';
import { BENCH_USER, bodyFile, resolveScenario, type Runtime, type Stack } from './stack.js';

const UT_SCENARIOS = new Set(['DirectProxyUT']);
const WSSE_HEADER =
  '<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" soapenv:mustUnderstand="1">' +
  `<wsse:UsernameToken><wsse:Username>${BENCH_USER.name}</wsse:Username>` +
  `<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">${BENCH_USER.password}</wsse:Password>` +
  '</wsse:UsernameToken></wsse:Security>';
const JWT_SCENARIOS = new Set(['DirectAPIJWT']);
const SPLIT_SCENARIOS = new Set(['SplitAggregateProxy']);
const SPLIT_ORDERS = 10;

let issuer: BenchIssuer | undefined;
let bodiesDir = '';

export function setBodiesDir(dir: string): void {
  bodiesDir = dir;
}

/** The Authorization header a scenario's requests carry (the same token on every request, as a client reusing it). */
export const authorizationFor = (scenario: string): string | undefined => (JWT_SCENARIOS.has(scenario) && issuer ? `Bearer ${issuer.token}` : undefined);

/** The buyStocks request cut to its first SPLIT_ORDERS orders (taken from the 10000 B payload, which has 99). */
function splitBody(): string {
  const file = path.join(bodiesDir, `buyStocks_${SPLIT_ORDERS}_orders.xml`);
  if (!existsSync(file)) {
    const xml = readFileSync(bodyFile(10000), 'utf8');
    const orders = xml.match(/<order>[\s\S]*?<\/order>/g) ?? [];
    if (orders.length < SPLIT_ORDERS) throw new Error(`the 10000 B payload has ${orders.length} orders, fewer than ${SPLIT_ORDERS}`);
    const first = xml.indexOf('<order>');
    const end = xml.lastIndexOf('</order>') + '</order>'.length;
    writeFileSync(file, xml.slice(0, first) + orders.slice(0, SPLIT_ORDERS).join('\n') + xml.slice(end));
  }
  return file;
}

/** The request file a scenario is sent at a size. */
export function scenarioBody(scenario: string, size: number): string {
  if (SPLIT_SCENARIOS.has(scenario)) return splitBody();
  const plain = bodyFile(size);
  if (!UT_SCENARIOS.has(scenario)) return plain;
  const file = path.join(bodiesDir, `${size}B_buyStocks_ut.xml`);
  if (!existsSync(file)) {
    const xml = readFileSync(plain, 'utf8');
    const at = xml.indexOf('<soapenv:Header>');
    if (at < 0) throw new Error(`${plain}: no <soapenv:Header> to add the wsse:Security header to`);
    const cut = at + '<soapenv:Header>'.length;
    writeFileSync(file, xml.slice(0, cut) + WSSE_HEADER + xml.slice(cut));
  }
  return file;
}

/** Scenarios of the shared runtime: SCENARIOS plus what the size and nodered groups load. */
export function mainScenarioNames(): string[] {
  return [...new Set([...S.scenarios, 'DirectProxy', 'CBRProxy'])];
}

/** The shared runtime (nginx echo backend, metrics on, every selected scenario). */
export async function mainRuntime(stack: Stack): Promise<Runtime> {
  const scenarios = mainScenarioNames().map(resolveScenario);
  if (scenarios.some((s) => JWT_SCENARIOS.has(s.name))) issuer ??= await benchIssuer();
  return stack.runtime('main', { scenarios, backend: 'nginx', workers: S.workers, jwtIssuer: issuer });
}

export const runtimeUrl = (rt: Runtime, scenario: string): string => `http://127.0.0.1:${rt.httpPort}${resolveScenario(scenario).urlPath}`;
