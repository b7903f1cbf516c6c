/**
 * Artifacts, users and TLS material for the WS-Security tests: Micro Integrator's own UTOverTransport
 * policy (from its integration tests), variants without a timestamp or without a transport binding, an
 * echo proxy answering who was authenticated, and an HTTPS home made with openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, type Server } from '../../../src/main.js';
import { memoryLoggerFactory } from '../../../src/logging/logger.js';
import { SYN } from '../../helpers/server.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

export const WSSE = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
export const WSU = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
export const PASSWORD_TEXT = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText';
export const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

export const USERS = {
  alice: { password: 'alice-Pass-1234', roles: ['admin'] },
  bob: { password: 'bob-Pass-5678', roles: ['reader'] },
};

/** Micro Integrator's UTResponseCode401UTauthFailureLE, as shipped in its integration tests. */
export const MI_UT_POLICY_ENTRY = readFileSync(path.join(ROOT, 'test/conformance/artifacts/local-entries/UTResponseCode401UTauthFailureLE.xml'), 'utf8');
export const MI_UT_POLICY_FILE = readFileSync(path.join(ROOT, 'test/conformance/artifacts/policies/scenario1-policy.xml'), 'utf8');

const SP = 'xmlns:sp="http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"';
const WSP = 'xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"';

/** UsernameToken over HTTPS without IncludeTimestamp and without a role restriction. */
export const UT_HTTPS_NO_TIMESTAMP = `<localEntry ${SYN} key="UTNoTimestamp"><wsp:Policy ${WSP} xmlns:wsu="${WSU}" wsu:Id="UTNoTs"><wsp:ExactlyOne><wsp:All>
  <sp:TransportBinding ${SP}><wsp:Policy><sp:TransportToken><wsp:Policy><sp:HttpsToken RequireClientCertificate="false"/></wsp:Policy></sp:TransportToken>
    <sp:AlgorithmSuite><wsp:Policy><sp:Basic256/></wsp:Policy></sp:AlgorithmSuite><sp:Layout><wsp:Policy><sp:Lax/></wsp:Policy></sp:Layout></wsp:Policy></sp:TransportBinding>
  <sp:SignedSupportingTokens ${SP}><wsp:Policy><sp:UsernameToken sp:IncludeToken="http://schemas.xmlsoap.org/ws/2005/07/securitypolicy/IncludeToken/AlwaysToRecipient"/></wsp:Policy></sp:SignedSupportingTokens>
</wsp:All></wsp:ExactlyOne>
<rampart:RampartConfig xmlns:rampart="http://ws.apache.org/rampart/policy"><rampart:timestampTTL>300</rampart:timestampTTL><rampart:timestampMaxSkew>60</rampart:timestampMaxSkew><rampart:nonceLifeTime>300</rampart:nonceLifeTime></rampart:RampartConfig>
</wsp:Policy></localEntry>`;

/** A UsernameToken with no transport binding (plain HTTP allowed), for raw header tests. */
export const UT_PLAIN = `<localEntry ${SYN} key="UTPlain"><wsp:Policy ${WSP}>
  <sp:SupportingTokens ${SP}><wsp:Policy><sp:UsernameToken/></wsp:Policy></sp:SupportingTokens>
  <rampart:RampartConfig xmlns:rampart="http://ws.apache.org/rampart/policy"><rampart:timestampMaxSkew>60</rampart:timestampMaxSkew><rampart:nonceLifeTime>300</rampart:nonceLifeTime></rampart:RampartConfig>
</wsp:Policy></localEntry>`;

export const ECHO_WSDL = `<localEntry ${SYN} key="echo_wsdl"><wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:test:echo" targetNamespace="urn:test:echo" name="Echo">
  <wsdl:types><xsd:schema targetNamespace="urn:test:echo" elementFormDefault="qualified">
    <xsd:element name="echo"><xsd:complexType><xsd:sequence><xsd:element name="text" type="xsd:string"/></xsd:sequence></xsd:complexType></xsd:element>
    <xsd:element name="echoResponse"><xsd:complexType><xsd:sequence>
      <xsd:element name="user" type="xsd:string"/><xsd:element name="roles" type="xsd:string"/><xsd:element name="text" type="xsd:string"/>
      <xsd:element name="securityHeaders" type="xsd:string"/><xsd:element name="axis2User" type="xsd:string"/>
    </xsd:sequence></xsd:complexType></xsd:element>
  </xsd:schema></wsdl:types>
  <wsdl:message name="echoRequest"><wsdl:part name="parameters" element="tns:echo"/></wsdl:message>
  <wsdl:message name="echoResponse"><wsdl:part name="parameters" element="tns:echoResponse"/></wsdl:message>
  <wsdl:portType name="EchoPortType"><wsdl:operation name="echo"><wsdl:input message="tns:echoRequest"/><wsdl:output message="tns:echoResponse"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="EchoSoap11Binding" type="tns:EchoPortType"><soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <wsdl:operation name="echo"><soap:operation soapAction="urn:echo" style="document"/><wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation></wsdl:binding>
  <wsdl:binding name="EchoSoap12Binding" type="tns:EchoPortType"><soap12:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
    <wsdl:operation name="echo"><soap12:operation soapAction="urn:echo" style="document"/><wsdl:input><soap12:body use="literal"/></wsdl:input><wsdl:output><soap12:body use="literal"/></wsdl:output></wsdl:operation></wsdl:binding>
  <wsdl:service name="Echo">
    <wsdl:port name="EchoHttpsSoap11Endpoint" binding="tns:EchoSoap11Binding"><soap:address location="https://localhost:8253/services/EchoUT"/></wsdl:port>
    <wsdl:port name="EchoHttpsSoap12Endpoint" binding="tns:EchoSoap12Binding"><soap12:address location="https://localhost:8253/services/EchoUT"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions></localEntry>`;

