/**
 * The soak's temporary home: deployment.toml (hot deployment on, users with strong passwords, short header
 * timeout so slowloris sockets are judged within a short run, access log on), a console-only log4j2 (the
 * runtime's stdout is the one log the soak scans), and five artifacts that together touch the request
 * path's main parts: a streaming pass-through proxy, a proxy whose in-sequence reads the body, a REST API
 * with a uri-template and a JSON payloadFactory, a WS-Security UsernameToken proxy and a Basic-auth API.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BACKEND_BASE_PATH } from './fault-backend.js';

const SYN = 'xmlns="http://ws.apache.org/ns/synapse"';

/** Normal traffic authenticates as this user; login floods aim at `victim` and at made-up names. */
export const SOAK_USER = { name: 'soakuser', password: 'Soak-Pass-2468x' };
export const VICTIM_USER = { name: 'victim', password: 'Victim-Pass-9753q' };

export interface HomeOptions {
  offset: number;
  backendPort: number;
  /** [server] headers_timeout in ms: slowloris sockets must be closed within it (plus Node's 30 s check interval). */
  headersTimeoutMs: number;
  /** The endpoint's <timeout><duration>: the backend's slow mode answers later than this. */
  endpointTimeoutMs: number;
}

export interface Artifact {
  name: string;
  /** Path of the file under the home (rewritten on redeploy). */
  file: string;
  /** The artifact with `{{REV}}` where a redeploy writes its revision number. */
  template: string;
}

const deploymentToml = (o: HomeOptions): string => `# written by bench/soak.ts
[server]
offset = ${o.offset}
hot_deployment = true
bind_address = "127.0.0.1"
headers_timeout = ${o.headersTimeoutMs}

[http_access_log]
enable = true

[[internal_apis.users]]
user.name = "${SOAK_USER.name}"
user.password = "${SOAK_USER.password}"
user.roles = ["admin"]

[[internal_apis.users]]
user.name = "${VICTIM_USER.name}"
user.password = "${VICTIM_USER.password}"
user.roles = ["reader"]
`;

/** Everything on the console, %mm masking on: the soak reads the runtime's stdout for stack traces and leaks. */
const LOG4J2 = `appenders = CONSOLE
appender.CONSOLE.type = Console
appender.CONSOLE.name = CONSOLE
appender.CONSOLE.layout.type = PatternLayout
appender.CONSOLE.layout.pattern = [%d] %5p {%c{1}} [%X{Correlation-ID}] - %mm%ex%n
rootLogger.level = INFO
rootLogger.appenderRef.CONSOLE.ref = CONSOLE
`;

/**
 * The backend endpoint: a short timeout (slow mode trips it), and suspensions of 1-4 s, so a fault's
 * after-effects end soon after the fault and stay attributable to it.
 */
const endpoint = (o: HomeOptions): string => `<endpoint ${SYN} name="SoakBackend">
    <!-- rev {{REV}} -->
    <address uri="http://127.0.0.1:${o.backendPort}${BACKEND_BASE_PATH}">
        <timeout>
            <duration>${o.endpointTimeoutMs}</duration>
            <responseAction>fault</responseAction>
        </timeout>
        <suspendOnFailure>
            <initialDuration>1000</initialDuration>
            <progressionFactor>2.0</progressionFactor>
            <maximumDuration>4000</maximumDuration>
        </suspendOnFailure>
    </address>
</endpoint>
`;

const PASS_THROUGH = `<proxy ${SYN} name="SoakPassThrough" transports="http https" startOnLoad="true">
    <!-- rev {{REV}} -->
    <target>
        <endpoint key="SoakBackend"/>
        <outSequence><send/></outSequence>
    </target>
</proxy>
`;

/** Reads the body (XPath through the streaming matcher and through the DOM), logs, filters. */
const MEDIATED = `<proxy ${SYN} name="SoakMediated" transports="http https" startOnLoad="true">
    <target>
        <inSequence>
            <property name="client" expression="$trp:X-Soak-Client"/>
            <property name="symbol" expression="//order/symbol"/>
            <property name="items" expression="count(//order/item)"/>
            <log level="custom">
                <property name="rev" value="{{REV}}"/>
                <property name="client" expression="get-property('client')"/>
                <property name="symbol" expression="get-property('symbol')"/>
                <property name="items" expression="get-property('items')"/>
            </log>
            <filter xpath="string-length(//order/symbol) &gt; 0">
                <then>
                    <send><endpoint key="SoakBackend"/></send>
                </then>
                <else>
                    <makefault version="soap11">
                        <code value="soap11Env:Client" xmlns:soap11Env="http://schemas.xmlsoap.org/soap/envelope/"/>
                        <reason value="no symbol in the order"/>
                    </makefault>
                    <property name="HTTP_SC" value="400" scope="axis2"/>
                    <respond/>
                </else>
            </filter>
        </inSequence>
        <outSequence><send/></outSequence>
    </target>
</proxy>
`;

