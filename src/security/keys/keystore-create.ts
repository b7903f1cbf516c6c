/**
 * Makes a fresh key store: an RSA 3072 key (generated natively, off the main thread) with a self-signed
 * certificate, in a PKCS12 file (node-forge writes the format), and a random password in a 0600 file beside
 * it: the vault cannot protect the password of its own key, so file permissions do.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type * as Forge from 'node-forge';
import { forgeLib } from './forge.js';
import { Errors, MiError } from '../../errors.js';
import { DEV_KEYSTORE } from './keystore-config.js';
import { writeFileAtomic } from '../../config/file-write.js';

export interface CreateOptions {
  dir: string;
  fileName?: string;
  alias?: string;
  commonName?: string;
  days?: number;
  /** Replace an existing key store of the same name. */
  force?: boolean;
}

export interface CreatedKeyStore {
  file: string;
  passwordFile: string;
  alias: string;
}

const generate = promisify(generateKeyPair);

function selfSigned(privatePem: string, commonName: string, days: number): { key: Forge.pki.rsa.PrivateKey; cert: Forge.pki.Certificate } {
  const forge = forgeLib();
  const key = forge.pki.privateKeyFromPem(privatePem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  // a positive serial: the high bit of the first byte clear
  cert.serialNumber = '0' + randomBytes(16).toString('hex').slice(1);
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  const name = [
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: 'mediation-runtime' },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, dataEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { key, cert };
}

export async function createKeyStore(opts: CreateOptions): Promise<CreatedKeyStore> {
  const fileName = opts.fileName ?? DEV_KEYSTORE.file;
  const alias = opts.alias ?? DEV_KEYSTORE.alias;
  const file = path.join(opts.dir, fileName);
  const passwordFile = `${file}.password`;
  if (existsSync(file) && !opts.force) {
    throw new MiError(Errors.KEYSTORE, `${file} already exists; pass --force to replace it (secrets encrypted with its key then have to be encrypted again)`);
  }
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generate('rsa', {
    modulusLength: 3072,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const { key, cert } = selfSigned(privateKey, opts.commonName ?? 'localhost', opts.days ?? 3650);
  const password = randomBytes(24).toString('base64url');
  const forge = forgeLib();
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, [cert], password, { algorithm: 'aes256', friendlyName: alias, generateLocalKeyId: true });
  // the password first: a key store that exists always has its password beside it
  writeFileAtomic(passwordFile, password + '\n', 0o600);
  writeFileAtomic(file, Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'), 0o600);
  return { file, passwordFile, alias };
}
