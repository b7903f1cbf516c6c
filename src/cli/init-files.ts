/**
 * The files `mi init` writes into a new home: a commented deployment.toml, the folder layout, one sample API
 * (with a typed TypeScript handler) and one sample proxy, a .gitignore for keys and data, and a package.json
 * that pins this runtime so `npm install && npm start` work there. log4j2.properties is the one this package
 * ships (logging/default-log4j2.ts), so the two never drift apart.
 */
import { EXTENSION_COMPILER_OPTIONS } from './typecheck-extensions.js';

export const HOME_FOLDERS = [
  'deployment',
  'extensions',
  'synapse-configs/default/api',
  'synapse-configs/default/proxy-services',
  'synapse-configs/default/sequences',
  'synapse-configs/default/endpoints',
  'synapse-configs/default/local-entries',
] as const;

const DEPLOYMENT_TOML = `# The configuration of this home. Every key is optional: the values below are the defaults, spelled out.
# Unknown keys are errors (so a misspelled key is not silently ignored). \`mi validate\` checks this file.

[server]
hostname = "localhost"
# Ports are Micro Integrator's base ports plus this offset: HTTP 8280 + 10 = 8290, HTTPS 8253,
# management API 9164. \`mi start --offset N\` overrides it.
offset = 10
# Redeploy artifacts (and the extensions they use) when files under synapse-configs/ or extensions/ change.
hot_deployment = true
# Largest request body accepted, in bytes (413 beyond it), and deepest XML nesting (400 beyond it).
max_body_size = 10485760
max_xml_depth = 100
# Milliseconds: whole request, request headers, idle keep-alive connection, drain on shutdown.
request_timeout = 60000
headers_timeout = 30000
keep_alive_timeout = 60000
shutdown_grace_period = 10000

[mediation]
# Request header that carries the correlation id (a UUID is made when it is absent).
correlation_header_name = "activityid"

# Users who may log in to the management API. Without any, add one to the embedded database:
#   npx mi user add alice --role admin
#
# [[internal_apis.users]]
# user.name = "ops"
# user.password = "$env{OPS_PASSWORD}"
# user.is_admin = true

# The key store for HTTPS and [secrets]. Without it the first start makes a development one in
# deployment/security/ (git-ignored). \`npx mi keystore create\` makes a real one and fills this in.
#
# [keystore.primary]
# file_name = "primary.p12"
# type = "PKCS12"
# password_file = "primary.p12.password"

# Users and roles in PostgreSQL or MySQL instead of the embedded data/mi.db:
#
# [user_store]
# type = "database"
# data_source = "UserDB"
#
# [[datasource]]
# id = "UserDB"
# url = "jdbc:postgresql://db.example.com:5432/integration?sslmode=verify-full"
# username = "mi"
# password = "$env{USER_DB_PASSWORD}"

# One access-log line per request, in logs/http_access.log.
#
# [http_access_log]
# enable = true

# Handlers that see every message of every proxy and API (TypeScript modules under extensions/).
#
# [[synapse_handlers]]
# name = "Audit"
# class = "extensions/audit.ts#Audit"

[extensions]
# Milliseconds a handler or class mediator Promise may stay pending before it counts as failed (500).
timeout = 30000
`;

const HELLO_API = `<?xml version="1.0" encoding="UTF-8"?>
<!-- GET http://localhost:8290/hello/World?lang=fr  ->  {"greeting":"Bonjour World"}, Content-Language: fr
     The handler (extensions/language-handler.ts) picks the language from ?lang= and refuses one it does
     not know with 400 before the resource runs. -->
<api xmlns="http://ws.apache.org/ns/synapse" name="HelloAPI" context="/hello">
    <resource methods="GET" uri-template="/{name}">
        <inSequence>
            <switch source="$ctx:lang">
                <case regex="fr"><property name="word" value="Bonjour"/></case>
                <case regex="de"><property name="word" value="Hallo"/></case>
                <default><property name="word" value="Hello"/></default>
            </switch>
            <payloadFactory media-type="json">
                <format>{"greeting": "$1 $2"}</format>
                <args>
                    <arg expression="$ctx:word"/>
                    <arg expression="$ctx:uri.var.name"/>
                </args>
            </payloadFactory>
            <respond/>
        </inSequence>
    </resource>
    <handlers>
        <handler class="extensions/language-handler.ts#LanguageHandler">
            <property name="languages" value="en,fr,de"/>
        </handler>
    </handlers>
</api>
`;

