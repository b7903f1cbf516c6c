/**
 * Opens a key store: PKCS12 through node-forge (its bag and PBE formats are not worth writing by hand),
 * PEM with node:crypto. The private key ends up as a node:crypto KeyObject, so every RSA operation after
 * loading is native.
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as Forge from 'node-forge';
import { forgeLib } from './forge.js';
import { Errors, MiError } from '../../errors.js';
import type { KeyStoreConfig } from './keystore-config.js';

export interface LoadedKeyStore {
  readonly alias: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The key's certificate first, then any chain, as PEM. */
  readonly certificates: readonly string[];
}

function read(file: string, where: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MiError(Errors.KEYSTORE, `${where} ${file} cannot be read (${code ?? 'error'})${code === 'ENOENT' ? '; make one with `mi keystore create`' : ''}`);
  }
}

function openPkcs12(cfg: KeyStoreConfig): Forge.pkcs12.Pkcs12Pfx {
  const der = read(cfg.file, cfg.where);
  const forge = forgeLib();
  try {
    return forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), false, cfg.password);
  } catch (err) {
    const msg = (err as Error).message;
    const why = /MAC|password|decrypt/i.test(msg) ? 'wrong password or damaged file' : 'not a PKCS12 file this runtime can read (RSA keys only)';
    throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} cannot be opened: ${why}`);
  }
}

function bags(p12: Forge.pkcs12.Pkcs12Pfx, type: string): Forge.pkcs12.Bag[] {
  return p12.getBags({ bagType: type })[type] ?? [];
}

function loadPkcs12(cfg: KeyStoreConfig): LoadedKeyStore {
  if (cfg.keyPassword !== undefined && cfg.keyPassword !== cfg.password) {
    throw new MiError(Errors.KEYSTORE, `${cfg.where} key_password differs from the store password; a PKCS12 store here uses one password for both (re-export it with one)`);
  }
  const p12 = openPkcs12(cfg);
  const forge = forgeLib();
  const keys = [...bags(p12, forge.pki.oids.pkcs8ShroudedKeyBag!), ...bags(p12, forge.pki.oids.keyBag!)].filter((b) => b.key);
  const certs = bags(p12, forge.pki.oids.certBag!).filter((b) => b.cert);
  const aliasOf = (b: Forge.pkcs12.Bag): string | undefined => (b.attributes['friendlyName'] as string[] | undefined)?.[0];
  if (keys.length === 0) throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} holds no private key`);
  const keyBag = cfg.alias === undefined ? keys[0]! : keys.find((b) => aliasOf(b) === cfg.alias);
  if (!keyBag) {
    throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} has no key with alias '${cfg.alias}'; it has: ${keys.map((b) => aliasOf(b) ?? '(no alias)').join(', ')}`);
  }
  const key = keyBag.key as Forge.pki.rsa.PrivateKey;
  const own = certs.find((b) => (b.cert!.publicKey as Forge.pki.rsa.PublicKey).n?.equals(key.n));
  if (!own) throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} has no certificate for its private key`);
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(key));
  return {
    alias: aliasOf(keyBag) ?? cfg.alias ?? '',
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificates: [own, ...certs.filter((b) => b !== own)].map((b) => forge.pki.certificateToPem(b.cert!)),
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g;

function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

function loadPem(cfg: KeyStoreConfig): LoadedKeyStore {
  const main = pemBlocks(read(cfg.file, cfg.where).toString('utf8'));
  const keyBlocks = cfg.keyFile ? pemBlocks(read(cfg.keyFile, cfg.where).toString('utf8')) : main;
  const keyPem = keyBlocks.find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!keyPem) throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.keyFile ?? cfg.file} holds no PEM private key (set key_file if it is in another file)`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: keyPem.pem, passphrase: cfg.keyPassword ?? cfg.password });
  } catch {
    throw new MiError(Errors.KEYSTORE, `${cfg.where} the private key cannot be read: wrong key_password/password, or not a key`);
  }
  const certificates = main.filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
  if (certificates.length === 0) throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} holds no certificate`);
  const own = certificates.find((c) => new X509Certificate(c).checkPrivateKey(privateKey));
  if (!own) throw new MiError(Errors.KEYSTORE, `${cfg.where} no certificate in ${cfg.file} matches the private key`);
  return {
    alias: cfg.alias ?? '',
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificates: [own, ...certificates.filter((c) => c !== own)],
  };
}

export function loadKeyStore(cfg: KeyStoreConfig): LoadedKeyStore {
  return cfg.type === 'PEM' ? loadPem(cfg) : loadPkcs12(cfg);
}

/** The trusted certificates of a trust store (PEM bundle or PKCS12), as PEM. */
export function loadTrustedCertificates(cfg: KeyStoreConfig): string[] {
  if (cfg.type === 'PEM') {
    const certs = pemBlocks(read(cfg.file, cfg.where).toString('utf8')).filter((b) => b.label === 'CERTIFICATE').map((b) => b.pem);
    if (certs.length === 0) throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} holds no certificate`);
    return certs;
  }
  const forge = forgeLib();
  const certs = bags(openPkcs12(cfg), forge.pki.oids.certBag!).filter((b) => b.cert);
  if (certs.length === 0) throw new MiError(Errors.KEYSTORE, `${cfg.where} ${cfg.file} holds no certificate`);
  return certs.map((b) => forge.pki.certificateToPem(b.cert!));
}
