/**
 * Secrets never reach a log file, the console or an error response: a real `mi` process looks up a secret
 * of every kind, logs the properties holding them (full, custom and header logs), sends them to a backend,
 * and fails in the ways lookups fail; then every log file, the console output and every response body is
 * searched for the values.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBackend } from '../helpers/server.js';
import { makeHome, MI, startMi } from '../helpers/process.js';
import { SYN } from './fixtures.js';
import { VaultStandIn } from './vault-stand-in.js';

const SECRETS = {
  vault: 'Static-Vault-Secret-1',
  docker: 'Docker-Secret-Value-2',
  file: 'File-Secret-Value-3',
  env: 'Env-Secret-Value-4',
  hashicorp: 'HashiCorp-Secret-5',
  rootToken: 'hvs.Root-Token-Value-6',
};

describe('secret values in logs and error responses', function () {
  this.timeout(60000);

  it('appear nowhere: not in log files, console output or fault replies', async () => {
    const vault = new VaultStandIn();
    await vault.start();
    vault.rootToken(SECRETS.rootToken);
    vault.put('', 'secret/app', { password: SECRETS.hashicorp });
    const backend = await startBackend();
    const logAll = `<log level="full"/>
      <log level="headers"/>
      <log level="custom"><property name="secret" expression="$ctx:s"/><property name="header" expression="$trp:X-Secret"/></log>`;
    const home = makeHome({
      'api/Leak.xml': `<api ${SYN} name="Leak" context="/leak">
        ${(['vault', 'docker', 'file', 'env', 'hashicorp'] as const)
          .map((kind) => {
            const expr = {
              vault: "wso2:vault-lookup('static_pw')",
              docker: "wso2:vault-lookup('docker_pw', 'DOCKER', 'false')",
              file: "wso2:vault-lookup('file_pw', 'FILE', 'false')",
              env: "wso2:vault-lookup('MI_LEAK_TEST_ENV', 'ENV', 'false')",
              hashicorp: "hashicorp:vault-lookup('secret/app', 'password')",
            }[kind];
            return `<resource methods="GET" uri-template="/${kind}"><inSequence>
              <property name="s" expression="${expr}"/>
              <property name="X-Secret" scope="transport" expression="$ctx:s"/>
              ${logAll}
              <call><endpoint><address uri="${backend.url}/in"/></endpoint></call>
              <log level="custom"><property name="after" expression="fn:concat('value=', $ctx:s)"/></log>
              <respond/></inSequence></resource>`;
          })
          .join('\n')}
        <resource methods="GET" uri-template="/fail/{kind}"><inSequence>
          <property name="s" expression="wso2:vault-lookup('static_pw')"/>
          <filter source="$ctx:uri.var.kind" regex="alias"><then><property name="x" expression="wso2:vault-lookup($trp:x-alias)"/></then></filter>
          <filter source="$ctx:uri.var.kind" regex="field"><then><property name="x" expression="hashicorp:vault-lookup('secret/app', 'missing')"/></then></filter>
          <filter source="$ctx:uri.var.kind" regex="docker"><then><property name="x" expression="wso2:vault-lookup('absent', 'DOCKER', 'false')"/></then></filter>
          <respond/></inSequence>
          <faultSequence><log level="custom"><property name="error" expression="$ctx:ERROR_MESSAGE"/><property name="s" expression="$ctx:s"/></log></faultSequence>
        </resource>
      </api>`,
    });
    const secretsDir = path.join(home, 'run-secrets');
    mkdirSync(secretsDir);
    writeFileSync(path.join(secretsDir, 'docker_pw'), SECRETS.docker);
    writeFileSync(path.join(home, 'file_pw'), SECRETS.file);
    const toml = path.join(home, 'deployment', 'deployment.toml');
    writeFileSync(toml, `[server]\nhot_deployment = false\n\n[secrets]\nstatic_pw = "[${SECRETS.vault}]"\n\n[secure_vault]\ndocker_secrets_dir = "${secretsDir}"\n\n[[external_vault]]\nname = "hashicorp"\naddress = "${vault.url}"\nrootToken = "${SECRETS.rootToken}"\n`);
    const run = (args: string[]): string => {
      const r = spawnSync(process.execPath, [MI, ...args, '--home', home], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout + r.stderr;
    };
    let seen = run(['keystore', 'create']) + run(['cipher-tool']);
    process.env['MI_LEAK_TEST_ENV'] = SECRETS.env;
    const p = await startMi(home);
    const bodies: string[] = [];
    try {
      for (const kind of ['vault', 'docker', 'file', 'env', 'hashicorp'] as const) {
        const r = await fetch(`${p.url}/leak/${kind}`);
        assert.equal(r.status, 200, `${kind}: ${await r.clone().text()}`);
        bodies.push(await r.text());
        assert.equal(backend.requests.at(-1)!.headers['x-secret'], SECRETS[kind], 'the backend gets the value');
      }
      for (const kind of ['alias', 'field', 'docker']) {
        const r = await fetch(`${p.url}/leak/fail/${kind}`, { headers: { 'x-alias': 'undeclared' } });
        assert.equal(r.status, 500);
        bodies.push(await r.text());
      }
    } finally {
      delete process.env['MI_LEAK_TEST_ENV'];
      assert.equal(await p.stop(), 0);
      await backend.close();
      await vault.stop();
    }
    seen += p.output();
    const logDir = path.join(home, 'logs');
    const logs = readdirSync(logDir).map((f) => readFileSync(path.join(logDir, f), 'utf8')).join('\n');
    try {
      assert.match(logs, /secret = \*\*\*\*\*/, 'the custom log line is there, masked');
      assert.match(logs, /Cannot find a vault secret from the HashiCorp vault for, Path: secret\/app, Field: missing/);
      assert.match(bodies.join('\n'), /MI_SEC_005[^]*MI_SEC_009[^]*MI_SEC_006/);
      for (const [kind, value] of Object.entries(SECRETS)) {
        for (const [where, text] of [['log files', logs], ['console output', seen], ['responses', bodies.join('\n')]] as const) {
          assert.ok(!text.includes(value), `the ${kind} secret appears in the ${where}`);
        }
      }
      assert.ok(!readFileSync(toml, 'utf8').includes(SECRETS.vault), 'deployment.toml holds only cipher text');
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
