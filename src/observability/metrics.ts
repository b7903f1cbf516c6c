/**
 * Prometheus metrics under Micro Integrator's names (its PrometheusReporter / MetricConstants), served at
 * `/metric-service/metrics` on the internal HTTP API:
 *
 *   wso2_integration_proxy_request_count_total{service_name, service_type="proxy"}        counter
 *   wso2_integration_proxy_request_count_error_total{...}                                  counter
 *   wso2_integration_proxy_latency_seconds{...}                                            histogram
 *   wso2_integration_api_request_count_total{service_name, service_type="api", invocation_url}, _error_total, api_latency_seconds
 *   wso2_integration_service_up{service_name, service_type}       deploy time (seconds), 0 once undeployed
 *   wso2_integration_server_up{host, port, java_home, java_version}, wso2_integration_server_version{version, update_level}
 *
 * and, where Micro Integrator has nothing, under the same prefix: per API resource counts, errors and
 * latency, faults by ERROR_CODE, endpoint states and failovers; plus prom-client's process metrics.
 *
 * Every record a request touches is made when an artifact deploys (Runtime.activate) and found once per
 * route, so a request pays plain increments (see request-stats.ts); all label sets are built at scrape.
 * Records outlive an undeploy, so counters never go back.
 */
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Api, ApiResource, ProxyService } from '../artifacts/model.js';
import type { MessageContext } from '../context/message-context.js';
import type { Endpoint } from '../endpoints/endpoint.js';
import { FailoverEndpoint } from '../endpoints/failover.js';
import { LoadbalanceEndpoint } from '../endpoints/loadbalance.js';
import { ENDPOINT_STATES, endpointState } from './endpoint-states.js';
import { histogramSamples, registerFamily, type Labels, type Sample } from './metric-family.js';
import type { ObservabilitySettings } from './observability-settings.js';
import { productVersion } from './product-version.js';
import { RequestStats } from './request-stats.js';

/** What Runtime.activate hands over: the artifacts now serving. */
export interface ServingArtifacts {
  readonly proxies: ReadonlyMap<string, ProxyService>;
  readonly apis: ReadonlyMap<string, Api>;
  readonly endpoints: ReadonlyMap<string, Endpoint>;
}

interface ServiceRecord {
  /** Seconds since the epoch when (re)deployed; 0 while undeployed. */
  upSince: number;
}

interface ProxyRecord extends ServiceRecord {
  readonly stats: RequestStats;
}

interface ResourceRecord {
  readonly label: string;
  readonly stats: RequestStats;
}

interface ApiRecord extends ServiceRecord {
  context: string;
  readonly resources: Map<string, ResourceRecord>;
  /** Requests that matched the API's context but none of its resources. */
  readonly unmatched: RequestStats;
}

const PROXY = 'proxy';
const API = 'api';

/** A resource as a label: its methods (or `*`) and its uri-template / url-mapping. */
export function resourceLabel(res: ApiResource): string {
  const methods = res.methods ? [...res.methods].join(',') : '*';
  return `${methods} ${res.uriTemplate ?? res.urlMapping ?? '/*'}`;
}

let processRegistry: Registry | undefined;

