/**
 * An Authorization header is a secret for as long as its request is in flight: the whole value, the
 * credentials after the scheme, and for Basic the decoded user:password and password, so none of them can
 * reach a log line, however a mediator prints them.
 */
import { basicCredentials } from '../security/auth/basic-credentials.js';
import type { SecretMasker } from './secret-masker.js';

export function authorizationSecrets(masker: SecretMasker, header: string): () => void {
  const forgets: (() => void)[] = [masker.addTransient(header)];
  const sp = header.indexOf(' ');
  if (sp > 0) {
    const cred = header.slice(sp + 1).trim();
    forgets.push(masker.addTransient(cred));
    const basic = basicCredentials(header);
    if (basic) {
      forgets.push(masker.addTransient(`${basic.user}:${basic.password}`));
      forgets.push(masker.addTransient(basic.password));
    }
  }
  return () => {
    for (const f of forgets) f();
  };
}
