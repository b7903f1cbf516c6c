/** What the introspection tests share: tokens, faults, the API they call. */
import { randomBytes } from 'node:crypto';
import { SYN, type Backend } from '../../helpers/server.js';

export const INVALID = '{"fault":{"code":900901,"message":"Invalid Credentials","description":"Invalid Credentials. Make sure you have provided the correct security credentials"}}';
export const UNAVAILABLE = '{"fault":{"code":900900,"message":"Unclassified Authentication Failure","description":"Error while accessing backend services for API key validation"}}';
export const CLIENT_SECRET = 's3cret:with%chars & more';

export const now = () => Math.floor(Date.now() / 1000);
export const opaque = () => `op-${randomBytes(18).toString('base64url')}`;
export const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** A JWT-shaped token nobody signed: routed by its iss, never trusted for it. */
export const jwtShaped = (iss: string) => `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ iss, sub: 'mallory', exp: now() + 600 })}.${randomBytes(16).toString('base64url')}`;

export const API = (backend: Backend) => `<api ${SYN} name="Coffee" context="/coffee">
  <security><oauth2/></security>
  <resource methods="GET" uri-template="/menu"><security><oauth2 scopes="read:menu admin"/></security>
    <inSequence>
      <header name="X-User" scope="transport" expression="get-property('api.ut.userId')"/>
      <header name="X-Scopes" scope="transport" expression="get-property('Scopes')"/>
      <send><endpoint><address uri="${backend.url}/kitchen"/></endpoint></send>
    </inSequence>
  </resource>
</api>`;
