/**
 * package.json says what the package is: a published tarball holds only what runs (`files`), every module
 * src/ imports is a production dependency and every production dependency is imported, and `engines` is
 * the real minimum: its lowest version meets every direct dependency's range, and is the highest of their floors.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import semver from 'semver';
import { ROOT } from './helpers/process.js';

interface Pkg {
  name: string;
  files?: string[];
  engines?: { node?: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Pkg;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** The package a specifier names (`@scope/name/sub` -> `@scope/name`), or undefined for relative and node: ones. */
function packageOf(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec)) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

describe('package.json', function () {
  this.timeout(60_000);

  it('publishes only what runs: the compiled runtime, the command, the log4j2.properties `mi init` copies, and the documentation', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    const stray = files.filter((f) => !/^(dist\/src\/|bin\/|docs\/[\w-]+\.md$)/.test(f) && !/^(package\.json|README\.md|LICENSE.*|deployment\/log4j2\.properties)$/.test(f));
    assert.deepEqual(stray, []);
    for (const f of ['bin/mi.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/main.js', 'dist/src/cli/main.js', 'docs/README.md', 'docs/error-codes.md']) assert.ok(files.includes(f), f);
  });

  it('imports in src/ only production dependencies, and every production dependency is imported', () => {
    const used = new Set<string>();
    for (const f of sourceFiles(path.join(ROOT, 'src'))) {
      const text = readFileSync(f, 'utf8');
      const specs = [
        ...text.matchAll(/^\s*(?:import|export)\b(?!\s+type\b)[^;'`]*?\bfrom\s+'([^']+)'/gm), // a type-only import loads nothing
        ...text.matchAll(/^\s*import\s+'([^']+)'/gm),
        ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
        ...text.matchAll(/\brequire(?:\.resolve)?\(\s*'([^']+)'/g),
        ...text.matchAll(/\bcreateRequire\([^)]*\)\(\s*'([^']+)'/g),
      ].map((m) => m[1]!);
      for (const spec of specs) {
        const p = packageOf(spec);
        // the package's own name appears in the sample handler `mi init` writes (src/cli/init-files.ts)
        if (p && p !== pkg.name) {
          used.add(p);
          assert.ok(p in pkg.dependencies, `${path.relative(ROOT, f)} imports ${p}, which is not in dependencies`);
        }
      }
    }
    const unused = Object.keys(pkg.dependencies).filter((d) => !used.has(d));
    assert.deepEqual(unused, [], 'dependencies nothing in src/ imports');
  });

  it('engines.node is the real minimum of the direct dependencies, and this Node.js meets it', () => {
    const ours = pkg.engines?.node;
    assert.ok(ours && semver.validRange(ours), 'engines.node is a range');
    let highest = '0.0.0';
    for (const dep of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
      const theirs = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', dep, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node;
      if (!theirs || !semver.validRange(theirs)) continue;
      assert.ok(semver.satisfies(semver.minVersion(ours)!, theirs), `${dep} needs Node.js ${theirs}; engines.node ${ours} allows less`);
      const floor = semver.minVersion(theirs)!.version;
      if (semver.gt(floor, highest)) highest = floor;
    }
    assert.equal(semver.minVersion(ours)!.version, highest, 'no higher than the dependencies need');
    assert.ok(semver.satisfies(process.versions.node, ours), `Node.js ${process.versions.node} is below ${ours}`);
  });
});
