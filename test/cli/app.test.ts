/**
 * `mi app add|list|delete` on a home's embedded database, as a user runs them: the secret is printed once,
 * the database holds only its SHA-256, mistakes are `mi: CODE  message`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { embeddedDatasource } from '../../src/store/datasource-config.js';
import { MI } from '../helpers/process.js';

function mi(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mi app (OAuth2 applications of the token service)', function () {
  this.timeout(60000);
  let home: string;
  before(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'mi-app-'));
    mkdirSync(path.join(home, 'synapse-configs', 'default'), { recursive: true });
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('adds an application, printing its client id and secret once; only the hash is stored', () => {
    const r = mi(['app', 'add', 'backoffice', '--grant', 'client_credentials,password', '--scope', 'read:menu admin', '--home', home]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^mi: added application backoffice \(grants: client_credentials password; scopes: read:menu admin\)\n/);
    const id = /client_id: (\S+)/.exec(r.stdout)![1]!;
    const secret = /client_secret: (\S+)/.exec(r.stdout)![1]!;
    assert.match(r.stderr, /shown only now/);
    const db = new BetterSqlite3((embeddedDatasource(home) as { file: string }).file, { readonly: true });
    try {
      const row = db.prepare('select * from mi_oauth2_apps where client_id = ?').get(id) as Record<string, string>;
      assert.equal(row['secret_hash'], createHash('sha256').update(secret).digest('hex'));
      assert.ok(!JSON.stringify(row).includes(secret));
    } finally {
      db.close();
    }
    const list = mi(['app', 'list', '--home', home]);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^backoffice\\t${id}\\tclient_credentials password\\tread:menu admin\\t\\t`));
    assert.ok(!list.stdout.includes(secret));
  });

  it('refuses a taken name, an unknown grant and a code grant without a redirect URI (MI_API_071)', () => {
    for (const args of [['backoffice'], ['x', '--grant', 'implicit'], ['y', '--grant', 'authorization_code'], ['z', '--grant', 'authorization_code', '--redirect-uri', 'https://a.example/cb#frag']]) {
      const r = mi(['app', 'add', ...args, '--home', home]);
      assert.equal(r.status, 1, r.stdout);
      assert.match(r.stderr, /^mi: MI_API_071  /);
    }
  });

  it('deletes by name; an unknown one is MI_API_072', () => {
    assert.equal(mi(['app', 'delete', 'BackOffice', '--home', home]).status, 0);
    assert.equal(mi(['app', 'list', '--home', home]).stdout, '');
    const r = mi(['app', 'delete', 'backoffice', '--home', home]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mi: MI_API_072  /);
  });
});
