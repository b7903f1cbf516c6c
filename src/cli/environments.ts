/**
 * The named environments of Micro Integrator's CLI grammar (`mi add env dev https://host:9164`, `mi login
 * dev`, `mi get apis -e dev`): each a management API URL, the TLS choices made for it, and once logged in
 * the user and the access token. Kept in `$XDG_CONFIG_HOME/mi/environments.json` (else
 * `~/.config/mi/environments.json`), beside the `mi remote` session file, mode 0600 in a 0700 folder: the
 * tokens are credentials. Passwords are never kept (Micro Integrator's CLI keeps them to log in again on a
 * 401; here an expired session asks for `mi login` instead).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../config/file-write.js';
import { Errors, MiError } from '../errors.js';
import { sessionFile, type Connection } from './remote-session.js';

export interface Environment extends Connection {
  /** `https://host:9164/management` */
  readonly url: string;
  readonly insecure: boolean;
  readonly ca?: string;
  /** Set by `mi login`, cleared by `mi logout`. */
  readonly user?: string;
  readonly token?: string;
}

interface EnvironmentsFile {
  environments: Record<string, Environment>;
}

export function environmentsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(path.dirname(sessionFile(env)), 'environments.json');
}

export function readEnvironments(): Record<string, Environment> {
  const file = environmentsFile();
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as EnvironmentsFile;
    if (!parsed || typeof parsed.environments !== 'object' || parsed.environments === null) throw new Error('no "environments" object');
    return parsed.environments;
  } catch (err) {
    throw new MiError(Errors.CLI_ENVIRONMENT, `${file} is damaged (${(err as Error).message}); delete it and add the environments again with \`mi add env NAME URL\``);
  }
}

export function writeEnvironments(environments: Record<string, Environment>): string {
  const file = environmentsFile();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, JSON.stringify({ environments }, null, 2) + '\n', 0o600);
  return file;
}

/** The environment of `-e NAME`, or MI_CLI_001 saying how to add it. */
export function environment(name: string): Environment {
  const all = readEnvironments();
  const e = Object.hasOwn(all, name) ? all[name] : undefined;
  if (!e) throw new MiError(Errors.CLI_ENVIRONMENT, `no environment named '${name}'; add it with \`mi add env ${name} https://localhost:9164\``);
  return e;
}

/** Changes one environment (or removes it with undefined) and saves the file. */
export function updateEnvironment(name: string, value: Environment | undefined): void {
  const all = readEnvironments();
  if (value === undefined) delete all[name];
  else all[name] = value;
  writeEnvironments(all);
}
