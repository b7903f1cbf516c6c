/**
 * The token issuer of the API security scenarios: an RSA key made at start, its public key as a
 * `[[jwt_issuer]]` of the bench home, and one RS256 access token shaped as an authorization server issues
 * them (RFC 9068 claims, ~800 bytes), sent on every request as a client reusing its token does.
 */
import { randomUUID } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';

export interface BenchIssuer {
  /** The deployment.toml table. */
  readonly toml: string;
  readonly token: string;
}

const ISSUER = 'https://bench-idp.test/oauth2/token';

export async function benchIssuer(): Promise<BenchIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const token = await new SignJWT({ scope: 'bench:invoke read:quotes', client_id: 'bench-client', azp: 'bench-client', jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'bench-1' })
    .setIssuer(ISSUER)
    .setSubject('bench-user@carbon.super')
    .setAudience('bench-api')
    .setIssuedAt()
    .setExpirationTime('1d')
    .sign(privateKey);
  const toml = ['[[jwt_issuer]]', `issuer = "${ISSUER}"`, 'audience = "bench-api"', 'algorithms = ["RS256"]', `certificate = '''\n${(await exportSPKI(publicKey)).trim()}'''`].join('\n');
  return { toml, token };
}
