/**
 * `mi validate`: check the toml and every artifact without serving, and type-check extensions/ when
 * TypeScript is installed in the home; problems as file:line:col  CODE  message.
 */
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { memoryLoggerFactory } from '../logging/logger.js';
import { Runtime } from '../runtime.js';
import { artifactParser } from '../artifacts/artifact-parser.js';
import { Deployer } from '../artifacts/deployer.js';
import { artifactDir } from '../main.js';
import { formatDiagnostic } from '../artifacts/diagnostic.js';
import { MiError } from '../errors.js';
import { storeConfigProblems } from '../store/stores.js';
import { authenticationOptionsFrom } from '../security/auth/authentication-service.js';
import { installGlobalHandlers } from '../handlers/global-handlers.js';
import type { Artifact } from '../artifacts/model.js';

/**
 * Each API's effective security, one line per resource and method: what it accepts and where that is
 * declared (`XML <resource>`, `OpenAPI paths./menu.get.security`, `XML <api>`, `default`, ...).
 */
function writeSecurityReport(deployed: readonly Artifact[]): void {
  for (const a of deployed) {
    if (a.kind !== 'api' || !a.securityReport) continue;
    for (const line of a.securityReport) {
      const from = line.source === 'none' ? '' : `  (${line.source})`;
      process.stdout.write(`security  API ${a.name}  ${line.resource}  ${line.security}${from}\n`);
    }
  }
}
import { typeCheckExtensions } from './typecheck-extensions.js';

export function validateCommand(opts: { home: string }): void {
  const home = path.resolve(opts.home);
  let config;
  try {
    config = loadConfig(home);
  } catch (err) {
    process.stdout.write(`${err instanceof MiError && err.message.includes(err.code) ? err.message : `${path.join(home, 'deployment', 'deployment.toml')}:0:0  ${(err as MiError).code ?? 'MI_CFG_002'}  ${(err as Error).message}`}\n`);
    process.exitCode = 1;
    return;
  }
  const tomlFile = path.relative(process.cwd(), path.join(home, 'deployment', 'deployment.toml')) || 'deployment.toml';
  let problems = 0;
  for (const w of [...config.warnings, ...storeConfigProblems(config)]) {
    process.stdout.write(`${tomlFile}:0:0  ${w}\n`);
    problems++;
  }
  try {
    authenticationOptionsFrom(config.toml);
  } catch (err) {
    // the runtime cannot be built without its authentication settings: report and stop here
    if (!(err instanceof MiError)) throw err;
    process.stdout.write(`${tomlFile}:0:0  ${err.code}  ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  const runtime = new Runtime(config, memoryLoggerFactory());
  const deployer = new Deployer(runtime, artifactDir(home), artifactParser(config));
  const result = deployer.deployAll();
  // [[synapse_handlers]] load as `mi start` loads them: a module that does not compile or export is a problem
  try {
    installGlobalHandlers(runtime, deployer.extensions)();
  } catch (err) {
    if (!(err instanceof MiError)) throw err;
    process.stdout.write(`${tomlFile}:0:0  ${err.message.includes(err.code) ? err.message : `${err.code}  ${err.message}`}\n`);
    problems++;
  }
  for (const d of result.diagnostics) process.stdout.write(formatDiagnostic(path.isAbsolute(d.file) ? { ...d, file: path.relative(process.cwd(), d.file) || d.file } : d) + '\n');
  writeSecurityReport(result.deployed);
  // types last: a module that does not even compile was reported above
  const types = typeCheckExtensions(home);
  if (types.checked) {
    for (const t of types.problems) process.stdout.write(`${path.relative(process.cwd(), t.file) || t.file}:${t.line}:${t.col}  ${t.code}  ${t.message}\n`);
    process.stdout.write(`extensions type-checked: ${plural(types.files, 'file')}, ${plural(types.problems.length, 'error')}\n`);
    problems += types.problems.length;
  } else if (!types.reason.startsWith('no TypeScript')) process.stdout.write(`mi: extensions/ not type-checked: ${types.reason}\n`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = result.diagnostics.length - errors;
  process.stdout.write(`${result.deployed.length} artifacts valid, ${errors} errors, ${warnings} warnings\n`);
  if (result.diagnostics.length || problems) process.exitCode = 1;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
