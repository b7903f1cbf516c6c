/**
 * docker/grafana-dashboard.json queries only series the runtime writes: every metric name in its PromQL is
 * found in a real scrape (read with the Prometheus project's parser) of a server with a proxy, an API and a
 * failover endpoint that have served requests; panels use the dashboard's Prometheus data source.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/process.js';
import { parsePrometheusText } from '../helpers/prometheus.js';
import { startBackend, startTestServer, SYN } from '../helpers/server.js';

interface Panel {
  id: number;
  title: string;
  datasource: { uid: string };
  targets: { expr: string; datasource: { uid: string } }[];
}
const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'docker', 'grafana-dashboard.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { name: string; query: string; type: string }[] };
};

describe('docker/grafana-dashboard.json', function () {
  this.timeout(60_000);

  it('has panels with unique ids on the dashboard\'s Prometheus data source', () => {
    assert.ok(dashboard.panels.length >= 10);
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length);
    const ds = dashboard.templating.list.find((v) => v.type === 'datasource')!;
    for (const p of dashboard.panels) {
      assert.equal(p.datasource.uid, `\${${ds.name}}`, p.title);
      for (const t of p.targets) assert.equal(t.datasource.uid, `\${${ds.name}}`, p.title);
    }
  });

  it('queries metric names that a running server writes', async () => {
    const backend = await startBackend();
    const closed = await startBackend();
    await closed.close(); // a port nothing listens on: the API's call fails (101503)
    const s = await startTestServer({
      'proxy-services/P.xml': `<proxy ${SYN} name="P" transports="http"><target><endpoint key="Fo"/></target></proxy>`,
      'endpoints/Fo.xml': `<endpoint ${SYN} name="Fo"><failover><endpoint><address uri="${backend.url}/"/></endpoint></failover></endpoint>`,
      'api/A.xml': `<api ${SYN} name="A" context="/a"><resource methods="GET" uri-template="/x"><inSequence><call><endpoint><address uri="${closed.url}/"/></endpoint></call><respond/></inSequence></resource></api>`,
    });
    try {
      await (await fetch(`${s.url}/services/P`, { method: 'POST', body: '<a/>', headers: { 'content-type': 'application/xml' } })).text();
      await (await fetch(`${s.url}/a/x`)).text();
      const text = await (await fetch(`http://127.0.0.1:${s.internalPort}/metric-service/metrics`)).text();
      const written = new Set((await parsePrometheusText(text)).flatMap((f) => f.samples.map((m) => m.name)));
      const queries = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.query)];
      const names = new Set(queries.flatMap((q) => q.match(/\b(?:wso2_integration|process|nodejs)_[a-z0-9_]+\b/g) ?? []));
      assert.ok(names.size >= 12);
      const missing = [...names].filter((n) => !written.has(n));
      assert.deepEqual(missing, [], 'names the dashboard queries and the runtime does not write');
    } finally {
      await s.close();
      await backend.close();
    }
  });
});
