/**
 * One catalogue of error codes. Every error the runtime reports carries a code from here, a message that
 * says what to fix, and an HTTP status where it reaches a client. test/errors.test.ts checks that codes are
 * unique and that each is documented in docs/error-codes.md.
 */
export interface ErrorSpec {
  readonly code: string;
  readonly status?: number;
  readonly hint: string;
}

function spec(code: string, hint: string, status?: number): ErrorSpec {
  return { code, hint, status };
}

export const Errors = {
  // configuration (deployment.toml)
  CONFIG_PARSE: spec('MI_CFG_001', 'deployment.toml is not valid TOML; fix the syntax at the given line'),
  CONFIG_VALUE: spec('MI_CFG_002', 'a deployment.toml value has the wrong type or range'),
  CONFIG_UNKNOWN_KEY: spec('MI_CFG_003', 'an unknown key in deployment.toml; check its spelling'),
  CONFIG_PLACEHOLDER: spec('MI_CFG_004', 'a $env{}, $sys{} or $secret{} placeholder in deployment.toml cannot be resolved'),
  // artifacts
  XML_MALFORMED: spec('MI_ART_001', 'the artifact is not well-formed XML'),
  XML_DOCTYPE: spec('MI_ART_002', 'DOCTYPE declarations are not allowed in artifacts or messages'),
  UNKNOWN_ROOT: spec('MI_ART_003', 'the root element is not a Synapse artifact (proxy, api, sequence, endpoint, localEntry, template)'),
  UNKNOWN_ELEMENT: spec('MI_ART_004', 'an element is not known here; check its name and namespace'),
  UNKNOWN_ATTRIBUTE: spec('MI_ART_005', 'an attribute is not known on this element; check its spelling'),
  MISSING_ATTRIBUTE: spec('MI_ART_006', 'a required attribute is missing'),
  BAD_VALUE: spec('MI_ART_007', 'an attribute or element has a value that is not allowed'),
  BAD_XPATH: spec('MI_ART_008', 'an XPath or JSONPath expression does not compile'),
  DANGLING_KEY: spec('MI_ART_009', 'a key points to a sequence, endpoint or local entry that is not deployed'),
  UNKNOWN_MEDIATOR: spec('MI_ART_010', 'the mediator is not supported by this runtime'),
  DUPLICATE_ARTIFACT: spec('MI_ART_011', 'another artifact of the same kind already uses this name'),
  UNSUPPORTED: spec('MI_ART_012', 'the construct exists in Micro Integrator but is not supported here (Java classes, registry resources)'),
  BAD_URI_TEMPLATE: spec('MI_ART_013', 'a uri-template or url-mapping is not valid'),
  ROUTE_CONFLICT: spec('MI_ART_014', 'two APIs or proxies claim the same context'),
  SPLIT_CONFIG: spec('MI_ART_040', 'an iterate, clone, foreach or aggregate is not configured as Micro Integrator requires (a target, attachPath only with preservePayload, no call/send inside foreach, a messageCount that is a number or {expression})'),
  FAULT_CODE: spec('MI_ART_015', 'a makefault code is not a prefix:name QName with a declared prefix, or not a SOAP fault code of the fault version'),
  SCRIPT_COMPILE: spec('MI_ART_050', 'a script mediator\'s language is not JavaScript, or its script (inline or from a local entry) does not compile'),
  XSLT_COMPILE: spec('MI_ART_051', 'an XSLT stylesheet (or a stylesheet it imports) does not compile'),
  CACHE_HASH_GENERATOR: spec('MI_ART_060', 'a cache mediator names a hashGenerator class other than Micro Integrator\'s default (org.wso2.carbon.mediator.cache.digest.HttpRequestHashGenerator); Java classes cannot run here'),
  THROTTLE_POLICY: spec('MI_ART_061', 'a throttle mediator\'s WS-Policy is not valid (Synapse\'s ThrottleFactory text says what), or names no throttle:MediatorThrottleAssertion'),
  CACHE_CONTROL_IGNORED: spec('MI_ART_062', 'a cache mediator has <enableCacheControl>true</enableCacheControl> but no <includeAgeHeader>: Micro Integrator then turns cache control off, and so does this runtime (warning); add <includeAgeHeader>false</includeAgeHeader> to keep it on'),
  XSD_COMPILE: spec('MI_ART_052', 'an XML Schema of a validate mediator (or a schema it imports) is not valid'),
  JSON_SCHEMA_COMPILE: spec('MI_ART_053', 'a JSON schema of a validate mediator (a text local entry holding JSON) is not JSON, or not a valid JSON Schema of its draft ($schema; none means draft 4), or refers to a schema that is not in it'),
  // callout, dblookup / dbreport, scatter-gather (src/mediators/callout*.ts, db/, scatter-gather*.ts)
  CALLOUT_SECURITY: spec('MI_ART_070', 'a callout has <enableSec>: outgoing WS-Security (Rampart policies) is not supported; remove it, or secure the backend with HTTPS or basic credentials in the endpoint'),
  DB_CONNECTION_CONFIG: spec('MI_ART_071', 'the <connection><pool> of a dblookup or dbreport is not usable: give <dsName> naming a [[datasource]] id, or <driver>, <url>, <user>, <password> for a PostgreSQL, MySQL or MariaDB JDBC url (other drivers, JNDI <icClass> and registry keys are not supported)'),
  DB_STATEMENT_CONFIG: spec('MI_ART_072', 'a dblookup or dbreport <statement> is not valid: it needs <sql>, one <parameter value|expression type> per ? placeholder with a JDBC type Micro Integrator knows, and <result name column> on dblookup'),
  SCATTER_GATHER_CONFIG: spec('MI_ART_073', 'a scatter-gather is not configured as Micro Integrator requires: at least one <sequence>, result-content-type JSON or XML, result-enclosing-element when XML, a whole number of milliseconds for timeout'),
  SCATTER_GATHER_VARIABLE: spec('MI_ART_074', 'scatter-gather target="Variable" needs Micro Integrator 4.4 variables, which this runtime does not have; use target="Body"'),
  SYNAPSE_EXPRESSION_UNSUPPORTED: spec('MI_ART_075', 'a ${...} Synapse expression other than ${payload}, ${payload.path} or ${xpath(\'...\')} is not supported here; use one of those, json-eval(...) or an XPath'),
  // request path
  BAD_REQUEST: spec('MI_REQ_001', 'the request could not be read', 400),
  REQUEST_DOCTYPE: spec('MI_REQ_002', 'DOCTYPE is not allowed in a message', 400),
  BODY_TOO_LARGE: spec('MI_REQ_003', 'the request body is larger than [server] max_body_size', 413),
  XML_TOO_DEEP: spec('MI_REQ_004', 'the XML nesting is deeper than [server] max_xml_depth', 400),
  PAYLOAD_PARSE: spec('MI_REQ_005', 'the message body does not match its Content-Type', 400),
  PATH_ABOVE_ROOT: spec('MI_REQ_011', 'the request path climbs above the root with dot segments (.. or %2e%2e); send a path without them', 400),
  CLIENT_ABORTED: spec('MI_REQ_010', 'the client closed the connection before its request was complete; the endpoint is not blamed', 400),
  // XML read as bytes by the one tokenizer (src/xml/): the WS-Security header, content-based routing
  XML_NOT_WELL_FORMED: spec('MI_XML_001', 'the message is not well-formed XML (or not namespace-well-formed) where it is read as bytes; the reason names the construct to fix', 400),
  XML_DOCTYPE_IN_MESSAGE: spec('MI_XML_002', 'the message holds a DOCTYPE declaration, which messages may not carry; send it without one', 400),
  XML_NESTING_TOO_DEEP: spec('MI_XML_003', 'the message nests elements deeper than [server] max_xml_depth; flatten it or raise the limit', 400),
  CHARSET_UNSUPPORTED: spec('MI_REQ_006', 'the charset of the body (Content-Type charset or XML encoding declaration) is not known; send UTF-8 or another standard charset', 415),
  CHARSET_MALFORMED: spec('MI_REQ_007', 'the body bytes are not valid in the declared charset; fix the charset parameter or the encoding declaration', 400),
  // message budgets: checked while the body is read, before a parser builds anything (src/xml/limits.ts, src/json/limits.ts)
  XML_TOO_MANY_ELEMENTS: spec('MI_LIM_001', 'the XML message has more elements than [server] max_xml_elements', 413),
  XML_TOO_MANY_ATTRIBUTES: spec('MI_LIM_002', 'an XML element has more attributes than [server] max_xml_attributes_per_element', 413),
  XML_TOO_MANY_NODES: spec('MI_LIM_003', 'the XML message has more nodes (elements, attributes, text runs, references, comments) than [server] max_xml_nodes', 413),
  JSON_TOO_DEEP: spec('MI_LIM_004', 'the JSON nesting is deeper than [server] max_json_depth', 400),
  JSON_TOO_MANY_VALUES: spec('MI_LIM_005', 'the JSON message has more values than [server] max_json_values', 413),
  XPATH_TOO_COSTLY: spec('MI_LIM_006', 'an XPath expression visited more nodes than [server] max_xpath_steps allows for one evaluation; simplify the expression (avoid // inside predicates) or raise the limit', 500),
  MEDIATION_ERROR: spec('MI_MED_001', 'a mediator failed; see ERROR_MESSAGE', 500),
  EXPRESSION_ERROR: spec('MI_MED_002', 'an expression failed at run time', 500),
  PROPERTY_TYPE: spec('MI_MED_003', 'a property value cannot be converted into the declared type', 500),
  WSA_ACTION_MISMATCH: spec('MI_MED_011', 'the request\'s wsa:Action differs from its SOAPAction (Axis2\'s ActionMismatch when Synapse builds the message); send the same action in both, or an empty SOAPAction', 500),
  JSON_NOT_WRITABLE: spec('MI_MED_010', 'the XML payload cannot be written as JSON (text beside child elements, or an array started twice for one name), as in Micro Integrator', 500),
  ENRICH_NOT_APPLIED: spec('MI_MED_004', 'an enrich target/action pair is not supported for a JSON payload, or the target does not hold what the action needs; logged, the message is left unchanged'),
  // split and aggregate (iterate, clone, foreach, aggregate)
  SPLIT_TOO_MANY_PARTS: spec('MI_MED_040', 'iterate or clone would make more parts than one message may make (1000); split the request, or make fewer parts per message', 413),
  SPLIT_NOT_ARRAY: spec('MI_MED_041', 'the JSONPath of an iterate or foreach does not select a JSON array', 500),
  SPLIT_ATTACH_PATH: spec('MI_MED_042', 'the attachPath of an iterate selects no element (XML) or no value (JSON) in the message', 500),
  AGGREGATE_FAILED: spec('MI_MED_043', 'aggregate could not build the aggregated message: no element matches the onComplete expression, the correlateOn expression selects nothing, or the enclosingElementProperty is not set to an XML element', 500),
  SPLIT_TARGET_MISSING: spec('MI_MED_044', 'the sequence or endpoint a split target names by key is not deployed', 500),
  // script, xslt, validate (src/mediators/script/, xslt/, validate/)
  SCRIPT_ERROR: spec('MI_MED_050', 'a script mediator\'s script threw an error (ERROR_MESSAGE is Micro Integrator\'s text; ERROR_DETAIL has the cause)', 500),
  SCRIPT_TIMEOUT: spec('MI_MED_051', 'a script ran longer than [mediation] script_timeout (milliseconds) and was stopped', 500),
  XSLT_ERROR: spec('MI_MED_052', 'an XSLT transformation failed at run time (dynamic stylesheet missing or not compiling, a stylesheet error, a source that selects nothing)', 500),
  VALIDATE_ERROR: spec('MI_MED_053', 'a validate mediator could not run: the schema is missing or does not compile, a JSON message met an XML Schema (or an XML message a JSON schema), or a JSONPath source does not give JSON', 500),
  // cache and throttle (src/mediators/cache/, throttle/)
  CACHE_WRONG_FLOW: spec('MI_MED_060', 'a cache collector (collector="true") got a request, or a cache finder got a response; put the collector in the out-flow (or after call with RESPONSE=true) and the finder in the in-flow', 500),
  CACHE_STORE_DOWN: spec('MI_MED_063', 'the cache store ([cache] type = "redis") is not reachable: cache mediators answer every request from the backend and store nothing until it is back (logged once per outage)'),
  THROTTLE_STORE_DOWN: spec('MI_MED_064', 'the throttle store ([throttle] type = "redis") is not reachable: throttle mediators refuse every request (fail_open = false, the default) or let every request through (fail_open = true) until it is back (logged once per outage)'),
  CALLOUT_FAILED: spec('MI_MED_070', 'the callout could not reach the service or the service failed (ERROR_CODE 401002, ERROR_MESSAGE the transport error, as Micro Integrator sets them)', 502),
  CALLOUT_SOURCE_TARGET: spec('MI_MED_071', 'the callout <source> selected no element (or its key property is not XML), or its <target> xpath selected no node to replace', 500),
  DB_STATEMENT_FAILED: spec('MI_MED_072', 'a dblookup or dbreport statement failed in the database (ERROR_MESSAGE names the statement and datasource, ERROR_DETAIL the database error)', 500),
  DB_PARAMETER: spec('MI_MED_073', 'a dblookup or dbreport parameter value cannot be read as its declared type (INTEGER from a non-number, DATE not yyyy-mm-dd, ...)', 500),
  DB_UNREACHABLE: spec('MI_MED_074', 'the database of a dblookup or dbreport cannot be reached or refused the login; the pool retries on the next message', 503),
  SCATTER_GATHER_FAILED: spec('MI_MED_075', 'scatter-gather could not aggregate: a part\'s value is not one XML element for result-content-type="XML", or an expression failed', 500),
  // endpoints
  ENDPOINT_ERROR: spec('MI_EP_001', 'the backend could not be reached', 502),
  ENDPOINT_TIMEOUT: spec('MI_EP_002', 'the backend did not answer within the endpoint timeout', 504),
  ENDPOINT_SUSPENDED: spec('MI_EP_003', 'the endpoint is suspended after failures', 503),
  NO_ENDPOINT: spec('MI_EP_004', 'send without an endpoint and no To address on the message', 500),
  // logging
  LOGGING_CONFIG: spec('MI_LOG_001', 'log4j2.properties or [masking_pattern.properties] is invalid, or a log file cannot be written'),
  // security: key store, secure vault, secret lookups, HashiCorp Vault
  KEYSTORE: spec('MI_SEC_001', 'the key store cannot be loaded (file, type, password or alias), or none exists; run `mi keystore create`'),
  KEYSTORE_DEFAULT_PASSWORD: spec('MI_SEC_002', 'the key store password is a well-known default; make a fresh key store with `mi keystore create`'),
  SECRET_NOT_ENCRYPTED: spec('MI_SEC_003', 'a [secrets] value is still plain text in [brackets]; run `mi cipher-tool` to encrypt it'),
  SECRET_CIPHER: spec('MI_SEC_004', 'a secret cannot be encrypted or decrypted with the primary key (another key, or not Base64 cipher text)'),
  SECRET_UNKNOWN_ALIAS: spec('MI_SEC_005', 'vault-lookup names an alias that is not declared under [secrets]', 500),
  SECRET_MISSING: spec('MI_SEC_006', 'a Docker secret, secret file or environment variable for vault-lookup is missing or empty', 500),
  EXTERNAL_VAULT_CONFIG: spec('MI_SEC_007', 'an [[external_vault]] section is invalid, or hashicorp:vault-lookup is used and none is configured'),
  EXTERNAL_VAULT_UNAVAILABLE: spec('MI_SEC_008', 'HashiCorp Vault could not be reached or refused the request, and no cached value is left', 500),
  EXTERNAL_SECRET_NOT_FOUND: spec('MI_SEC_009', 'HashiCorp Vault has no such secret path or field', 500),
  // server
  PORT_IN_USE: spec('MI_SRV_001', 'a listener port is already in use; change [server] offset'),
  HOME_MISSING: spec('MI_SRV_002', 'the home folder does not exist or has no synapse-configs/default'),
  ACCEPT_HANDLES: spec('MI_SRV_003', 'a listener could not add its extra accept handles (a helper process is forked for them); set [server] accept_handles = 0 to not try'),
  // extensions: API handlers, global handlers, class mediators (src/handlers/)
  EXTENSION_NOT_FOUND: spec('MI_HDL_001', 'a handler or class mediator class is neither a built-in nor a module under extensions/ (extensions/x.ts or extensions/x.ts#Export)'),
  EXTENSION_LOAD: spec('MI_HDL_002', 'an extension module does not compile or throws while loading; fix it at the given file:line'),
  EXTENSION_INVALID: spec('MI_HDL_003', 'an extension export is missing or is not a handler / class mediator, or its constructor or a property failed'),
  HANDLER_DENIED: spec('MI_HDL_004', 'a handler returned false without answering; the request is refused', 403),
  EXTENSION_FAILED: spec('MI_HDL_005', 'a handler or class mediator threw, rejected or returned something other than a boolean; see the log for its stack', 500),
  EXTENSION_TIMEOUT: spec('MI_HDL_006', 'a handler or class mediator did not settle within [extensions] timeout', 500),
  SYNAPSE_HANDLERS_CONFIG: spec('MI_HDL_007', 'a [[synapse_handlers]] entry in deployment.toml is invalid (name, class, properties) or its class cannot be loaded'),
  // transport security: HTTPS listener, mutual TLS (src/transport/)
  TLS_SETUP: spec('MI_TLS_001', 'the HTTPS listener cannot use its key store or trust store (unreadable file, wrong password, no key); HTTPS is not started'),
  TLS_CERT_VALIDITY: spec('MI_TLS_002', 'the HTTPS server certificate is expired or not yet valid (warning); make a new one with `mi keystore create`'),
  CLIENT_CERT_MALFORMED: spec('MI_TLS_003', 'the client certificate header from a trusted proxy is not a PEM or Base64 certificate', 400),
  NO_LISTENER: spec('MI_TLS_005', 'listener.enable = false and no HTTPS listener could start: nothing would serve'),
  // authentication service (src/security/auth/authentication-service.ts)
  AUTH_UNAVAILABLE: spec('MI_AUTH_001', 'the user store (its database) cannot be reached; authentication fails closed until it is back', 503),
  AUTH_RATE_LIMITED: spec('MI_AUTH_002', 'too many failed logins for this user from this address within [authentication] failure_window; wait and try again', 429),
  AUTH_ADDRESS_RATE_LIMITED: spec('MI_AUTH_003', 'too many failed logins from this client address, whatever the user names, within [authentication] failure_window (max_failures_per_address); wait and try again', 429),
  AUTH_BUSY: spec('MI_AUTH_004', 'the server is checking as many passwords as it may ([authentication] max_concurrent_verifications running, verification_queue_size waiting, none longer than 10 s); try again in a moment', 503),
  AUTH_ADDRESS_BUSY: spec('MI_AUTH_005', 'this client address already has its share (a quarter of [authentication] verification_queue_size) of password checks waiting; try again in a moment', 429),
  // API security as a gateway does it (src/security/gateway/, src/security/policies/api-security.ts)
  API_SECURITY_DECLARATION: spec('MI_API_001', 'a <security> declaration (or an API Manager authentication handler) of an API or resource is not valid: an unknown scheme, attribute or value; see docs/api-security.md'),
  API_SECURITY_UNCONFIGURED: spec('MI_API_002', 'an API declares a scheme the server is not configured for (oauth2 without any [[jwt_issuer]] or [[key_manager]]); add one to deployment.toml or remove the scheme'),
  JWT_ISSUER_CONFIG: spec('MI_API_003', 'a [[jwt_issuer]] or [api_security] entry is invalid (no issuer, no or two key sources, a certificate that does not load, an HMAC or unknown algorithm, a bad number); fix deployment.toml'),
  JWKS_UNAVAILABLE: spec('MI_API_004', 'the JWKS of a [[jwt_issuer]] could not be fetched or read; tokens of that issuer are refused (fault 900900) until it answers', 500),
  OPENAPI_UNREADABLE: spec('MI_API_010', "an API's OpenAPI definition (publishSwagger, or <ApiName>_swagger.yaml beside the API) cannot be read, or is neither JSON nor YAML; the API does not deploy"),
  OPENAPI_INVALID: spec('MI_API_011', "an API's OpenAPI definition is not a valid OpenAPI 3.0 / 3.1 document; the API does not deploy"),
  OPENAPI_NO_RESOURCE: spec('MI_API_012', 'an operation of the OpenAPI definition (method and path) matches no resource of the API; add the resource or remove the operation'),
  OPENAPI_SECURITY_UNSUPPORTED: spec('MI_API_013', 'a security scheme or requirement of the OpenAPI definition cannot be enforced here (an apiKey in a cookie, an http scheme other than basic or bearer, schemes required together, an undeclared scheme name); the API does not deploy'),
  API_SECURITY_TWICE: spec('MI_API_014', "an API declares its security both in XML (<security> or API Manager's handler) and at the top of its OpenAPI definition; keep one"),
  OPENAPI_SOURCE: spec('MI_API_015', 'publishSwagger names no file this runtime can read (a local entry key, http:, a path outside the registry folder); use gov:, conf:, local: or file:'),
  API_KEY_STORE_UNAVAILABLE: spec('MI_API_016', 'the database holding the API keys cannot be read; calls with an API key are refused with fault 900900 until it answers', 500),
  API_KEY_NOT_FOUND: spec('MI_API_017', 'no API key has this id (mi api-key revoke); list them with mi api-key list'),
  API_CERT_NOT_FOUND: spec('MI_API_040', 'mi api-cert delete: the API has no certificate with this alias; list them with mi api-cert list'),
  API_CERT_ARGUMENT: spec('MI_API_041', 'mi api-cert add: --api names no API of this home, the alias is taken for that API, or the file holds no readable PEM certificate'),
  API_CERT_RELOAD: spec('MI_API_042', 'the API client certificates cannot be re-read from the database; the previous ones stay in force until it answers (logged once per outage)'),
  // throttling tiers at the gateway (src/security/throttling/)
  THROTTLING_CONFIG: spec('MI_API_050', 'the [throttling] section or a [[throttling.tier]] is invalid (a tier without name or request_count, an unknown time_unit, a bad number, a store other than memory or redis); fix deployment.toml'),
  THROTTLING_UNKNOWN_TIER: spec('MI_API_051', 'a throttling_tier, subscription_tier or x-throttling-tier names no tier (built-in or [[throttling.tier]]); the API does not deploy'),
  THROTTLING_STORE_DOWN: spec('MI_API_052', 'the Redis server holding the throttling counters cannot be reached; requests are admitted or refused as [throttling] redis_down says until it answers (logged once per outage)', 503),
  THROTTLING_CERTIFICATE_TIER: spec('MI_API_053', 'a client certificate registered with mi api-cert carries a tier that is neither built in nor a [[throttling.tier]]; its calls are counted under the API\'s subscription_tier, if any (logged once per tier)'),
  // client certificate chains (the handshake's and a trusted proxy's header), verified with pkijs
  CLIENT_CHAIN_UNTRUSTED: spec('MI_API_090', 'a client certificate does not chain to a CA in listener.truststore (unknown issuer, or no path); it counts as no certificate'),
  CLIENT_CHAIN_VALIDITY: spec('MI_API_091', 'a client certificate, or a CA of its chain, is expired or not yet valid; it counts as no certificate'),
  CLIENT_CHAIN_NOT_CA: spec('MI_API_092', 'an issuer in the client certificate chain lacks basicConstraints CA:TRUE; it counts as no certificate'),
  CLIENT_CHAIN_KEY_USAGE: spec('MI_API_093', 'keyUsage forbids the use: an issuer without keyCertSign, or a client certificate whose keyUsage lacks digitalSignature; it counts as no certificate'),
  CLIENT_CHAIN_SIGNATURE: spec('MI_API_094', 'a signature in the client certificate chain does not verify with its issuer\'s key; it counts as no certificate'),
  CLIENT_CERT_HEADER_IGNORED: spec('MI_API_095', 'a client certificate header came from an address outside listener.trusted_proxies and is ignored (logged once per address)'),
  CLIENT_CERT_PROXY_UNVERIFIED: spec('MI_API_096', '[apimgt.mutual_ssl] enable_client_validation = true and the proxy connection carries no verified TLS client certificate: its certificate header is ignored (logged once per address)'),
  API_KEY_ARGUMENT: spec('MI_API_018', 'mi api-key issue: --api names no API deployed from this home, or --expires is neither a duration (30d, 12h, 90m) nor a future date'),
  FILE_USER_PASSWORD_HASH: spec('MI_API_019', 'a [[internal_apis.users]] password written as a hash (@sha1:{hex}, @sha256:{hex}, @sha384:{hex}, @sha512:{hex}) is malformed: an unknown algorithm, or not the right number of hex digits'),
  OPENAPI_IGNORED: spec('MI_API_020', "an API has both publishSwagger and an <ApiName>_swagger file beside it; publishSwagger is used and the file is ignored"),
  // opaque tokens through RFC 7662 introspection (src/security/gateway/token-introspector.ts)
  KEY_MANAGER_CONFIG: spec('MI_API_030', 'a [[key_manager]] entry is invalid (no or a bad introspection_url, no client_id or client_secret, an issuer that is also a [[jwt_issuer]], a bad number); fix deployment.toml'),
  KEY_MANAGER_UNAVAILABLE: spec('MI_API_031', 'the introspection endpoint of a [[key_manager]] cannot be reached, timed out, refused the gateway\'s client credentials or answered something that is not an introspection response; its tokens are refused (fault 900900) until it answers', 500),
  KEY_MANAGER_BUSY: spec('MI_API_032', 'a [[key_manager]] already has max_connections introspections running and max_queued waiting; a token not in the cache is refused (fault 900900) until the queue drains', 500),
  // the JWT sent to the backend (src/security/gateway/backend-jwt*.ts)
  BACKEND_JWT_CONFIG: spec('MI_API_060', 'an [apim.jwt] value is invalid (signing_algorithm other than SHA256withRSA or NONE, encoding other than base64 or base64url, a header that is no header name, a bad number or claim); fix deployment.toml'),
  BACKEND_JWT_KEY: spec('MI_API_061', '[apim.jwt] signs with SHA256withRSA but the primary key store cannot be used: there is none ([keystore.primary], or `mi keystore create`), it cannot be opened, or its key is not RSA'),
  BACKEND_JWT_DISABLED: spec('MI_API_062', 'GET /management/jwks: the backend JWT is not enabled ([apim.jwt] enable = true), so there is no signing key to publish', 404),
  OAUTH2_SERVER_CONFIG: spec('MI_API_070', 'the [oauth2_server] section is invalid (an unknown grant, a bad number or issuer URL, a store type other than memory, database or redis) or it is enabled without a primary key store or HTTPS listener; fix deployment.toml'),
  OAUTH2_APP_ARGUMENT: spec('MI_API_071', 'mi app add: the name is taken or empty, a grant is unknown, a redirect URI is not an absolute http(s) URL without a fragment, or the code grant has no redirect URI'),
  OAUTH2_APP_NOT_FOUND: spec('MI_API_072', 'mi app delete: no OAuth2 application has this name or client id; list them with mi app list'),
  OAUTH2_STORE_UNAVAILABLE: spec('MI_API_073', 'the token service cannot read or write its state (applications, refresh tokens, codes, revocations) in the database or Redis; token requests fail with server_error and tokens of the local issuer are refused with fault 900900 until it answers', 500),
  // databases and users (src/store/, src/security/auth/)
  DATASOURCE_CONFIG: spec('MI_DB_001', 'a [[datasource]] entry is invalid (missing id or url, duplicate id, unsupported URL scheme, bad pool option); supported: jdbc:postgresql, jdbc:mysql, jdbc:mariadb, jdbc:sqlite'),
  DATASOURCE_UNKNOWN: spec('MI_DB_002', 'a data_source setting names no [[datasource]] id; declare it or fix the id'),
  DB_UNAVAILABLE: spec('MI_DB_003', 'the database cannot be opened or reached, or refused the login; check host, port, database name, user and password', 503),
  DB_MIGRATION: spec('MI_DB_004', 'the database schema could not be brought up to date (migration failed, or it was made by a newer version)'),
  USER_STORE_TYPE: spec('MI_USR_001', '[user_store] type is not supported (LDAP is not); remove [user_store] or set type = "database"'),
  USER_BAD_NAME: spec('MI_USR_002', 'a user or role name does not match the naming rule (UsernameJavaRegEx / RolenameJavaRegEx)', 400),
  USER_WEAK_PASSWORD: spec('MI_USR_003', 'the password does not match the password rule (PasswordJavaRegEx; by default 5 to 30 characters, no spaces)', 400),
  USER_EXISTS: spec('MI_USR_004', 'a user with this name already exists (names are case-insensitive)', 409),
  USER_NOT_FOUND: spec('MI_USR_005', 'there is no such user in the user store', 404),
  ROLE_NOT_FOUND: spec('MI_USR_006', 'there is no such role; create it first with `mi role add`', 404),
  ROLE_EXISTS: spec('MI_USR_007', 'a role with this name already exists (names are case-insensitive)', 409),
  USER_PROTECTED: spec('MI_USR_008', 'the [super_admin] user or the admin role cannot be deleted, nor the admin role taken from the super admin', 409),
  SUPER_ADMIN_CONFIG: spec('MI_USR_009', '[super_admin] is invalid: a weak or default password (such as admin/admin), or a name or password that breaks the rules'),
  FILE_USER_WEAK: spec('MI_USR_011', 'an [[internal_apis.users]] user has a weak or default password (such as admin/admin, or equal to the user name), or a name or password that breaks the rules; the server does not start'),
  PASSWORD_HASH_UPGRADE: spec('MI_USR_012', 'warning: a password hash made with weaker scrypt parameters could not be rewritten after a successful login; it keeps working and the upgrade is tried again at the next login'),
  PASSWORD_INPUT: spec('MI_USR_010', 'no password was given: no terminal to prompt on (use --password-stdin), the two entries differ, or the prompt was cancelled'),
  // management API and remote CLI (src/management/)
  MGT_UNAUTHENTICATED: spec('MI_MGT_001', 'the management API needs credentials: Basic on /management/login, then `Authorization: Bearer <AccessToken>`; the token is missing, malformed, expired or revoked (log in again)', 401),
  MGT_FORBIDDEN: spec('MI_MGT_002', 'this management resource (/users, /roles, PATCH /logging) needs a user with the admin role', 403),
  MGT_RATE_LIMITED: spec('MI_MGT_003', 'too many failed logins for this user from this address; wait for the time in Retry-After', 429),
  MGT_AUTH_UNAVAILABLE: spec('MI_MGT_004', 'the user store cannot be reached, so nobody can log in (fail closed); see the server log for the cause', 503),
  MGT_NOT_FOUND: spec('MI_MGT_005', 'no such management resource, artifact, logger or role; check the name (names are case-sensitive, users and roles are not)', 404),
  MGT_BAD_REQUEST: spec('MI_MGT_006', 'a query parameter or JSON body of a management call is missing or invalid (the message names it), or /login with the JWT handler off', 400),
  MGT_READ_ONLY_USERS: spec('MI_MGT_007', 'users and roles cannot be changed: the user is a read-only [[internal_apis.users]] entry, or no database user store is in use', 409),
  MGT_TOKEN_STORE_FULL: spec('MI_MGT_008', 'the token store is full and token_store_config.remove_oldest_token_on_overflow = false; wait for tokens to expire or raise max_size', 503),
  MGT_PLAIN_HTTP: spec('MI_MGT_009', 'warning: no key store, so the management API is plain HTTP on 127.0.0.1 only and tokens are signed with a per-process key; run `mi keystore create`'),
  MGT_INTERNAL: spec('MI_MGT_010', 'the management API failed unexpectedly; see the server log', 500),
  MGT_TRANSACTIONS_OFF: spec('MI_MGT_011', 'the transaction counter is off; set [transaction_counter] enable = true', 409),
  MGT_TRANSACTIONS_STORE: spec('MI_MGT_012', 'transaction counts cannot be written to or read from their database; counts are kept in memory and retried', 503),
  MGT_LOG_LEVELS_FIXED: spec('MI_MGT_013', 'log levels cannot be changed on this server: its loggers are not configured from log4j2.properties', 409),
  REMOTE_NO_SESSION: spec('MI_MGT_014', '`mi remote` has no saved session, or the server refused it (expired, revoked); run `mi remote login --url URL -u USER`'),
  REMOTE_CONNECT: spec('MI_MGT_015', '`mi remote` / `mi login` cannot reach the server or does not trust its certificate; check the URL, pass --ca <pem> (or -k for a self-signed development key)'),
  TRANSACTIONS_CLI: spec('MI_MGT_016', '`mi transactions` options are invalid (--from/--to as YYYY-MM-DD, from <= to) or the counts database cannot be read'),
  // operations: the internal HTTP API (probes, metrics) on 9191 + offset (src/observability/)
  OPS_NOT_FOUND: spec('MI_OPS_001', 'the internal HTTP API serves GET /healthz, /liveness and /metric-service/metrics only (metrics with [metrics] enable = true)', 404),
  OPS_METHOD: spec('MI_OPS_002', 'the internal HTTP API answers GET (and HEAD) only', 405),
  OPS_METRICS_FAILED: spec('MI_OPS_003', 'the metrics could not be written; the cause is in the server log', 500),
  OPS_NOT_READY: spec('MI_OPS_004', 'the server is not ready (a faulty artifact, an unreachable user store or datasource, a listener down, starting or stopping); GET /healthz on the internal port lists what'),
  MGT_PLAIN_HTTP_REFUSED: spec('MI_MGT_017', 'plain HTTP reached the HTTPS management port; call it with https:// (the reply is a 400 saying so, not an empty reply)', 400),
  // /management/apis/{apiName}/client-certificates
  MGT_CERT_API_UNKNOWN: spec('MI_MGT_020', 'client certificates: no API of this name is deployed (names are case-sensitive)', 404),
  MGT_CERT_BAD_REQUEST: spec('MI_MGT_021', 'client certificates: the JSON body needs "alias", "certificate" (one PEM certificate) and optionally "tier"; the message names what is wrong', 400),
  MGT_CERT_ALIAS_TAKEN: spec('MI_MGT_022', 'client certificates: the API already has a certificate with this alias; delete it first or choose another', 409),
  MGT_CERT_NOT_FOUND: spec('MI_MGT_023', 'client certificates: the API has no certificate with this alias', 404),
  MGT_CERT_STORE: spec('MI_MGT_024', 'client certificates: their database (the user store\'s) cannot be reached; see the server log', 503),
  // the command line: Micro Integrator's CLI grammar, mi init, mi validate (src/cli/)
  CLI_ENVIRONMENT: spec('MI_CLI_001', 'no environment of that name, or the environments file is damaged; add it with `mi add env NAME https://host:9164`'),
  CLI_NOT_LOGGED_IN: spec('MI_CLI_002', 'not logged in to the environment, or the server refused its session (expired, revoked, restarted); run `mi login NAME USER`'),
  CLI_ARGUMENTS: spec('MI_CLI_003', 'the arguments of the command do not fit together or are not valid (the message names the one to fix)'),
  CLI_INIT: spec('MI_CLI_004', '`mi init` would overwrite a file that is already there, or cannot write the folder; choose a new folder'),
  // WS-Security on proxy services (src/security/ws-security/)
  WSS_POLICY_UNSUPPORTED: spec('MI_WSS_001', 'a security policy assertion or Rampart setting is not supported (signatures, encryption, other tokens, Java callbacks); the proxy is not deployed until it is removed'),
  WSS_POLICY_INVALID: spec('MI_WSS_002', 'a proxy security policy is not a valid WS-Policy, has a wrong value, or its key names neither a local entry nor a conf:/gov:/local:/file: file under the home'),
  WSS_NOT_ENGAGED: spec('MI_WSS_003', 'a proxy has <enableSec/> without a <policy key>, or a <policy> it cannot apply to requests (type="out", per operation, several policies)'),
  WSS_AUTH_FAILED: spec('MI_WSS_004', 'a UsernameToken or Basic credentials were refused (unknown user, wrong password, or none of the allowed roles); check the user and its roles', 500),
  WSS_INVALID_SECURITY: spec('MI_WSS_005', 'the wsse:Security header is missing, malformed or does not satisfy the proxy policy; see the fault reason', 500),
  WSS_MESSAGE_EXPIRED: spec('MI_WSS_006', 'the Timestamp or token wsu:Created is too old or too far in the future, or its nonce was already used; check the client clock and send a fresh nonce', 500),
  WSS_HTTPS_REQUIRED: spec('MI_WSS_007', 'the proxy policy has a TransportBinding with HttpsToken: call it on the HTTPS port (with a client certificate if the policy requires one)', 500),
  WSS_USER_STORE_UNAVAILABLE: spec('MI_WSS_008', 'the user store could not be reached to check a UsernameToken; the request is refused until it is back', 503),
  WSS_NONCE_CACHE_FULL: spec('MI_WSS_009', 'the nonce cache is full of unexpired nonces, so a replay could not be ruled out; the request is refused (lower nonceLifeTime or find the flood)', 503),
  WSS_DIGEST_UNAVAILABLE: spec('MI_WSS_010', 'a PasswordDigest token names a user whose password the server cannot know (hashed database user); that client must send PasswordText over HTTPS'),
  // several nodes sharing one state (src/management/database-token-store.ts, src/store/redis-nonce-store.ts)
  MGT_TOKEN_STORE_UNAVAILABLE: spec('MI_OPS_020', 'the management token store (the user store\'s database) cannot be reached, so logins and token checks are refused until it is back; check the database', 503),
  MGT_TOKENS_PER_PROCESS: spec('MI_OPS_021', 'warning: the user store is a shared database but there is no key store, so management tokens are signed with a per-process key and only the node that issued one accepts it; give every node the same [keystore.primary]'),
  WSS_NONCE_STORE_UNAVAILABLE: spec('MI_OPS_022', 'the shared WS-Security nonce store (Redis) cannot be reached, so a replay cannot be ruled out and UsernameTokens with a nonce are refused until it is back; check [ws_security.nonce_store] and the Redis server', 503),
  // OpenTelemetry tracing (src/observability/tracing-settings.ts, src/observability/otel-tracer.ts)
  TRACING_CONFIG: spec('MI_OPS_030', 'an [opentelemetry] setting cannot be used: the message names the key; this runtime exports OTLP over HTTP (type "otlp", or "jaeger" on its OTLP HTTP port 4318)'),
  TRACING_EXPORT_FAILED: spec('MI_OPS_031', 'warning: the spans could not be sent to the OpenTelemetry collector ([opentelemetry] url) and are dropped until it answers again; requests are not affected; check the collector and its address'),
  TRACING_UNAVAILABLE: spec('MI_OPS_032', 'the OpenTelemetry packages could not be loaded, so tracing cannot start; reinstall the dependencies or set [opentelemetry] enable = false'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof Errors;

/** An error with a catalogue code. `detail` never carries secret values. */
export class MiError extends Error {
  readonly code: string;
  readonly status: number | undefined;
  constructor(readonly spec: ErrorSpec, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MiError';
    this.code = spec.code;
    this.status = spec.status;
  }
}

/**
 * Synapse error codes (SynapseConstants / Axis2 pass-through) that end up in ERROR_CODE, keyed by what
 * happened; suspendOnFailure/markForSuspension lists refer to these numbers.
 */
export const SynapseErrorCodes = {
  RECEIVER_IO_ERROR_SENDING: 101000,
  RECEIVER_IO_ERROR_RECEIVING: 101001,
  SENDER_IO_ERROR_SENDING: 101500,
  SENDER_IO_ERROR_RECEIVING: 101501,
  CONNECTION_FAILED: 101503,
  READ_TIMEOUT: 101504,
  CONNECTION_CLOSED: 101505,
  PROTOCOL_VIOLATION: 101506,
  CONNECT_CANCELLED: 101507,
  CONNECT_TIMEOUT: 101508,
  SEND_ABORT: 101509,
  RESPONSE_PROCESSING_FAILURE: 101510,
  ENDPOINT_SUSPENDED: 303001,
  ENDPOINT_FAILOVER_EXHAUSTED: 303000,
  LOADBALANCE_NO_MEMBER: 303100,
  NO_ENDPOINT: 303002,
  /** SynapseConstants.CALLOUT_OPERATION_FAILED and BLOCKING_SENDER_OPERATION_FAILED: the callout's blocking client failed. */
  CALLOUT_OPERATION_FAILED: 401000,
  BLOCKING_SENDER_OPERATION_FAILED: 401002,
  MEDIATOR_ERROR: 0,
} as const;

/**
 * What Synapse puts in ERROR_MESSAGE / ERROR_DETAIL / ERROR_EXCEPTION for a failure. A field left undefined
 * is not set at all (Synapse sets only what it has, and a property set to null keeps its old value).
 */
export interface SynapseFaultText {
  readonly message: string;
  readonly detail?: string;
  readonly exception?: string;
}

/**
 * An endpoint failed: carries the Synapse error code (101503 connection failed, 101504 timeout, ...) that
 * goes into ERROR_CODE and that suspendOnFailure matches, and Synapse's texts for the other ERROR_*
 * properties. `message` is this runtime's own description (with the URL), for logs and its default reply.
 */
export class EndpointError extends MiError {
  /** A timeout with responseAction="discard": Synapse drops such responses silently; we still fail the call. */
  readonly discarded: boolean;
  /** Set by the failing leaf when its <retryConfig> says a failover parent must not try another child. */
  retryDisabled = false;
  /** ERROR_MESSAGE / ERROR_DETAIL / ERROR_EXCEPTION as Synapse sets them for this failure. */
  readonly fault: SynapseFaultText;
  constructor(
    spec: ErrorSpec,
    /** The Synapse error code for ERROR_CODE and suspendOnFailure matching. */
    readonly synapseCode: number,
    message: string,
    options?: { cause?: unknown; discarded?: boolean; fault?: SynapseFaultText },
  ) {
    super(spec, message, options);
    this.discarded = options?.discarded ?? false;
    // Synapse's AbstractEndpoint.setErrorOnMessage: the endpoint's own text in all three
    this.fault = options?.fault ?? { message, detail: message, exception: message };
  }
}

const TIMEOUT_CODES = new Set([101504, 101508]);

export interface EndpointErrorOptions {
  discarded?: boolean;
  /** Synapse's texts; default: `message` in ERROR_MESSAGE, ERROR_DETAIL and ERROR_EXCEPTION. */
  fault?: SynapseFaultText;
  /** The catalogue entry (HTTP status of the default reply); default: chosen from the Synapse code. */
  spec?: ErrorSpec;
}

export function endpointError(synapseCode: number, message: string, cause?: unknown, options?: EndpointErrorOptions): EndpointError {
  const spec = options?.spec ?? (TIMEOUT_CODES.has(synapseCode) ? Errors.ENDPOINT_TIMEOUT : synapseCode === 303001 ? Errors.ENDPOINT_SUSPENDED : Errors.ENDPOINT_ERROR);
  return new EndpointError(spec, synapseCode, message, { cause, discarded: options?.discarded, fault: options?.fault });
}
