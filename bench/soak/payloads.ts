/**
 * Request bodies of the soak: SOAP and JSON orders of a given size for normal traffic (each carries the
 * request's id, which its answer must echo), and the hostile bodies of the attacks. Big attack bodies are
 * built once and reused.
 */
import { SOAK_USER } from './home.js';

export const SOAPENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';

/** Marks where a request's id goes in a cached body. */
export const RID = '@@RID@@';

export function wsseHeader(user: string, password: string): string {
  return (
    `<soapenv:Header><wsse:Security xmlns:wsse="${WSSE_NS}" soapenv:mustUnderstand="1">` +
    `<wsse:UsernameToken><wsse:Username>${user}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_TEXT}">${password}</wsse:Password>` +
    `</wsse:UsernameToken></wsse:Security></soapenv:Header>`
  );
}

/** A SOAP order of about `size` bytes: `<order><id>RID</id><symbol>IBM</symbol><item>..</item>...</order>`. */
export function soapOrder(size: number, header = ''): string {
  const head = `<soapenv:Envelope xmlns:soapenv="${SOAPENV}">${header}<soapenv:Body><order><id>${RID}</id><symbol>IBM</symbol>`;
  const tail = '</order></soapenv:Body></soapenv:Envelope>';
  const item = '<item>quantity-100-price-42.5</item>';
  const n = Math.max(1, Math.round((size - head.length - tail.length) / item.length));
  return head + item.repeat(n) + tail;
}

/** A JSON order of about `size` bytes: `{"symbol":"IBM","pad":"xxxx"}` (the id travels in the URL). */
export function jsonOrder(size: number): string {
  const base = '{"symbol":"IBM","pad":""}';
  return `{"symbol":"IBM","pad":"${'p'.repeat(Math.max(1, size - base.length))}"}`;
}

export const secureOrder = (size: number): string => soapOrder(size, wsseHeader(SOAK_USER.name, SOAK_USER.password));

const cache = new Map<string, string>();
const once = (key: string, make: () => string): string => {
  let v = cache.get(key);
  if (v === undefined) cache.set(key, (v = make()));
  return v;
};

/** `n` attributes on the Envelope, with a valid UsernameToken: the header scanner must read the whole start tag. */
export function attributeFlood(n: number): string {
  return once(`attrs:${n}`, () => {
    const attrs: string[] = [];
    for (let i = 0; i < n; i++) attrs.push(` a${i}="v"`);
    return `<soapenv:Envelope xmlns:soapenv="${SOAPENV}"${attrs.join('')}>${wsseHeader(SOAK_USER.name, SOAK_USER.password)}<soapenv:Body><order><symbol>IBM</symbol></order></soapenv:Body></soapenv:Envelope>`;
  });
}

/** A body made of `n` empty elements (4 bytes each). */
export function tinyElements(n: number): string {
  return once(`tiny:${n}`, () => `<soapenv:Envelope xmlns:soapenv="${SOAPENV}"><soapenv:Body><order><symbol>IBM</symbol>${'<i/>'.repeat(n)}</order></soapenv:Body></soapenv:Envelope>`);
}

export function deepJson(depth: number): string {
  return once(`json:${depth}`, () => `{"symbol":"IBM","pad":${'['.repeat(depth)}${']'.repeat(depth)}}`);
}

export function deepXml(depth: number): string {
  return once(`xml:${depth}`, () => `<soapenv:Envelope xmlns:soapenv="${SOAPENV}"><soapenv:Body><order><symbol>IBM</symbol>${'<d>'.repeat(depth)}${'</d>'.repeat(depth)}</order></soapenv:Body></soapenv:Envelope>`);
}

/** Billion laughs, cut to 10^5 expansions: refused before any parser sees it, or it would hurt. */
export const ENTITY_EXPANSION =
  '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
  '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">' +
  '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;"><!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>' +
  `<soapenv:Envelope xmlns:soapenv="${SOAPENV}"><soapenv:Body><order><symbol>&lol5;</symbol></order></soapenv:Body></soapenv:Envelope>`;

/** An external entity reading a local file. */
export const EXTERNAL_ENTITY =
  '<?xml version="1.0"?><!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  `<soapenv:Envelope xmlns:soapenv="${SOAPENV}"><soapenv:Body><order><symbol>&xxe;</symbol></order></soapenv:Body></soapenv:Envelope>`;

/** The marker a log-forging attack tries to start a log line with; no runtime log line may begin with it. */
export const FORGED = 'SOAK-FORGED-LINE';
