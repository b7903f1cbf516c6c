/**
 * The attacks of the soak, one function per class. Each sends one hostile request (picking one of its
 * variants at random) and returns the label it ended with; whether that label is right is decided by the
 * table at the top of bench/soak.ts. Attacks come from other loopback addresses than normal traffic
 * (127.0.0.2 and up), as a real attacker would: per-address limits must hit them, not the honest clients.
 */
import { request, type Dispatcher } from 'undici';
import { SOAK_USER, VICTIM_USER } from './home.js';
import { BACK_HOP_HEADER, HOP_HEADER } from './fault-backend.js';
import {
  attributeFlood,
  deepJson,
  deepXml,
  ENTITY_EXPANSION,
  EXTERNAL_ENTITY,
  FORGED,
  jsonOrder,
  RID,
  soapOrder,
  SOAPENV,
  tinyElements,
  wsseHeader,
} from './payloads.js';
import { rawRequest, type RawStep } from './raw-http.js';

export const ATTACK_NAMES = [
  'attr-flood',
  'tiny-elements',
  'deep-json',
  'deep-xml',
  'doctype',
  'traversal',
  'crlf-header',
  'crlf-path',
  'log-forging',
  'hop-by-hop',
  'abort-upload',
  'abandon',
  'oversize',
  'login-basic',
  'login-wssec',
] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

/** Loopback addresses the attacks come from (Linux routes all of 127/8 to lo). */
export const ADDR = {
  misc: '127.0.0.2',
  victimFlood: '127.0.0.3',
  randomUsers: '127.0.0.4',
  slowloris: '127.0.0.5',
} as const;

export interface AttackContext {
  port: number;
  /** The class's size knob from the table (attributes, elements, depth), when it has one. */
  size: number;
  /** An undici dispatcher whose connections start from `address`. */
  agent(address: string): Dispatcher;
  /** A client gives up on an attack after this long. */
  timeoutMs: number;
}

export interface AttackResult {
  label: string;
  /** Which artifact it hit (abort-upload's side effect depends on it). */
  target: string;
  /** What was sent and what came back, for the report of an unexpected answer. */
  detail: string;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const rid = (): string => `a${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const basic = (user: string, password: string): string => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const excerpt = (s: string, n = 200): string => s.replace(/\s+/g, ' ').slice(0, n);

/** POST through undici; the label is the status, or the error code. */
async function post(ctx: AttackContext, address: string, path: string, body: string, headers: Record<string, string>, target: string, what: string): Promise<AttackResult & { text: string; headers: Record<string, string | string[] | undefined> }> {
  try {
    const res = await request(`http://127.0.0.1:${ctx.port}${path}`, {
      method: 'POST',
      headers,
      body,
      dispatcher: ctx.agent(address),
      headersTimeout: ctx.timeoutMs,
      bodyTimeout: ctx.timeoutMs,
    });
    const text = await res.body.text();
    return { label: String(res.statusCode), target, text, headers: res.headers, detail: `${what} POST ${path.slice(0, 120)} -> ${res.statusCode} ${excerpt(text)}` };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = err.code ?? err.cause?.code ?? 'error';
    return { label: code, target, text: '', headers: {}, detail: `${what} POST ${path.slice(0, 120)} -> ${code}: ${err.message}` };
  }
}

async function raw(ctx: AttackContext, address: string, steps: RawStep[], target: string, what: string, thenLeave?: 'reset' | 'close'): Promise<AttackResult & { head: string; body: string }> {
  const r = await rawRequest({ port: ctx.port, localAddress: address, steps, thenLeave, timeoutMs: ctx.timeoutMs });
  return { label: r.label, target, head: r.head, body: r.bodyExcerpt, detail: `${what} -> ${r.label} after ${r.ms} ms: ${excerpt(r.head, 160)} ${excerpt(r.bodyExcerpt, 120)}` };
}

const httpRequest = (method: string, path: string, headers: string[], body = ''): string =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const SOAP_HEADERS = { 'content-type': 'text/xml; charset=UTF-8', soapaction: 'urn:order' };
const smallOrder = (): string => soapOrder(600).replace(RID, rid());

type Attack = (ctx: AttackContext) => Promise<AttackResult>;

const ABANDON_BURST = 4;