/** A proxy that answers who was authenticated, what it echoed, and how many Security headers mediation saw. */
export function echoProxy(name: string, policyKey: string, extra = ''): string {
  return `<proxy ${SYN} name="${name}" transports="https http">
  <target><inSequence>
    <property name="secHeaders" expression="count($header/*[local-name()='Security'])"/>
    <payloadFactory media-type="xml"><format><e:echoResponse xmlns:e="urn:test:echo"><e:user>$1</e:user><e:roles>$2</e:roles><e:text>$3</e:text><e:securityHeaders>$4</e:securityHeaders><e:axis2User>$5</e:axis2User></e:echoResponse></format>
      <args><arg expression="get-property('USERNAME')"/><arg expression="get-property('USER_ROLES')"/><arg expression="//*[local-name()='text']"/>
        <arg expression="get-property('secHeaders')"/><arg expression="get-property('axis2', 'username')"/></args></payloadFactory>
    <respond/>
  </inSequence></target>
  <publishWSDL key="echo_wsdl"/>
  <policy key="${policyKey}"/>
  ${extra}
  <enableSec/>
</proxy>`;
}

export function usersToml(): string {
  return Object.entries(USERS)
    .map(([name, u]) => `[[internal_apis.users]]\nuser.name = "${name}"\nuser.password = "${u.password}"\nuser.roles = [${u.roles.map((r) => `"${r}"`).join(', ')}]\n`)
    .join('\n');
}

export interface Tls {
  dir: string;
  ca: string;
}

/** A CA and a server certificate for localhost / 127.0.0.1, made with openssl. */
export function makeTls(): Tls {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mi-wss-tls-'));
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/O=Test/CN=wss-ca');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/O=Test/CN=localhost');
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
  return { dir, ca: path.join(dir, 'ca.pem') };
}

export interface SecuredServer {
  server: Server;
  home: string;
  logs: { name: string; level: string; message: string }[];
  http: string;
  https: string;
}

/** The runtime on a temporary home with HTTPS (the test key store), the test users and `files`. */
export async function startSecured(tls: Tls, files: Record<string, string>, extraToml = ''): Promise<SecuredServer> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'mi-wss-home-'));
  const dir = path.join(home, 'synapse-configs', 'default');
  mkdirSync(path.join(home, 'deployment'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = rel.startsWith('/') ? path.join(home, rel) : path.join(dir, rel);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
  writeFileSync(
    path.join(home, 'deployment', 'deployment.toml'),
    `[server]\nhot_deployment = false\n${extraToml}\n[keystore.primary]\nfile_name = "${tls.dir}/server.pem"\ntype = "PEM"\nkey_file = "${tls.dir}/server.key"\n\n${usersToml()}`,
  );
  const logs = memoryLoggerFactory();
  const server = await startServer({ home, logs, httpPort: 0, host: '127.0.0.1' });
  if (!server.httpsPort) throw new Error(`HTTPS did not start: ${logs.lines.map((l) => l.message).join('\n')}`);
  return { server, home, logs: logs.lines, http: `http://127.0.0.1:${server.httpPort}`, https: `https://localhost:${server.httpsPort}` };
}

/** A SOAP 1.1 echo request with a PasswordText UsernameToken, with a Nonce and Created when given. */
export function usernameTokenEnvelope(user: string, password: string, nonce?: string, created = new Date().toISOString()): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const nonceXml = nonce === undefined ? '' : `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">${nonce}</wsse:Nonce><wsu:Created>${created}</wsu:Created>`;
  return (
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header>` +
    `<wsse:Security xmlns:wsse="${WSSE}" xmlns:wsu="${WSU}"><wsse:UsernameToken><wsse:Username>${esc(user)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_TEXT}">${esc(password)}</wsse:Password>${nonceXml}</wsse:UsernameToken></wsse:Security>` +
    `</soapenv:Header><soapenv:Body><e:echo xmlns:e="urn:test:echo"><e:text>hello</e:text></e:echo></soapenv:Body></soapenv:Envelope>`
  );
}
