/**
 * The wsse:Security header block this receiver must process, read into a UsernameToken and a Timestamp
 * per the OASIS UsernameToken Profile 1.1 and SOAP Message Security 1.1. Structure only: no clock, no
 * user store. Everything unexpected is a failure with the fault WS-Security names for it; nothing is
 * skipped silently, since a header we do not understand is a header we cannot vouch for.
 */
import { Errors } from '../../errors.js';
import { SOAP11_NS, SOAP12_NS } from '../../xml/dom.js';
import { parseDateTime } from './date-time.js';
import type { ScannedElement } from './envelope-scanner.js';
import { wssFailure, type WssFailure } from './faults.js';
import {
  BASE64_BINARY,
  PASSWORD_DIGEST,
  PASSWORD_TEXT,
  SOAP11_ACTOR_NEXT,
  SOAP12_ROLE_NEXT,
  SOAP12_ROLE_ULTIMATE,
  WSSE11_NS,
  WSSE_NS,
  WSU_NS,
} from './namespaces.js';

export interface UsernameTokenData {
  readonly username: string;
  readonly password: string;
  readonly passwordType: 'text' | 'digest';
  /** The Nonce as sent (Base64) and decoded. */
  readonly nonceText: string | undefined;
  readonly nonce: Buffer | undefined;
  /** wsu:Created as sent (the digest hashes this exact text) and as a time. */
  readonly createdText: string | undefined;
  readonly createdMs: number | undefined;
}

export interface TimestampData {
  readonly createdMs: number;
  readonly expiresMs: number | undefined;
}

export interface SecurityHeaderData {
  readonly element: ScannedElement;
  readonly token: UsernameTokenData | undefined;
  readonly timestamp: TimestampData | undefined;
  /** Position of the Timestamp among the header's children (-1 when absent), and how many there are. */
  readonly timestampIndex: number;
  readonly childCount: number;
}

/** Older drafts of the WS-Security namespace: clearly meant as security, clearly not what we verify. */
const DRAFT_NAMESPACES = /^http:\/\/schemas\.xmlsoap\.org\/ws\/200[23]\/\d\d\/secext$/;

const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;
/** A Base64 nonce of 96 bytes; the profile recommends 16. Longer ones are refused before any decoding. */
const MAX_NONCE_TEXT = 128;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function attr(el: ScannedElement, ns: string, local: string): string | undefined {
  for (const a of el.attrs) if (a.local === local && a.ns === ns) return a.value;
  return undefined;
}

function invalid(log: string, detail?: string): WssFailure {
  return wssFailure('InvalidSecurity', Errors.WSS_INVALID_SECURITY, log, detail ?? log);
}

function invalidToken(log: string, detail?: string): WssFailure {
  return wssFailure('InvalidSecurityToken', Errors.WSS_INVALID_SECURITY, log, detail ?? log);
}

/**
 * The one header block for this receiver (no actor/role, or next / ultimateReceiver), undefined when there
 * is none. Blocks for other actors stay in the message untouched.
 */
export function selectSecurityHeader(blocks: readonly ScannedElement[], version: '1.1' | '1.2'): ScannedElement | undefined | WssFailure {
  const env = version === '1.2' ? SOAP12_NS : SOAP11_NS;
  let mine: ScannedElement | undefined;
  for (const b of blocks) {
    if (b.ns !== WSSE_NS) {
      if (DRAFT_NAMESPACES.test(b.ns) || b.ns.includes('wss')) {
        return invalid(`a Security header in namespace '${b.ns}'`, `the Security header must be in the namespace ${WSSE_NS}`);
      }
      continue; // an application header that happens to be called Security
    }
    const target = version === '1.2' ? attr(b, env, 'role') : attr(b, env, 'actor');
    const t = target?.trim();
    if (t && t !== (version === '1.2' ? SOAP12_ROLE_NEXT : SOAP11_ACTOR_NEXT) && t !== SOAP12_ROLE_ULTIMATE) continue;
    const mu = attr(b, env, 'mustUnderstand');
    if (mu !== undefined && !['0', '1', 'true', 'false'].includes(mu.trim())) {
      return invalid(`mustUnderstand="${mu}" on the Security header`, `mustUnderstand must be ${version === '1.2' ? 'true, false, 1 or 0' : '1 or 0'}`);
    }
    if (mine) return invalid('two wsse:Security headers for this receiver', 'there is more than one wsse:Security header for this receiver');
    mine = b;
  }
  return mine;
}

