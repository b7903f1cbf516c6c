/**
 * The honest traffic of the soak: one request class per artifact and body size (1 KB, 10 KB). Each request
 * carries its own id and its answer must echo it (so a reply that went to the wrong client, or a body cut
 * short, is caught, not only a bad status); the WS-Security answer must not carry the password on.
 */
import { request, type Dispatcher } from 'undici';
import { SOAK_USER } from './home.js';
import { jsonOrder, RID, secureOrder, soapOrder } from './payloads.js';

export interface NormalClass {
  name: string;
  /** Reaches the backend (its failures during an injected fault are the fault's). */
  usesBackend: boolean;
  send(dispatcher: Dispatcher, id: string): Promise<NormalResult>;
}

export interface NormalResult {
  label: string;
  detail: string;
  /** The artifact revision the answer came from, when it tells (the Basic-auth API does). */
  rev?: number;
}

export interface NormalOptions {
  port: number;
  timeoutMs: number;
}

const SOAP_HEADERS = { 'content-type': 'text/xml; charset=UTF-8', soapaction: 'urn:order' };
const BASIC = 'Basic ' + Buffer.from(`${SOAK_USER.name}:${SOAK_USER.password}`).toString('base64');

async function exchange(o: NormalOptions, dispatcher: Dispatcher, path: string, headers: Record<string, string>, body: string, mustContain: string, mustNotContain?: string): Promise<NormalResult> {
  try {
    const res = await request(`http://127.0.0.1:${o.port}${path}`, { method: 'POST', headers, body, dispatcher, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
    const text = await res.body.text();
    const what = () => `POST ${path} -> ${res.statusCode}, ${text.length} bytes: ${text.replace(/\s+/g, ' ').slice(0, 200)}`;
    if (res.statusCode !== 200) return { label: String(res.statusCode), detail: what() };
    if (!text.includes(mustContain)) return { label: '200-wrong-body', detail: `answer lacks ${mustContain}: ${what()}` };
    if (mustNotContain && text.includes(mustNotContain)) return { label: '200-leaks-password', detail: what() };
    const rev = /"rev":"(\d+)"/.exec(text)?.[1];
    return { label: '200', detail: '', rev: rev === undefined ? undefined : Number(rev) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = err.code ?? err.cause?.code ?? 'error';
    return { label: code, detail: `POST ${path} -> ${code}: ${err.message}` };
  }
}

export function normalClasses(o: NormalOptions): NormalClass[] {
  const classes: NormalClass[] = [];
  for (const [size, tag] of [
    [1000, '1KB'],
    [10_000, '10KB'],
  ] as const) {
    const soap = soapOrder(size);
    const secure = secureOrder(size);
    const json = jsonOrder(size);
    classes.push(
      {
        name: `pass-through ${tag}`,
        usesBackend: true,
        send: (d, id) => exchange(o, d, '/services/SoakPassThrough', SOAP_HEADERS, soap.replace(RID, id), `<id>${id}</id>`),
      },
      {
        name: `mediated ${tag}`,
        usesBackend: true,
        send: (d, id) => exchange(o, d, '/services/SoakMediated', { ...SOAP_HEADERS, 'x-soak-client': 'normal' }, soap.replace(RID, id), `<id>${id}</id>`),
      },
      {
        name: `rest-api ${tag}`,
        usesBackend: true,
        send: (d, id) => exchange(o, d, `/soak/orders/${id}?tag=${tag}`, { 'content-type': 'application/json' }, json, `"id":"${id}"`),
      },
      {
        name: `ws-security ${tag}`,
        usesBackend: true,
        send: (d, id) => exchange(o, d, '/services/SoakSecure', SOAP_HEADERS, secure.replace(RID, id), `<id>${id}</id>`, SOAK_USER.password),
      },
      {
        name: `basic-auth ${tag}`,
        usesBackend: false,
        send: (d, id) => exchange(o, d, `/soakauth/items/${id}`, { 'content-type': 'application/json', authorization: BASIC }, json, `"item":"${id}"`),
      },
    );
  }
  return classes;
}
