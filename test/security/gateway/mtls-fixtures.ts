/**
 * Certificates for the mutual SSL tests, made by `openssl`: a root CA, an intermediate CA under it, a client
 * under the intermediate (sent with its chain), clients under the root, an expired one, one from another
 * CA, one whose issuer is not a CA, one signed by an impostor of the intermediate (same name, other key),
 * one whose keyUsage lacks digitalSignature, and the server's; plus an undici client presenting any of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Agent, fetch } from 'undici';

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function ca(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/O=Test/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function signed(dir: string, issuer: string, name: string, ext: string): void {
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=Test/CN=${name}`);
  writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.pem`, '-CAkey', `${issuer}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
}

/** The clients that send their issuer after their own certificate. */
const CHAINED = new Set<string>(['alice', 'dave', 'forged']);

const CLIENT_EXT = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n';

/** One whose validity ended in 2020 (openssl ca sets the dates that x509 -req cannot). */
function expired(dir: string, issuer: string, name: string): void {
  const db = path.join(dir, 'cadb');
  mkdirSync(db, { recursive: true });
  writeFileSync(path.join(db, 'index'), '');
  writeFileSync(path.join(db, 'serial'), '1000\n');
  writeFileSync(path.join(dir, 'ca.cnf'), `[ca]\ndefault_ca = d\n[d]\ndatabase = cadb/index\nnew_certs_dir = cadb\nserial = cadb/serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\norganizationName = optional\n`);
  writeFileSync(path.join(dir, `${name}.ext`), CLIENT_EXT);
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/O=Test/CN=${name}`);
  openssl(dir, 'ca', '-batch', '-config', 'ca.cnf', '-cert', `${issuer}.pem`, '-keyfile', `${issuer}.key`, '-in', `${name}.csr`, '-out', `${name}.pem`, '-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-extfile', `${name}.ext`, '-notext');
}

export interface Certificates {
  readonly dir: string;
  /** `[keystore.primary]` and `[transport.http]` trusting the root (verify_client left at none). */
  readonly toml: string;
  /** PEM file of a client certificate. */
  pem(name: Client): string;
  /** The PEM text a client sends: its certificate, then its intermediate for alice, dave and forged. */
  chain(name: Client): string;
  /** An undici agent trusting the server, presenting `client` (with its chain) or nothing. */
  agent(client?: Client): Agent;
}

export type Client = 'alice' | 'bob' | 'carol' | 'expired' | 'mallory' | 'dave' | 'forged' | 'cipher';

/**
 * alice: under the intermediate; bob, carol: under the root; expired: under the root, in 2020; mallory:
 * another CA; dave: under `notca`, a certificate of the root without the CA flag (sent with it); forged:
 * under an impostor named as the intermediate; cipher: under the root, keyUsage keyEncipherment only.
 */
export function makeCertificates(): Certificates {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-mtls-'));
  ca(dir, 'root');
  ca(dir, 'other');
  signed(dir, 'root', 'inter', 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
  signed(dir, 'root', 'server', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  signed(dir, 'inter', 'alice', CLIENT_EXT);
  signed(dir, 'root', 'bob', CLIENT_EXT);
  signed(dir, 'root', 'carol', CLIENT_EXT);
  signed(dir, 'other', 'mallory', CLIENT_EXT);
  expired(dir, 'root', 'expired');
  signed(dir, 'root', 'notca', 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n');
  signed(dir, 'notca', 'dave', CLIENT_EXT);
  // same subject as the intermediate, another key: a signature check is the only thing that tells them apart
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'impostor.key', '-out', 'impostor.pem', '-days', '2', '-subj', '/O=Test/CN=inter', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  signed(dir, 'impostor', 'forged', CLIENT_EXT);
  signed(dir, 'root', 'cipher', 'basicConstraints=CA:FALSE\nkeyUsage=critical,keyEncipherment\nextendedKeyUsage=clientAuth\n');
  // forged comes with the genuine intermediate, whose key does not match its signature
  writeFileSync(path.join(dir, 'forged-chain.pem'), readFileSync(path.join(dir, 'forged.pem'), 'utf8') + readFileSync(path.join(dir, 'inter.pem'), 'utf8'));
  writeFileSync(path.join(dir, 'dave-chain.pem'), readFileSync(path.join(dir, 'dave.pem'), 'utf8') + readFileSync(path.join(dir, 'notca.pem'), 'utf8'));
  writeFileSync(path.join(dir, 'alice-chain.pem'), readFileSync(path.join(dir, 'alice.pem'), 'utf8') + readFileSync(path.join(dir, 'inter.pem'), 'utf8'));
  const agents = new Map<string, Agent>();
  return {
    dir,
    toml: `[keystore.primary]\nfile_name = "${dir}/server.pem"\ntype = "PEM"\nkey_file = "${dir}/server.key"\n\n[transport.http]\nlistener.truststore.location = "${dir}/root.pem"\n`,
    pem: (name) => path.join(dir, `${name}.pem`),
    chain: (name) => readFileSync(path.join(dir, CHAINED.has(name) ? `${name}-chain.pem` : `${name}.pem`), 'utf8'),
    agent(client) {
      const key = client ?? '-';
      let a = agents.get(key);
      if (!a) {
        const certFile = client && CHAINED.has(client) ? `${client}-chain.pem` : `${client}.pem`;
        a = new Agent({
          connect: {
            ca: readFileSync(path.join(dir, 'root.pem')),
            servername: 'localhost',
            ...(client ? { cert: readFileSync(path.join(dir, certFile)), key: readFileSync(path.join(dir, `${client}.key`)) } : {}),
          },
        });
        agents.set(key, a);
      }
      return a;
    },
  };
}

export interface Answer {
  readonly status: number;
  /** The fault code of a refusal; undefined for an admitted call. */
  readonly fault: number | undefined;
  readonly body: string;
}

/** GET over HTTPS as `client`, with an Authorization header when given. */
export async function callAs(c: Certificates, url: string, client: Client | undefined, authorization?: string): Promise<Answer> {
  const r = await fetch(url, { dispatcher: c.agent(client), headers: authorization ? { authorization } : {} });
  const body = await r.text();
  let fault: number | undefined;
  if (r.status >= 400) fault = (JSON.parse(body) as { fault: { code: number } }).fault.code;
  return { status: r.status, fault, body };
}
