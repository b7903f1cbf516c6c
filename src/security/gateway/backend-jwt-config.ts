/**
 * `[apim.jwt]`: the JWT the gateway sends to the backend, with API Manager's keys (its "Passing end user
 * attributes to the backend"). Read once at start; a wrong value stops the start with MI_API_060, an
 * unknown key is a warning, as everywhere in deployment.toml.
 *
 * API Manager's keys that name Java classes (`generator_impl`, `claims_extractor_impl`,
 * `[apim.jwt.gateway_generator] impl`) or tune its other caches are accepted and ignored with a warning
 * saying so, so a deployment.toml copied from API Manager starts.
 */
import { Errors, MiError } from '../../errors.js';
import { Section, type Table } from '../../config/section.js';

export type BackendJwtAlgorithm = 'SHA256withRSA' | 'NONE';
export type BackendJwtEncoding = 'base64' | 'base64url';

export interface BackendJwtConfig {
  /** The header the JWT travels in, as written (`X-JWT-Assertion`). */
  readonly header: string;
  readonly algorithm: BackendJwtAlgorithm;
  /** How header, claims and signature are encoded: API Manager's default `base64` (standard alphabet, no padding) or `base64url`. */
  readonly encoding: BackendJwtEncoding;
  /** The claim dialect: API Manager's claims are `<dialect>/enduser`, `<dialect>/apiname`, ... */
  readonly claimDialect: string;
  /** A Basic user's roles go in `<dialect>/role`. */
  readonly userClaims: boolean;
  /** Seconds a JWT is valid (`exp - iat`). */
  readonly expirySeconds: number;
  /** Whether the JWT header carries `kid` (API Manager's `use_kid_property`, default true). */
  readonly useKid: boolean;
  /** The `iss` (API Manager's fixed `wso2.org/products/am`). */
  readonly issuer: string;
  /** Claims of a token that do not go on to the backend (besides the registered ones API Manager never copies). */
  readonly excludedClaims: ReadonlySet<string>;
  /** Claims added to every JWT (`[apim.jwt.custom_claims]`). */
  readonly customClaims: Readonly<Record<string, string | number | boolean>>;
}

const KEYS = ['enable', 'header', 'signing_algorithm', 'encoding', 'claim_dialect', 'enable_user_claims', 'expiry_time', 'use_kid_property', 'issuer', 'gateway_generator', 'custom_claims'];
/** API Manager keys that name its Java extension points or other caches: nothing to do here. */
const IGNORED = ['generator_impl', 'claims_extractor_impl', 'convert_dialect', 'use_sha256_hash', 'binding_federated_user_claims'];
const GENERATOR_KEYS = ['excluded_claims', 'impl'];

export const BACKEND_JWT_ISSUER = 'wso2.org/products/am';

function fail(message: string): never {
  throw new MiError(Errors.BACKEND_JWT_CONFIG, `[apim.jwt] ${message}`);
}

function claimList(s: Section, key: string): string[] {
  const v = s.get(key);
  if (v === undefined) return [];
  const list = typeof v === 'string' ? v.split(',') : v;
  if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) fail(`gateway_generator.${key} must be an array of claim names`);
  return (list as string[]).map((x) => x.trim()).filter(Boolean);
}

/** `[apim.jwt]`, or undefined when `enable` is not true (the feature then costs nothing). */
export function readBackendJwtConfig(doc: Table, warnings: string[]): BackendJwtConfig | undefined {
  const s = Section.at(doc, 'apim.jwt');
  s.unknownKeys([...KEYS, ...IGNORED], warnings);
  for (const k of IGNORED) {
    if (s.get(k) !== undefined) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  [apim.jwt] ${k} names an API Manager extension point or setting that has no effect here; it is ignored`);
  }
  const gen = s.child('gateway_generator');
  gen.unknownKeys(GENERATOR_KEYS, warnings);
  if (gen.get('impl') !== undefined) warnings.push(`${Errors.CONFIG_UNKNOWN_KEY.code}  [apim.jwt.gateway_generator] impl names a Java class; the built-in generator is used`);
  try {
    if (!s.flag('enable', false)) return undefined;
    const algorithm = s.text('signing_algorithm', 'SHA256withRSA');
    if (algorithm !== 'SHA256withRSA' && algorithm !== 'NONE') fail(`signing_algorithm must be "SHA256withRSA" or "NONE", got ${JSON.stringify(algorithm)}`);
    const encoding = s.text('encoding', 'base64').toLowerCase();
    if (encoding !== 'base64' && encoding !== 'base64url') fail(`encoding must be "base64" or "base64url", got ${JSON.stringify(s.get('encoding'))}`);
    const header = s.optionalText('header') ?? 'X-JWT-Assertion';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header)) fail(`header ${JSON.stringify(header)} is not an HTTP header name`);
    const customClaims: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(s.child('custom_claims').table)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') fail(`custom_claims.${name} must be a string, a number or true/false`);
      customClaims[name] = value;
    }
    return Object.freeze({
      header,
      algorithm,
      encoding,
      claimDialect: s.text('claim_dialect', 'http://wso2.org/claims').trim(),
      userClaims: s.flag('enable_user_claims', false),
      expirySeconds: s.int('expiry_time', 900, 1),
      useKid: s.flag('use_kid_property', true),
      issuer: s.optionalText('issuer') ?? BACKEND_JWT_ISSUER,
      excludedClaims: new Set(claimList(gen, 'excluded_claims')),
      customClaims: Object.freeze(customClaims),
    });
  } catch (err) {
    if (err instanceof MiError && err.spec === Errors.CONFIG_VALUE) throw new MiError(Errors.BACKEND_JWT_CONFIG, err.message);
    throw err;
  }
}
