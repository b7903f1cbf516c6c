/**
 * docker/: no Docker engine or Kubernetes runs on this machine, so instead of a fake build this checks that
 * the Dockerfile, docker-compose.yml, kubernetes.yaml and the container samples agree with each other and
 * with the runtime's defaults, then starts `mi` with the secret folder and environment the container sees.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { configFrom } from '../../src/config/config.js';
import { observabilitySettings } from '../../src/observability/observability-settings.js';
import { startBackend } from '../helpers/server.js';
import { makeHome, ROOT, startMi } from '../helpers/process.js';
import { instructions } from '../helpers/dockerfile.js';

const DOCKER = path.join(ROOT, 'docker');
const read = (f: string): string => readFileSync(path.join(DOCKER, f), 'utf8');

function sampleXml(): string {
  const dir = path.join(DOCKER, 'synapse-configs', 'default');
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.xml')) out.push(readFileSync(path.join(d, e.name), 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

function lookups(xml: string, type: string): string[] {
  return [...xml.matchAll(new RegExp(`wso2:vault-lookup\\('([^']+)',\\s*'${type}'`, 'g'))].map((m) => m[1]!);
}

interface K8sDoc {
  kind: string;
  metadata: { name: string };
  stringData?: Record<string, string>;
  data?: Record<string, string>;
  spec: {
    template: {
      spec: {
        securityContext?: { runAsUser?: number; runAsNonRoot?: boolean };
        containers: { ports: { containerPort: number }[]; env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] }[];
      };
    };
  };
}

describe('docker/ files', function () {
  this.timeout(30000);
  const dockerfile = instructions(read('Dockerfile'));
  const ops = (op: string): string[] => dockerfile.filter((i) => i.op === op).map((i) => i.args);
  const defaults = configFrom(ROOT, {}).ports;
  const internal = observabilitySettings(configFrom(ROOT, {})).internalPort;
  const xml = sampleXml();

  it('Dockerfile: Node 20 slim, production dependencies only, a non-root user, the default ports, mount points and a health check', () => {
    assert.ok(ops('FROM').length >= 2 && ops('FROM').every((f) => /^node:20-slim\b/.test(f)), 'multi-stage on node:20-slim');
    assert.ok(ops('RUN').some((r) => /npm prune --omit=dev/.test(r)), 'dev dependencies pruned before node_modules is copied across');
    const user = ops('USER').at(-1);
    assert.ok(user && user !== 'root' && user !== '0');
    assert.ok(ops('RUN').some((r) => new RegExp(`useradd .*--uid (\\d+) .*\\b${user}\\b`).test(r)), 'the user is created');
    const exposed = ops('EXPOSE').flatMap((e) => e.split(/\s+/)).map(Number).sort();
    assert.deepEqual(exposed, [defaults.http, defaults.https, defaults.management, internal].sort(), 'HTTP 8290, HTTPS 8253, management 9164, internal API 9201 (offset 10)');
    const workdir = ops('WORKDIR').at(-1)!;
    const volumes = JSON.parse(ops('VOLUME')[0]!) as string[];
    assert.deepEqual(volumes, [`${workdir}/deployment`, `${workdir}/synapse-configs`, `${workdir}/data`]);
    const health = ops('HEALTHCHECK')[0]!;
    assert.match(health, new RegExp(`CMD \\["node", "-e", "fetch\\('http://127\\.0\\.0\\.1:${internal}/healthz'\\)`), 'readiness, not a TCP connect');
    assert.equal(ops('ENTRYPOINT')[0], `["node", "bin/mi.js", "start", "--home", "${workdir}"]`);
    assert.ok(ops('COPY').includes('docker/synapse-configs ./synapse-configs'), 'the container samples are in the image');
  });

  it('docker-compose.yml hands in as Docker secrets exactly the names the samples read with DOCKER', () => {
    const compose = parseYaml(read('docker-compose.yml')) as {
      services: Record<string, { ports?: string[]; secrets?: string[]; environment?: Record<string, string>; build?: { context: string; dockerfile: string } }>;
      secrets: Record<string, { file?: string }>;
    };
    const mi = compose.services['mi']!;
    const docker = lookups(xml, 'DOCKER');
    assert.ok(docker.length > 0);
    assert.deepEqual([...new Set(docker)].sort(), [...(mi.secrets ?? [])].sort());
    for (const s of docker) assert.ok(compose.secrets[s]?.file, `secret ${s} is defined`);
    assert.deepEqual(mi.ports!.map((p) => Number(p.split(':')[1])).sort(), ops('EXPOSE').flatMap((e) => e.split(/\s+/)).map(Number).sort());
    assert.equal(path.join(DOCKER, mi.build!.context, mi.build!.dockerfile), path.join(DOCKER, 'Dockerfile'));
    for (const v of xml.matchAll(/get-property\('env', '([^']+)'\)/g)) assert.ok(mi.environment?.[v[1]!], `${v[1]} is set for the container`);
  });

  it('kubernetes.yaml passes a Secret as the environment variables the samples read with ENV', () => {
    const docs = parseAllDocuments(read('kubernetes.yaml')).map((d) => d.toJS() as K8sDoc);
    const deployment = docs.find((d) => d.kind === 'Deployment')!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    const envLookups = lookups(xml, 'ENV');
    assert.ok(envLookups.length > 0);
    for (const name of envLookups) {
      const e = container.env.find((x) => x.name === name);
      assert.ok(e?.valueFrom?.secretKeyRef, `${name} comes from a Secret`);
      const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === e.valueFrom!.secretKeyRef.name);
      assert.ok(secret, `Secret ${e.valueFrom!.secretKeyRef.name} is in the manifest`);
      assert.ok(e.valueFrom!.secretKeyRef.key in { ...secret.stringData, ...secret.data }, 'with that key');
    }
    for (const v of xml.matchAll(/get-property\('env', '([^']+)'\)/g)) assert.ok(container.env.some((x) => x.name === v[1]), `${v[1]} is set`);
    assert.deepEqual(container.ports.map((p) => p.containerPort).sort(), ops('EXPOSE').flatMap((e) => e.split(/\s+/)).map(Number).sort());
    const uid = /--uid (\d+)/.exec(ops('RUN').join(' '))![1];
    assert.equal(pod.securityContext?.runAsUser, Number(uid));
    assert.equal(pod.securityContext?.runAsNonRoot, true);
  });

  it('the samples deploy and send the password to the backend, given the secret folder and environment of the container', async () => {
    const backend = await startBackend();
    const home = makeHome({});
    cpSync(path.join(DOCKER, 'synapse-configs'), path.join(home, 'synapse-configs'), { recursive: true });
    const secrets = path.join(home, 'run', 'secrets');
    mkdirSync(secrets, { recursive: true });
    // what Docker mounts for the compose secret, and what Kubernetes sets from the Secret
    writeFileSync(path.join(secrets, 'backend_password'), 'docker-backend-pw\n');
    writeFileSync(path.join(home, 'deployment', 'deployment.toml'), `[server]\nhot_deployment = false\n[secure_vault]\ndocker_secrets_dir = "${secrets}"\n`);
    process.env['BACKEND_PASSWORD'] = 'k8s-backend-pw';
    process.env['BACKEND_URL'] = `${backend.url}/secured`;
    try {
      const p = await startMi(home);
      try {
        for (const [route, password] of [['docker', 'docker-backend-pw'], ['env', 'k8s-backend-pw']]) {
          const r = await fetch(`${p.url}/backend/${route}`);
          assert.equal(r.status, 200, await r.text());
          const auth = backend.requests.at(-1)!.headers.authorization!;
          assert.equal(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString(), `mi:${password}`);
          assert.equal(backend.requests.at(-1)!.url, '/secured');
        }
      } finally {
        await p.stop();
      }
    } finally {
      delete process.env['BACKEND_PASSWORD'];
      delete process.env['BACKEND_URL'];
      await backend.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
