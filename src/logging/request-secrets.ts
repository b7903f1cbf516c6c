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

/**
 * A request's secrets: the values recorded, and the forms to mask, worked out the first time something of
 * the request is logged (most requests log nothing, and a bearer token is long: escaping it four ways on
 * every request would cost more than checking it).
 */
interface RequestSecrets {
  authorization: string | undefined;
  readonly values: string[];
  masks: string[] | undefined;
}

const byRequest = new WeakMap<object, RequestSecrets>();

/** The forms a value takes where it is logged: as is, escaped in XML text or attributes, escaped in JSON. */
function writtenForms(value: string): string[] {
  const xmlText = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const xmlAttr = xmlText.replace(/"/g, '&quot;');
  return [value, xmlText, xmlAttr, xmlAttr.replace(/'/g, '&apos;'), JSON.stringify(value).slice(1, -1)];
}

function secretsOf(request: object): RequestSecrets {
  let s = byRequest.get(request);
  if (!s) byRequest.set(request, (s = { authorization: undefined, values: [], masks: undefined }));
  return s;
}

/** The Authorization header value and the credentials inside it. */
function authorizationValues(header: string): string[] {
  const out = [header];
  const sp = header.indexOf(' ');
  if (sp <= 0) return out;
  out.push(header.slice(sp + 1).trim());
  const basic = basicCredentials(header);
  if (basic) out.push(`${basic.user}:${basic.password}`, basic.password);
  return out;
}

function masksOf(s: RequestSecrets): string[] {
  if (s.masks) return s.masks;
  const list: string[] = [];
  const values = s.authorization === undefined ? s.values : [...authorizationValues(s.authorization), ...s.values];
  for (const v of values) {
    if (v.length < MIN_LENGTH) continue;
    for (const form of writtenForms(v)) if (!list.includes(form)) list.push(form);
  }
  // longest first: the whole header is masked as one, not around a masked token
  list.sort((a, b) => b.length - a.length);
  return (s.masks = list);
}

/** Records the request's Authorization header value (and so the credentials inside it). */
export function rememberAuthorization(request: object, header: string): void {
  const s = secretsOf(request);
  s.authorization = header;
  s.masks = undefined;
}

/** Records one more secret of the request. The returned function is for callers that release explicitly. */
export function rememberRequestSecret(request: object, value: string): () => void {
  const s = secretsOf(request);
  s.values.push(value);
  s.masks = undefined;
  return () => {};
}

/** `text` (content of this request about to be logged) with the request's secrets replaced by *****. */
export function maskRequestSecrets(request: object, text: string): string {
  const secrets = byRequest.get(request);
  if (!secrets) return text;
  let out = text;
  for (const s of masksOf(secrets)) if (out.includes(s)) out = out.split(s).join(MASK);
  return out;
}