const API = `<api ${SYN} name="SoakAPI" context="/soak">
    <!-- rev {{REV}} -->
    <resource methods="POST" uri-template="/orders/{id}?tag={tag}">
        <inSequence>
            <log level="custom">
                <property name="order" expression="$ctx:uri.var.id"/>
                <property name="tag" expression="$ctx:query.param.tag"/>
            </log>
            <payloadFactory media-type="json">
                <format>{"order": {"id": "$1", "tag": "$2", "symbol": "$3", "pad": "$4"}}</format>
                <args>
                    <arg expression="$ctx:uri.var.id"/>
                    <arg expression="$ctx:query.param.tag"/>
                    <arg evaluator="json" expression="$.symbol"/>
                    <arg evaluator="json" expression="$.pad"/>
                </args>
            </payloadFactory>
            <call><endpoint key="SoakBackend"/></call>
            <respond/>
        </inSequence>
    </resource>
</api>
`;

/** UsernameToken (PasswordText or digest) over plain HTTP: a supporting token, no transport binding. */
const SECURE = `<definitions ${SYN}>
    <localEntry key="SoakUTPolicy">
        <wsp:Policy xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">
            <sp:SupportingTokens xmlns:sp="http://schemas.xmlsoap.org/ws/2005/07/securitypolicy">
                <wsp:Policy>
                    <sp:UsernameToken sp:IncludeToken="http://schemas.xmlsoap.org/ws/2005/07/securitypolicy/IncludeToken/AlwaysToRecipient"/>
                </wsp:Policy>
            </sp:SupportingTokens>
        </wsp:Policy>
    </localEntry>
    <proxy name="SoakSecure" transports="http https" startOnLoad="true">
        <!-- rev {{REV}} -->
        <target>
            <endpoint key="SoakBackend"/>
            <outSequence><send/></outSequence>
        </target>
        <policy key="SoakUTPolicy"/>
        <enableSec/>
    </proxy>
</definitions>
`;

/** Basic auth, no backend: its answers never depend on the backend's faults. */
const BASIC_API = `<api ${SYN} name="SoakBasicAPI" context="/soakauth">
    <resource methods="POST" uri-template="/items/{id}">
        <inSequence>
            <payloadFactory media-type="json">
                <format>{"item": "$1", "symbol": "$2", "rev": "{{REV}}"}</format>
                <args>
                    <arg expression="$ctx:uri.var.id"/>
                    <arg evaluator="json" expression="$.symbol"/>
                </args>
            </payloadFactory>
            <respond/>
        </inSequence>
    </resource>
    <handlers>
        <handler class="org.wso2.micro.integrator.security.handler.RESTBasicAuthHandler"/>
    </handlers>
</api>
`;

export function soakArtifacts(home: string, o: HomeOptions): Artifact[] {
  const cfg = path.join(home, 'synapse-configs', 'default');
  // in redeploy order: the Basic-auth API first, as its answers tell which revision served them
  return [
    { name: 'SoakBasicAPI', file: path.join(cfg, 'api', 'SoakBasicAPI.xml'), template: BASIC_API },
    { name: 'SoakBackend', file: path.join(cfg, 'endpoints', 'SoakBackend.xml'), template: endpoint(o) },
    { name: 'SoakPassThrough', file: path.join(cfg, 'proxy-services', 'SoakPassThrough.xml'), template: PASS_THROUGH },
    { name: 'SoakMediated', file: path.join(cfg, 'proxy-services', 'SoakMediated.xml'), template: MEDIATED },
    { name: 'SoakAPI', file: path.join(cfg, 'api', 'SoakAPI.xml'), template: API },
    { name: 'SoakSecure', file: path.join(cfg, 'proxy-services', 'SoakSecure.xml'), template: SECURE },
  ];
}

export function writeArtifact(a: Artifact, rev: number): void {
  writeFileSync(a.file, a.template.replaceAll('{{REV}}', String(rev)));
}

/** Writes deployment.toml, log4j2.properties and the artifacts at revision 0. */
export function prepareSoakHome(home: string, o: HomeOptions): Artifact[] {
  mkdirSync(path.join(home, 'deployment'), { recursive: true });
  writeFileSync(path.join(home, 'deployment', 'deployment.toml'), deploymentToml(o));
  writeFileSync(path.join(home, 'deployment', 'log4j2.properties'), LOG4J2);
  const artifacts = soakArtifacts(home, o);
  for (const a of artifacts) {
    mkdirSync(path.dirname(a.file), { recursive: true });
    writeArtifact(a, 0);
  }
  return artifacts;
}