const LANGUAGE_HANDLER = `/**
 * Picks the language of the greeting from ?lang= (the first of \`languages\` when absent), refuses one it
 * does not know with 400, and says on the response which one it answered in. Used by
 * synapse-configs/default/api/HelloAPI.xml. \`npx mi validate\` (or \`npx tsc\`) type-checks this file.
 */
import type { Handler, MessageContext } from 'mediation-runtime';

export class LanguageHandler implements Handler {
  /** Set from <property name="languages" value="en,fr,de"/>. */
  languages = 'en';

  handleRequest(mc: MessageContext): boolean {
    const known = this.languages.split(',').map((l) => l.trim());
    const lang = mc.inbound.query.get('lang') ?? known[0] ?? 'en';
    if (!known.includes(lang)) return mc.respond(400, { error: \`unknown language '\${lang}'\`, known });
    // a default-scope property: the API reads it as $ctx:lang
    mc.setProperty('lang', lang);
    return true;
  }

  handleResponse(mc: MessageContext): boolean {
    mc.setProperty('Content-Language', String(mc.getProperty('lang') ?? ''), 'transport');
    return true;
  }
}
`;

const ECHO_PROXY = `<?xml version="1.0" encoding="UTF-8"?>
<!-- POST a SOAP or XML message to http://localhost:8290/services/EchoProxy: the same message comes back.
     The property reads the first element of the body, so the body is parsed: a message that is not
     well-formed, or that holds a DOCTYPE, is refused with 400. (A proxy whose target is only an endpoint is
     a pass-through: it streams the bytes and never parses them. A log mediator's expression does not
     refuse either: it logs the error and goes on.) -->
<proxy xmlns="http://ws.apache.org/ns/synapse" name="EchoProxy" transports="http https" startOnLoad="true">
    <target>
        <inSequence>
            <property name="operation" expression="local-name($body/*[1])"/>
            <log level="custom">
                <property name="echoing" expression="$ctx:operation"/>
            </log>
            <respond/>
        </inSequence>
    </target>
</proxy>
`;

const GITIGNORE = `# dependencies
node_modules/
# the key store made by the first start or \`mi keystore create\`: private keys and their passwords
deployment/security/
# the embedded database (users, password hashes, transaction counts) and the logs
data/
logs/
*.log
`;

function packageJson(name: string, runtime: { name: string; spec: string }): string {
  return (
    JSON.stringify(
      {
        name,
        version: '0.1.0',
        private: true,
        description: `An integration home for ${runtime.name}: Synapse artifacts under synapse-configs/, TypeScript extensions under extensions/`,
        scripts: { start: 'mi start', validate: 'mi validate', typecheck: 'tsc -p .' },
        dependencies: { [runtime.name]: runtime.spec },
        devDependencies: { typescript: '^5.9.3', '@types/node': '^20.19.43' },
        engines: { node: '>=20' },
      },
      null,
      2,
    ) + '\n'
  );
}

function tsconfig(): string {
  return JSON.stringify({ compilerOptions: { ...EXTENSION_COMPILER_OPTIONS, types: ['node'] }, include: ['extensions/**/*.ts', 'extensions/**/*.mts'] }, null, 2) + '\n';
}

/** Relative path -> content of every file of a new home. */
export function homeFiles(name: string, runtime: { name: string; spec: string }, log4j2: string): Record<string, string> {
  return {
    'deployment/deployment.toml': DEPLOYMENT_TOML,
    'deployment/log4j2.properties': log4j2,
    'synapse-configs/default/api/HelloAPI.xml': HELLO_API,
    'synapse-configs/default/proxy-services/EchoProxy.xml': ECHO_PROXY,
    'extensions/language-handler.ts': LANGUAGE_HANDLER,
    '.gitignore': GITIGNORE,
    'package.json': packageJson(name, runtime),
    'tsconfig.json': tsconfig(),
  };
}
