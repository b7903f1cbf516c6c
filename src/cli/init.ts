/**
 * `mi init [DIR]`: a new home of one's own, outside this repository: the folder layout, a commented
 * deployment.toml, log4j2.properties, one sample API (with a typed handler) and one sample proxy, a
 * .gitignore for keys and data, a package.json that pins this runtime and a tsconfig.json for extensions/.
 * It never overwrites: an existing file of the same name stops it before anything is written.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors, MiError } from '../errors.js';
import { defaultLog4j2Text } from '../logging/default-log4j2.js';
import { HOME_FOLDERS, homeFiles } from './init-files.js';

/** This package's name and version, from its package.json, and where it is. */
function thisPackage(): { name: string; version: string; root: string } {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version, root };
}

/**
 * The dependency on this runtime: `^version` when it runs as an installed package (under node_modules); a
 * `file:` link to the checkout it runs from otherwise (a clone, `npm link`), which npm can install while
 * the version is not on the registry.
 */
function runtimeSpec(pkg: { version: string; root: string }): string {
  return pkg.root.split(path.sep).includes('node_modules') ? `^${pkg.version}` : `file:${pkg.root}`;
}

/** A package name npm accepts, from the folder name. */
function packageName(dir: string): string {
  const n = path
    .basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '');
  return n || 'integration';
}

export interface InitOptions {
  /** The dependency spec written into package.json instead of the default (a range, a tarball, `file:`, a git URL). */
  runtime?: string;
}

export function initHome(dir: string, opts: InitOptions = {}): { dir: string; files: string[]; runtime: string } {
  const home = path.resolve(dir);
  const pkg = thisPackage();
  const files = homeFiles(packageName(home), { name: pkg.name, spec: opts.runtime ?? runtimeSpec(pkg) }, defaultLog4j2Text());
  const clashes = Object.keys(files).filter((rel) => existsSync(path.join(home, rel)));
  if (clashes.length) {
    throw new MiError(Errors.CLI_INIT, `${home} already has ${clashes.join(', ')}; nothing was written: choose a new folder (mi init my-integration), or move those files away`);
  }
  try {
    for (const folder of HOME_FOLDERS) mkdirSync(path.join(home, folder), { recursive: true });
    for (const [rel, text] of Object.entries(files)) writeFileSync(path.join(home, rel), text, { flag: 'wx' });
  } catch (err) {
    throw new MiError(Errors.CLI_INIT, `cannot write the new home in ${home}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
  return { dir: home, files: Object.keys(files), runtime: `${pkg.name}@${opts.runtime ?? runtimeSpec(pkg)}` };
}

export function initCommand(dir: string | undefined, opts: InitOptions): void {
  const { dir: home, runtime } = initHome(dir ?? '.', opts);
  const rel = path.relative(process.cwd(), home);
  const where = rel.startsWith('..') ? home : rel;
  const cd = rel === '' ? '' : `  cd ${/[^\w./-]/.test(where) ? JSON.stringify(where) : where}\n`;
  process.stdout.write(
    `mi: a new home in ${home}, depending on ${runtime}\n` +
      'Next:\n' +
      cd +
      '  npm install            # this runtime, and TypeScript to check extensions/\n' +
      '  npm start              # serves http://localhost:8290 (HTTPS 8253, management API 9164)\n' +
      '  curl http://localhost:8290/hello/World?lang=fr\n' +
      "  curl -X POST http://localhost:8290/services/EchoProxy -H 'content-type: text/xml' -d '<ping/>'\n" +
      '  npx mi validate        # checks deployment.toml, the artifacts and the types of extensions/\n',
  );
}