/** The Node.js process metrics: one set per process however many runtimes it holds (tests hold several). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly proxies = new Map<string, ProxyRecord>();
  private readonly apis = new Map<string, ApiRecord>();
  private endpoints: ReadonlyMap<string, Endpoint> = new Map();
  /** What group and indirect endpoints resolve their children through when their state is read. */
  private probe: MessageContext | undefined;
  private readonly startedAt = Math.floor(Date.now() / 1000);
  /** `http://host:port/` of the listener, for invocation_url and server_up; set once it listens. */
  private service = { host: 'localhost', port: 0, prefix: '' };

  constructor(private readonly settings: ObservabilitySettings) {
    processMetrics();
    this.registerFamilies();
  }

  /** The listener the invocation URLs name (Micro Integrator's SERVICE_PREFIX). */
  listening(scheme: string, host: string, port: number): void {
    this.service = { host, port, prefix: `${scheme}://${host}:${port}` };
  }

  /** Called with every new deployment: records for what now serves, up/down for what came and went. */
  deployed(dep: ServingArtifacts, probe: MessageContext): void {
    const now = Math.floor(Date.now() / 1000);
    this.probe = probe;
    this.endpoints = dep.endpoints;
    for (const [name, rec] of this.proxies) if (!dep.proxies.has(name)) rec.upSince = 0;
    for (const [name, p] of dep.proxies) {
      const rec = this.proxyRecord(name);
      if (rec.upSince === 0 || !p.startOnLoad) rec.upSince = p.startOnLoad ? now : 0;
    }
    for (const [name, rec] of this.apis) {
      if (dep.apis.has(name)) continue;
      rec.upSince = 0;
      for (const r of rec.resources.values()) r.stats.live = false;
    }
    for (const [name, api] of dep.apis) {
      const rec = this.apiRecord(name);
      rec.context = api.context;
      if (rec.upSince === 0) rec.upSince = now;
      const keep = new Set(api.resources.map(resourceLabel));
      for (const [label, r] of rec.resources) r.stats.live = keep.has(label);
      for (const res of api.resources) this.resourceStats(api, res).live = true;
    }
  }

  proxyStats(name: string): RequestStats {
    return this.proxyRecord(name).stats;
  }

  resourceStats(api: Api, res: ApiResource): RequestStats {
    const rec = this.apiRecord(api.name);
    const label = resourceLabel(res);
    let r = rec.resources.get(label);
    if (!r) rec.resources.set(label, (r = { label, stats: new RequestStats(this.settings.apiBuckets) }));
    return r.stats;
  }

  unmatchedStats(api: Api): RequestStats {
    return this.apiRecord(api.name).unmatched;
  }

  /** The text Prometheus scrapes: these metrics, then the process's. */
  async text(): Promise<string> {
    const own = await this.registry.metrics();
    return `${own}\n${await processMetrics().metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private proxyRecord(name: string): ProxyRecord {
    let r = this.proxies.get(name);
    if (!r) this.proxies.set(name, (r = { upSince: 0, stats: new RequestStats(this.settings.proxyBuckets) }));
    return r;
  }

  private apiRecord(name: string): ApiRecord {
    let r = this.apis.get(name);
    if (!r) this.apis.set(name, (r = { upSince: 0, context: '', resources: new Map(), unmatched: new RequestStats(this.settings.apiBuckets) }));
    return r;
  }

  /** An API's totals: its resources (live or not, so counters never go back) and the unmatched requests. */
  private apiTotals(rec: ApiRecord): RequestStats {
    const total = new RequestStats(this.settings.apiBuckets);
    for (const r of rec.resources.values()) r.stats.addInto(total);
    rec.unmatched.addInto(total);
    return total;
  }

  private apiLabels(name: string, rec: ApiRecord): Labels {
    return { service_name: name, service_type: API, invocation_url: this.service.prefix + rec.context };
  }

  private registerFamilies(): void {
    const reg = this.registry;
    const proxies = (): [string, ProxyRecord][] => [...this.proxies];
    const apis = (): [string, ApiRecord, RequestStats][] => [...this.apis].map(([n, r]) => [n, r, this.apiTotals(r)]);
    const proxyLabels = (name: string): Labels => ({ service_name: name, service_type: PROXY });
    const each = <T>(list: T[], f: (t: T, out: Sample[]) => void): Sample[] => {
      const out: Sample[] = [];
      for (const t of list) f(t, out);
      return out;
    };

    registerFamily(reg, 'wso2_integration_proxy_request_count_total', 'Total number of requests to a proxy service', 'counter', () =>
      proxies().map(([n, r]) => ({ labels: proxyLabels(n), value: r.stats.requests })),
    );
    registerFamily(reg, 'wso2_integration_proxy_request_count_error_total', 'Total number of error requests to a proxy service', 'counter', () =>
      proxies().map(([n, r]) => ({ labels: proxyLabels(n), value: r.stats.errors })),
    );
    registerFamily(reg, 'wso2_integration_proxy_latency_seconds', 'Latency of requests to a proxy service', 'histogram', () =>
      each(proxies(), ([n, r], out) => histogramSamples('wso2_integration_proxy_latency_seconds', proxyLabels(n), r.stats, out)),
    );
    registerFamily(reg, 'wso2_integration_api_request_count_total', 'Total number of requests to an api', 'counter', () =>
      apis().map(([n, r, t]) => ({ labels: this.apiLabels(n, r), value: t.requests })),
    );
    registerFamily(reg, 'wso2_integration_api_request_count_error_total', 'Total number of error requests to an api', 'counter', () =>
      apis().map(([n, r, t]) => ({ labels: this.apiLabels(n, r), value: t.errors })),
    );
    registerFamily(reg, 'wso2_integration_api_latency_seconds', 'Latency of requests to an api', 'histogram', () =>
      each(apis(), ([n, r, t], out) => histogramSamples('wso2_integration_api_latency_seconds', this.apiLabels(n, r), t, out)),
    );

    // per resource: Micro Integrator has no such series
    const resources = (): [string, ResourceRecord][] => [...this.apis].flatMap(([n, r]) => [...r.resources.values()].filter((x) => x.stats.live).map((x): [string, ResourceRecord] => [n, x]));
    const resLabels = (api: string, r: ResourceRecord): Labels => ({ service_name: api, service_type: API, resource: r.label });
    registerFamily(reg, 'wso2_integration_api_resource_request_count_total', 'Total number of requests to an api resource', 'counter', () =>
      resources().map(([n, r]) => ({ labels: resLabels(n, r), value: r.stats.requests })),
    );
    registerFamily(reg, 'wso2_integration_api_resource_request_count_error_total', 'Total number of error requests to an api resource', 'counter', () =>
      resources().map(([n, r]) => ({ labels: resLabels(n, r), value: r.stats.errors })),
    );
    registerFamily(reg, 'wso2_integration_api_resource_latency_seconds', 'Latency of requests to an api resource', 'histogram', () =>
      each(resources(), ([n, r], out) => histogramSamples('wso2_integration_api_resource_latency_seconds', resLabels(n, r), r.stats, out)),
    );
    registerFamily(reg, 'wso2_integration_error_code_count_total', 'Requests whose mediation faulted, by the first ERROR_CODE', 'counter', () => {
      const out: Sample[] = [];
      const add = (name: string, type: string, s: RequestStats): void => {
        if (s.byCode) for (const [code, n] of s.byCode) out.push({ labels: { service_name: name, service_type: type, error_code: code }, value: n });
      };
      for (const [n, r] of proxies()) add(n, PROXY, r.stats);
      for (const [n, , t] of apis()) add(n, API, t);
      return out;
    });

    registerFamily(reg, 'wso2_integration_service_up', 'Service status', 'gauge', () => [
      ...proxies().map(([n, r]) => ({ labels: proxyLabels(n), value: r.upSince })),
      ...[...this.apis].map(([n, r]) => ({ labels: { service_name: n, service_type: API }, value: r.upSince })),
    ]);
    registerFamily(reg, 'wso2_integration_server_up', 'Server status', 'gauge', () => [
      // Micro Integrator's java_* labels, with the Node.js runtime in them
      { labels: { host: this.service.host, port: String(this.service.port), java_home: path.dirname(path.dirname(process.execPath)), java_version: process.versions.node }, value: this.startedAt },
    ]);
    registerFamily(reg, 'wso2_integration_server_version', 'Version and Update Level of Server', 'gauge', () => [{ labels: { version: productVersion(), update_level: '0' }, value: this.startedAt }]);

    registerFamily(reg, 'wso2_integration_endpoint_state', 'State of a named endpoint: 1 for its current state, 0 for the others', 'gauge', () => {
      const out: Sample[] = [];
      const probe = this.probe;
      if (!probe) return out;
      for (const [name, ep] of this.endpoints) {
        const state = endpointState(ep, probe);
        for (const s of ENDPOINT_STATES) out.push({ labels: { endpoint_name: name, endpoint_type: ep.type ?? 'unknown', state: s }, value: s === state ? 1 : 0 });
      }
      return out;
    });
    registerFamily(reg, 'wso2_integration_endpoint_failover_count_total', 'Times a failover or load balance endpoint moved a message on from a failed child', 'counter', () => {
      const out: Sample[] = [];
      for (const [name, ep] of this.endpoints) {
        if (ep instanceof FailoverEndpoint || ep instanceof LoadbalanceEndpoint) out.push({ labels: { endpoint_name: name }, value: ep.failovers });
      }
      return out;
    });
  }
}