export const ATTACKS: Record<AttackName, Attack> = {
  'attr-flood': (ctx) => post(ctx, ADDR.misc, '/services/SoakSecure', attributeFlood(ctx.size), SOAP_HEADERS, 'SoakSecure', `${ctx.size} attributes on the Envelope`),

  'tiny-elements': (ctx) => post(ctx, ADDR.misc, '/services/SoakMediated', tinyElements(ctx.size), SOAP_HEADERS, 'SoakMediated', `${ctx.size} empty elements`),

  'deep-json': (ctx) =>
    post(ctx, ADDR.misc, `/soak/orders/${rid()}?tag=deep`, deepJson(ctx.size), { 'content-type': 'application/json' }, 'SoakAPI', `JSON nested ${ctx.size} deep`),

  'deep-xml': (ctx) => post(ctx, ADDR.misc, '/services/SoakMediated', deepXml(ctx.size), SOAP_HEADERS, 'SoakMediated', `XML nested ${ctx.size} deep`),

  doctype: async (ctx) => {
    const [target, path, headers] = pick([
      ['SoakMediated', '/services/SoakMediated', SOAP_HEADERS],
      ['SoakSecure', '/services/SoakSecure', SOAP_HEADERS],
      ['SoakAPI', `/soak/orders/${rid()}?tag=dtd`, { 'content-type': 'application/xml' }],
      ['SoakBasicAPI', `/soakauth/items/${rid()}`, { 'content-type': 'application/xml', authorization: basic(SOAK_USER.name, SOAK_USER.password) }],
    ] as const);
    const [what, body] = pick([
      ['entity expansion', ENTITY_EXPANSION],
      ['external entity', EXTERNAL_ENTITY],
    ] as const);
    const r = await post(ctx, ADDR.misc, path, body, headers, target, what);
    // an expanded external entity would echo the file back
    if (/root:x?:0:/.test(r.text)) return { ...r, label: 'leak' };
    return r;
  },

  traversal: async (ctx) => {
    // `authOnly`: the path resolves under the Basic-auth API; a 200 without credentials is a bypass
    const [path, authOnly] = pick([
      ['/services/SoakPassThrough/../SoakMediated', false],
      ['/services/SoakPassThrough/%2e%2e/%2e%2e/%2e%2e/etc/passwd', false],
      ['/services/SoakPassThrough/.%2E/.%2e/x', false],
      ['/services/SoakPassThrough/%2E%2e/', false],
      ['/soak/../services/SoakPassThrough', false],
      ['/soak/../soakauth/items/1', true],
      ['/soak/%2e%2e/soakauth/items/1', true],
      ['/services/../soakauth/items/1', true],
      ['/soakauth/items/../../soak/orders/1?tag=t', false],
    ] as const);
    const body = path.includes('/soak/orders') || authOnly ? jsonOrder(200) : smallOrder();
    const type = body.startsWith('{') ? 'application/json' : 'text/xml';
    const r = await raw(ctx, ADDR.misc, [{ data: httpRequest('POST', path, [`Content-Type: ${type}`], body) }], 'SoakPassThrough', `path ${path}`);
    const escaped = /\r\nx-soak-path-escaped: *([^\r]*)/i.exec(r.head);
    if (escaped) return { ...r, label: 'leak', detail: `the backend was asked for ${decodeURIComponent(escaped[1]!)}: ${r.detail}` };
    if (authOnly && r.label === '200') return { ...r, label: 'auth-bypass' };
    return r;
  },

  'crlf-header': (ctx) => {
    const [what, header] = pick([
      ['bare CR in a header value', 'X-Soak-Client: a\rX-Injected: 1'],
      ['bare LF in a header value', 'X-Soak-Client: a\nX-Injected: 1'],
      ['CR LF folding a header', 'X-Soak-Client: a\r\n X-Injected: 1'],
      ['space before the colon', 'X-Soak-Client : a'],
      ['NUL in a header value', 'X-Soak-Client: a\0b'],
    ] as const);
    return raw(ctx, ADDR.misc, [{ data: httpRequest('POST', '/services/SoakMediated', ['Content-Type: text/xml', header], smallOrder()) }], 'SoakMediated', what);
  },

  'crlf-path': (ctx) => {
    const [what, head] = pick([
      // the request line ends early: Node reads the rest as a header of an HTTP/0.9 request
      ['CR LF inside the request target', 'GET /services/SoakPassThrough\r\nX-Injected: 1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
      ['bare CR inside the request target', 'GET /services/SoakPassThrough/a\rX-Injected:1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
      ['bare LF inside the request target', 'GET /services/SoakPassThrough/a\nX-Injected:1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'],
    ] as const);
    return raw(ctx, ADDR.misc, [{ data: head }], 'SoakPassThrough', what);
  },

  'log-forging': async (ctx) => {
    const forged = `%0d%0a${FORGED}%20`;
    const variant = pick(['uri-template', 'body', 'pass-through path', 'correlation header', 'basic user', 'wsse user'] as const);
    switch (variant) {
      case 'uri-template':
        return post(ctx, ADDR.misc, `/soak/orders/1${forged}id?tag=t${forged}tag`, jsonOrder(200), { 'content-type': 'application/json' }, 'SoakAPI', 'CR LF in a uri-template variable and a query parameter (logged)');
      case 'body':
        return post(ctx, ADDR.misc, '/services/SoakMediated', smallOrder().replace('<symbol>IBM</symbol>', `<symbol>IBM\r\n${FORGED} symbol</symbol>`), SOAP_HEADERS, 'SoakMediated', 'CR LF in a body value the log mediator prints');
      case 'pass-through path':
        return raw(ctx, ADDR.misc, [{ data: httpRequest('POST', `/services/SoakPassThrough/x${forged}path`, ['Content-Type: text/xml'], smallOrder()) }], 'SoakPassThrough', 'CR LF (encoded) in a proxy path (access log)');
      case 'correlation header':
        return raw(ctx, ADDR.misc, [{ data: httpRequest('POST', '/services/SoakMediated', ['Content-Type: text/xml', `activityid: c1${forged}corr`], smallOrder()) }], 'SoakMediated', 'CR LF (encoded) in the correlation id');
      case 'basic user': {
        const r = await post(ctx, ADDR.randomUsers, `/soakauth/items/${rid()}`, jsonOrder(200), { 'content-type': 'application/json', authorization: basic(`u\r\n${FORGED} basic`, 'Wrong-Pass-1') }, 'SoakBasicAPI', 'CR LF in a Basic user name');
        return r;
      }
      case 'wsse user': {
        const body = soapOrder(600, wsseHeader(`u&#13;&#10;${FORGED} wsse`, 'Wrong-Pass-1')).replace(RID, rid());
        return post(ctx, ADDR.randomUsers, '/services/SoakSecure', body, SOAP_HEADERS, 'SoakSecure', 'CR LF in a UsernameToken user name (logged on refusal)');
      }
    }
  },

  'hop-by-hop': async (ctx) => {
    const [target, path, type, body] = pick([
      ['SoakPassThrough', '/services/SoakPassThrough', 'text/xml', smallOrder()],
      ['SoakMediated', '/services/SoakMediated', 'text/xml', smallOrder()],
      ['SoakAPI', `/soak/orders/${rid()}?tag=hop`, 'application/json', jsonOrder(300)],
    ] as const);
    const [what, headers] = pick([
      ['Connection naming one header alone', [`Connection: ${HOP_HEADER}`, `${HOP_HEADER}: secret`]],
      ['Connection naming a header after keep-alive', [`Connection: keep-alive, ${HOP_HEADER}`, `${HOP_HEADER}: secret`]],
      ['Connection naming a header in mixed case', [`Connection: close, X-Soak-HOP`, `X-Soak-Hop: secret`]],
      ['Proxy-Authorization', ['Proxy-Authorization: Basic c2VjcmV0OnNlY3JldA==']],
      ['Upgrade: websocket', ['Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13']],
      ['Upgrade: h2c', ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQAAP__']],
    ] as const);
    const r = await raw(ctx, ADDR.misc, [{ data: httpRequest('POST', path, [`Content-Type: ${type}`, ...headers], body) }], target, `${what} to ${target}`);
    if (/\r\nx-soak-hop-leaked:/i.test(r.head)) return { ...r, label: 'leak', detail: `the backend received a hop-by-hop header: ${r.detail}` };
    if (new RegExp(`\\r\\n${BACK_HOP_HEADER}:`, 'i').test(r.head)) return { ...r, label: 'leak', detail: `the client received the backend's hop-by-hop header: ${r.detail}` };
    return r;
  },

  'abort-upload': (ctx) => {
    const [target, path, type] = pick([
      ['SoakPassThrough', '/services/SoakPassThrough', 'text/xml'],
      ['SoakMediated', '/services/SoakMediated', 'text/xml'],
      ['SoakAPI', `/soak/orders/${rid()}?tag=abort`, 'application/json'],
      ['SoakSecure', '/services/SoakSecure', 'text/xml'],
    ] as const);
    const first = type === 'text/xml' ? soapOrder(4000, target === 'SoakSecure' ? wsseHeader(SOAK_USER.name, SOAK_USER.password) : '').replace(RID, rid()).slice(0, 3000) : `{"symbol":"IBM","pad":"${'p'.repeat(3000)}`;
    const how = pick(['reset', 'close'] as const);
    return raw(
      ctx,
      ADDR.misc,
      [
        { data: `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\n\r\n` },
        { data: `${first.length.toString(16)}\r\n${first}\r\n`, delayMs: 20 },
        // a chunk announced as 8 KB, of which 100 bytes come
        { data: `2000\r\n${'x'.repeat(100)}`, delayMs: 50 + Math.floor(Math.random() * 250) },
      ],
      target,
      `chunked upload to ${target} cut with a ${how === 'reset' ? 'TCP reset' : 'FIN'}`,
      how,
    );
  },

  abandon: async (ctx) => {
    // a burst of clients that send a whole 200 KB request and leave before the answer
    const [target, path, type, body] = pick([
      ['SoakPassThrough', '/services/SoakPassThrough', 'text/xml', soapOrder(200_000)],
      ['SoakMediated', '/services/SoakMediated', 'text/xml', soapOrder(200_000)],
      ['SoakAPI', `/soak/orders/${rid()}?tag=gone`, 'application/json', jsonOrder(200_000)],
    ] as const);
    const burst = await Promise.all(
      Array.from({ length: ABANDON_BURST }, () => raw(ctx, ADDR.misc, [{ data: httpRequest('POST', path, [`Content-Type: ${type}`], body.replace(RID, rid())) }], target, `${ABANDON_BURST} clients send a whole request to ${target} and leave`, 'close')),
    );
    return burst.find((r) => r.label !== 'aborted') ?? burst[0]!;
  },

  oversize: (ctx) => {
    const variant = pick(['content-length', 'chunked'] as const);
    if (variant === 'content-length') {
      return raw(ctx, ADDR.misc, [{ data: `POST /services/SoakPassThrough HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: ${11 * 1024 * 1024}\r\n\r\n${smallOrder()}` }], 'SoakPassThrough', 'Content-Length of 11 MiB (over max_body_size)');
    }
    const mib = '<i/>'.repeat(256 * 1024);
    const chunk = `${Buffer.byteLength(mib).toString(16)}\r\n${mib}\r\n`;
    const steps: RawStep[] = [{ data: `POST /services/SoakMediated HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n` }];
    const head = `<soapenv:Envelope xmlns:soapenv="${SOAPENV}"><soapenv:Body><order><symbol>IBM</symbol>`;
    steps.push({ data: `${Buffer.byteLength(head).toString(16)}\r\n${head}\r\n` });
    for (let i = 0; i < 11; i++) steps.push({ data: chunk, delayMs: 5 });
    steps.push({ data: '0\r\n\r\n' });
    return raw(ctx, ADDR.misc, steps, 'SoakMediated', 'chunked body of 11 MiB to a proxy that parses it');
  },

  'login-basic': (ctx) => {
    const random = Math.random() < 0.5;
    const user = random ? `user${Math.floor(Math.random() * 1e9)}` : VICTIM_USER.name;
    return post(
      ctx,
      random ? ADDR.randomUsers : ADDR.victimFlood,
      `/soakauth/items/${rid()}`,
      jsonOrder(200),
      { 'content-type': 'application/json', authorization: basic(user, `Wrong-${Math.floor(Math.random() * 1e9)}`) },
      'SoakBasicAPI',
      random ? 'Basic with a made-up user' : `Basic with a wrong password for ${user}`,
    );
  },

  'login-wssec': async (ctx) => {
    const random = Math.random() < 0.5;
    const user = random ? `user${Math.floor(Math.random() * 1e9)}` : VICTIM_USER.name;
    const body = soapOrder(600, wsseHeader(user, `Wrong-${Math.floor(Math.random() * 1e9)}`)).replace(RID, rid());
    const r = await post(ctx, random ? ADDR.randomUsers : ADDR.victimFlood, '/services/SoakSecure', body, SOAP_HEADERS, 'SoakSecure', random ? 'UsernameToken of a made-up user' : `UsernameToken with a wrong password for ${user}`);
    // a refusal is a wsse:FailedAuthentication fault (HTTP 500); any other 500 is not a refusal
    if (r.label === '500' && !r.text.includes('FailedAuthentication')) return { ...r, label: '500-not-FailedAuthentication' };
    return r;
  },
};
