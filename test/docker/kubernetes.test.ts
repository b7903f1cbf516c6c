/**
 * docker/kubernetes.yaml against the code and the Dockerfile: every object the issue asks for; probes that
 * are httpGet on the internal port with the paths the runtime serves; ports, user and selectors that agree.
 * Then the ConfigMap's deployment.toml and the Secrets' file names are put where the pod mounts them, and a
 * server started on that home answers the probe and scrape paths of the manifest on the port it declares.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parse as parseToml } from 'smol-toml';
import { configFromText, type Config } from '../../src/config/config.js';
import { memoryLoggerFactory } from '../../src/logging/logger.js';
import { startServer } from '../../src/main.js';
import { observabilitySettings } from '../../src/observability/observability-settings.js';
import { createKeyStore } from '../../src/security/keys/keystore-create.js';
import { instructions } from '../helpers/dockerfile.js';
import { ROOT } from '../helpers/process.js';

const DOCKER = path.join(ROOT, 'docker');

interface Probe {
  httpGet?: { path: string; port: string | number };
  tcpSocket?: unknown;
  exec?: unknown;
}
interface Container {
  name: string;
  ports: { name?: string; containerPort: number }[];
  readinessProbe: Probe;
  livenessProbe: Probe;
  startupProbe?: Probe;
  volumeMounts: { name: string; mountPath: string; subPath?: string }[];
  env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; defaultMode?: number };
}
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec: Record<string, unknown> & {
    selector?: { matchLabels: Record<string, string> } | Record<string, string>;
    template?: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: {
        securityContext: { runAsUser: number; runAsGroup: number; runAsNonRoot: boolean; fsGroup: number };
        containers: Container[];
        volumes: Volume[];
        terminationGracePeriodSeconds?: number;
      };
    };
  };
}

describe('docker/kubernetes.yaml', function () {
  this.timeout(60_000);
  const docs = parseAllDocuments(readFileSync(path.join(DOCKER, 'kubernetes.yaml'), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as Doc;
  });
  const one = (kind: string): Doc => {
    const found = docs.filter((d) => d.kind === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0]!;
  };
  const deployment = one('Deployment');
  const pod = deployment.spec.template!.spec;
  const container = pod.containers[0]!;
  const configMap = one('ConfigMap');
  const toml = configMap.data!['deployment.toml']!;
  const keystoreFile = (parseToml(toml) as { keystore: { primary: { file_name: string } } }).keystore.primary.file_name;
  // a home laid out as the pod's: deployment.toml from the ConfigMap, a key store under the Secret's names
  let home: string;
  let config: Config;
  let internal: number;
  before(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-k8s-'));
    mkdirSync(path.join(home, 'synapse-configs', 'default'), { recursive: true });
    mkdirSync(path.join(home, 'deployment'), { recursive: true });
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), toml);
    await createKeyStore({ dir: path.join(home, 'deployment', 'security'), fileName: keystoreFile });
    config = configFromText(home, toml, 'deployment.toml');
    internal = observabilitySettings(config).internalPort;
  });
  after(() => rmSync(home, { recursive: true, force: true }));
  const dockerfile = instructions(readFileSync(path.join(DOCKER, 'Dockerfile'), 'utf8'));
  const exposed = dockerfile.filter((i) => i.op === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)).map(Number);
  const portOf = (p: string | number): number => (typeof p === 'number' ? p : container.ports.find((x) => x.name === p)!.containerPort);
  const volumeOf = (mountPath: string): Volume => {
    const m = container.volumeMounts.find((v) => v.mountPath === mountPath);
    assert.ok(m, `something is mounted at ${mountPath}`);
    return pod.volumes.find((v) => v.name === m.name)!;
  };

  it('has a Deployment, a Service, a ConfigMap, Secrets for the key store and the vault, a PodDisruptionBudget and a HorizontalPodAutoscaler', () => {
    for (const k of ['Deployment', 'Service', 'ConfigMap', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) one(k);
    assert.deepEqual(docs.filter((d) => d.kind === 'Secret').map((d) => d.metadata.name).sort(), ['mi-keystore', 'mi-vault']);
    assert.equal(one('PodDisruptionBudget').apiVersion, 'policy/v1');
    assert.equal(one('HorizontalPodAutoscaler').apiVersion, 'autoscaling/v2');
  });

  it('probes over HTTP the paths the runtime serves, on its internal port (9191 + offset)', () => {
    assert.equal(internal, 9201);
    for (const [probe, want] of [[container.readinessProbe, '/healthz'], [container.livenessProbe, '/liveness'], [container.startupProbe, '/liveness']] as const) {
      assert.ok(probe?.httpGet, 'httpGet, not a TCP or exec probe');
      assert.equal(probe.tcpSocket, undefined);
      assert.equal(probe.httpGet.path, want);
      assert.equal(portOf(probe.httpGet.port), internal);
    }
    const a = deployment.spec.template!.metadata.annotations!;
    assert.deepEqual([a['prometheus.io/scrape'], Number(a['prometheus.io/port']), a['prometheus.io/path']], ['true', internal, '/metric-service/metrics']);
  });

  it('declares the ports the image exposes, and the Service reaches declared ones', () => {
    assert.deepEqual(container.ports.map((p) => p.containerPort).sort(), [...exposed].sort());
    assert.deepEqual([config.ports.http, config.ports.https, config.ports.management, internal].sort(), [...exposed].sort());
    const service = one('Service');
    for (const p of service.spec['ports'] as { port: number; targetPort: string | number }[]) assert.ok(exposed.includes(portOf(p.targetPort)), `Service port ${p.port}`);
  });

  it('runs as the image\'s user, and selectors, budget and autoscaler point at the Deployment\'s pods', () => {
    const uid = Number(/--uid (\d+)/.exec(dockerfile.filter((i) => i.op === 'RUN').map((i) => i.args).join(' '))![1]);
    const sc = pod.securityContext;
    assert.deepEqual([sc.runAsNonRoot, sc.runAsUser, sc.runAsGroup, sc.fsGroup], [true, uid, uid, uid]);
    const labels = deployment.spec.template!.metadata.labels;
    const selects = (sel: Record<string, string>): boolean => Object.entries(sel).every(([k, v]) => labels[k] === v);
    assert.ok(selects((deployment.spec.selector as { matchLabels: Record<string, string> }).matchLabels));
    assert.ok(selects(one('Service').spec.selector as Record<string, string>));
    assert.ok(selects((one('PodDisruptionBudget').spec.selector as { matchLabels: Record<string, string> }).matchLabels));
    const hpa = one('HorizontalPodAutoscaler').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number };
    assert.deepEqual([hpa.scaleTargetRef.kind, hpa.scaleTargetRef.name], ['Deployment', deployment.metadata.name]);
    const pdb = one('PodDisruptionBudget').spec as { minAvailable: number };
    assert.ok(hpa.minReplicas > pdb.minAvailable, 'a voluntary disruption never takes the last replica');
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) * 1000 > config.server.shutdownGraceMs, 'Kubernetes waits for the drain');
  });

  it('mounts deployment.toml from the ConfigMap, the key store from its Secret, and passes the vault\'s values as the variables the samples read', () => {
    assert.deepEqual(config.warnings, [], 'the ConfigMap\'s deployment.toml has no unknown key');
    const cfg = volumeOf('/opt/mi/deployment/deployment.toml');
    assert.equal(cfg.configMap?.name, configMap.metadata.name);
    const ks = volumeOf('/opt/mi/deployment/security');
    const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === ks.secret?.secretName)!;
    const keystore = (config.toml['keystore'] as { primary: { file_name: string; password_file: string } }).primary;
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), [keystore.file_name, keystore.password_file].sort());
    assert.equal((ks.secret!.defaultMode! & 0o040) !== 0, true, 'the fsGroup can read the key store (Secret files are owned by root)');
    for (const e of container.env.filter((x) => x.valueFrom)) {
      const s = docs.find((d) => d.kind === 'Secret' && d.metadata.name === e.valueFrom!.secretKeyRef.name);
      assert.ok(s && e.valueFrom!.secretKeyRef.key in { ...s.data, ...s.stringData }, `${e.name} from a Secret in the manifest`);
    }
  });

  it('a server on the ConfigMap\'s deployment.toml and a key store named as the Secret\'s answers the manifest\'s probe and scrape paths', async () => {
    const s = await startServer({ home, logs: memoryLoggerFactory(), httpPort: 0, host: '127.0.0.1' });
    try {
      assert.ok(s.httpsPort, 'HTTPS with the key store from the Secret');
      const paths = [container.readinessProbe.httpGet!.path, container.livenessProbe.httpGet!.path, deployment.spec.template!.metadata.annotations!['prometheus.io/path']!];
      for (const p of paths) assert.equal((await fetch(`http://127.0.0.1:${s.internalPort}${p}`)).status, 200, p);
    } finally {
      await s.stop();
    }
  });

  it('with the manifest\'s placeholder key store (empty files) the start stops and says how to make a real one', async () => {
    const placeholder = mkdtempSync(path.join(os.tmpdir(), 'mi-k8s-empty-'));
    try {
      mkdirSync(path.join(placeholder, 'synapse-configs', 'default'), { recursive: true });
      mkdirSync(path.join(placeholder, 'deployment', 'security'), { recursive: true });
      writeFileSync(path.join(placeholder, 'deployment', 'deployment.toml'), toml);
      const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'mi-keystore')!;
      for (const [k, v] of Object.entries(secret.data!)) writeFileSync(path.join(placeholder, 'deployment', 'security', k), Buffer.from(v, 'base64'));
      // no key everybody has: the pod does not start on the placeholder, and its log names the fix
      await assert.rejects(startServer({ home: placeholder, logs: memoryLoggerFactory(), httpPort: 0, host: '127.0.0.1' }), (e: Error & { code?: string }) => e.code === 'MI_SEC_002' && /mi keystore create/.test(e.message));
    } finally {
      rmSync(placeholder, { recursive: true, force: true });
    }
  });
});