/** Reads the Security header block. */
export function readSecurityHeader(sec: ScannedElement): SecurityHeaderData | WssFailure {
  let token: UsernameTokenData | undefined;
  let timestamp: TimestampData | undefined;
  let timestampIndex = -1;
  const kids = sec.children;
  for (let k = 0; k < kids.length; k++) {
    const c = kids[k]!;
    if (c.ns === WSU_NS && c.local === 'Timestamp') {
      if (timestamp) return invalid('two wsu:Timestamp elements', 'there is more than one wsu:Timestamp');
      const t = readTimestamp(c);
      if ('fault' in t) return t;
      timestamp = t;
      timestampIndex = k;
    } else if (c.ns === WSSE_NS && c.local === 'UsernameToken') {
      if (token) return invalid('two wsse:UsernameToken elements', 'there is more than one wsse:UsernameToken');
      const t = readUsernameToken(c);
      if ('fault' in t) return t;
      token = t;
    } else if (c.local === 'UsernameToken' || c.local === 'Timestamp') {
      return invalid(`<${c.qname}> in namespace '${c.ns}'`, `<${c.local}> must be in the namespace ${c.local === 'Timestamp' ? WSU_NS : WSSE_NS}`);
    } else {
      return invalid(`unsupported <${c.qname}> in the Security header`, `<${c.qname}> is not supported here (only UsernameToken and Timestamp; no signatures or encryption)`);
    }
  }
  return { element: sec, token, timestamp, timestampIndex, childCount: kids.length };
}

function readTimestamp(el: ScannedElement): TimestampData | WssFailure {
  let created: number | undefined;
  let expires: number | undefined;
  let sawCreated = false;
  let sawExpires = false;
  for (const c of el.children) {
    if (c.ns === WSU_NS && c.local === 'Created' && !sawCreated) {
      sawCreated = true;
      created = parseDateTime(c.text);
      if (created === undefined) return invalid('wsu:Timestamp Created is not an xsd:dateTime with a zone', 'the wsu:Timestamp Created is not a valid dateTime (with Z or an offset)');
    } else if (c.ns === WSU_NS && c.local === 'Expires' && !sawExpires) {
      sawExpires = true;
      expires = parseDateTime(c.text);
      if (expires === undefined) return invalid('wsu:Timestamp Expires is not an xsd:dateTime with a zone', 'the wsu:Timestamp Expires is not a valid dateTime (with Z or an offset)');
    } else {
      return invalid(`unexpected <${c.qname}> in wsu:Timestamp`, `<${c.qname}> is not allowed in wsu:Timestamp (one Created, at most one Expires)`);
    }
  }
  if (created === undefined) return invalid('wsu:Timestamp without Created', 'the wsu:Timestamp has no Created');
  if (expires !== undefined && expires < created) return invalid('wsu:Timestamp expires before it was created', 'the wsu:Timestamp Expires is before its Created');
  return { createdMs: created, expiresMs: expires };
}

function passwordTypeOf(type: string | undefined): 'text' | 'digest' | undefined {
  if (type === undefined) return 'text'; // the profile's default
  const t = type.trim();
  // Rampart also accepts the QName forms wsse:PasswordText / wsse:PasswordDigest
  if (t === PASSWORD_TEXT || /^[A-Za-z_][\w.-]*:PasswordText$/.test(t)) return 'text';
  if (t === PASSWORD_DIGEST || /^[A-Za-z_][\w.-]*:PasswordDigest$/.test(t)) return 'digest';
  return undefined;
}

