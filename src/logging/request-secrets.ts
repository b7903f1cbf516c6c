/**
 * Secrets that belong to one request: its Authorization header (the whole value, the credentials after the
 * scheme, and for Basic the decoded user:password and password) and, when a proxy preserves the
 * wsse:Security header, its UsernameToken password. They are masked where that request's own content is
 * logged (log mediator properties, SOAP headers, the payload, a handler's error) and nowhere else. They are
 * never masked as a substring of every log line: the client chooses them, and would otherwise blank any text
 * it likes (an address, a user name) in other requests' lines while its request is in flight.
 *
 * The key is the request's InboundRequest object, which every message context of the request shares
 * (mc.inbound); held in a WeakMap, the secrets go when the request does.
 */
import { basicCredentials } from '../security/auth/basic-credentials.js';

/** Values this short are not masked: they would hide ordinary words of the request's own content. */
const MIN_LENGTH = 4;
const MASK = '*****';

const byRequest = new WeakMap<object, string[]>();

/** The forms a value takes where it is logged: as is, escaped in XML text or attributes, escaped in JSON. */
function writtenForms(value: string): string[] {
  const xmlText = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const xmlAttr = xmlText.replace(/"/g, '&quot;');
  return [value, xmlText, xmlAttr, xmlAttr.replace(/'/g, '&apos;'), JSON.stringify(value).slice(1, -1)];
}

function remember(request: object, value: string): void {
  if (value.length < MIN_LENGTH) return;
  let list = byRequest.get(request);
  if (!list) byRequest.set(request, (list = []));
  for (const form of writtenForms(value)) if (!list.includes(form)) list.push(form);
  // longest first: the whole header is masked as one, not around a masked token
  list.sort((a, b) => b.length - a.length);
}

/** Records the request's Authorization header value and the credentials inside it. */
export function rememberAuthorization(request: object, header: string): void {
  remember(request, header);
  const sp = header.indexOf(' ');
  if (sp <= 0) return;
  remember(request, header.slice(sp + 1).trim());
  const basic = basicCredentials(header);
  if (basic) {
    remember(request, `${basic.user}:${basic.password}`);
    remember(request, basic.password);
  }
}

/** Records one more secret of the request. The returned function is for callers that release explicitly. */
export function rememberRequestSecret(request: object, value: string): () => void {
  remember(request, value);
  return () => {};
}

/** `text` (content of this request about to be logged) with the request's secrets replaced by *****. */
export function maskRequestSecrets(request: object, text: string): string {
  const list = byRequest.get(request);
  if (!list) return text;
  let out = text;
  for (const s of list) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
