/**
 * What the runtime itself writes to a client about an error (a SOAP fault or JSON error, a listener error,
 * a management API reply) goes through the same secret masker as the log lines: a secret, or a form derived
 * from it, never reaches a client because an error message quoted a URL or a value. Payloads built by
 * mediators are the user's and are not touched.
 */
import type { SecretMasker } from './secret-masker.js';

export function maskReply(masker: SecretMasker, text: string): string {
  return masker.mask(text);
}