function readUsernameToken(el: ScannedElement): UsernameTokenData | WssFailure {
  let username: string | undefined;
  let password: { text: string; type: 'text' | 'digest' } | undefined;
  let nonceText: string | undefined;
  let nonce: Buffer | undefined;
  let createdText: string | undefined;
  let createdMs: number | undefined;
  for (const c of el.children) {
    if (c.children.length) return invalidToken(`<${c.qname}> in the UsernameToken has child elements`, `<${c.qname}> must hold text only`);
    if (c.ns === WSSE_NS && c.local === 'Username') {
      if (username !== undefined) return invalidToken('two wsse:Username elements', 'the UsernameToken has more than one Username');
      username = c.text.trim();
    } else if (c.ns === WSSE_NS && c.local === 'Password') {
      if (password) return invalidToken('two wsse:Password elements', 'the UsernameToken has more than one Password');
      const type = passwordTypeOf(attr(c, '', 'Type'));
      if (!type) return invalidToken('an unsupported password type', 'the Password Type must be PasswordText or PasswordDigest');
      if (c.text.length > MAX_PASSWORD) return invalidToken('an oversized password', 'the Password is too long');
      password = { text: type === 'digest' ? c.text.trim() : c.text, type };
    } else if (c.ns === WSSE_NS && c.local === 'Nonce') {
      if (nonceText !== undefined) return invalidToken('two wsse:Nonce elements', 'the UsernameToken has more than one Nonce');
      const enc = attr(c, '', 'EncodingType')?.trim();
      if (enc !== undefined && enc !== BASE64_BINARY && !/^[A-Za-z_][\w.-]*:Base64Binary$/.test(enc)) {
        return invalidToken('a Nonce EncodingType other than Base64Binary', 'the Nonce EncodingType must be Base64Binary');
      }
      const t = c.text.trim();
      if (t.length > MAX_NONCE_TEXT) return invalidToken(`an oversized nonce (${t.length} characters)`, `the Nonce is longer than ${MAX_NONCE_TEXT} Base64 characters`);
      if (!t || !BASE64.test(t)) return invalidToken('a nonce that is not Base64', 'the Nonce is not Base64');
      nonceText = t;
      nonce = Buffer.from(t, 'base64');
    } else if (c.ns === WSU_NS && c.local === 'Created') {
      if (createdText !== undefined) return invalidToken('two wsu:Created elements', 'the UsernameToken has more than one Created');
      createdText = c.text.trim();
      createdMs = parseDateTime(createdText);
      if (createdMs === undefined) return invalidToken('a token Created that is not an xsd:dateTime with a zone', 'the UsernameToken Created is not a valid dateTime (with Z or an offset)');
    } else if (c.ns === WSSE11_NS && (c.local === 'Salt' || c.local === 'Iteration')) {
      return invalidToken('a UsernameToken for key derivation', 'UsernameTokens with Salt and Iteration (derived keys) are not supported');
    } else {
      return invalidToken(`unexpected <${c.qname}> in the UsernameToken`, `<${c.qname}> is not allowed in a UsernameToken`);
    }
  }
  if (!username) return invalidToken('a UsernameToken without a Username', 'the UsernameToken has no Username');
  if (username.length > MAX_USERNAME) return invalidToken('an oversized user name', 'the Username is too long');
  if (!password) return invalidToken(`a UsernameToken without a Password for '${username}'`, 'the UsernameToken has no Password');
  if (password.type === 'digest') {
    if (!nonce || createdText === undefined) return invalidToken('a PasswordDigest without Nonce and Created', 'a PasswordDigest needs a Nonce and a Created');
    if (!BASE64.test(password.text)) return invalidToken('a password digest that is not Base64', 'the PasswordDigest is not Base64');
  }
  // without Created, how old a nonce is cannot be told, so a replay after the nonce is forgotten would pass
  if (nonce && createdText === undefined) return invalidToken('a Nonce without Created', 'a Nonce needs a Created');
  return { username, password: password.text, passwordType: password.type, nonceText, nonce, createdText, createdMs };
}
