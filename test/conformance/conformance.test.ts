/**
 * Real Micro Integrator artifacts (test/conformance/artifacts, copied verbatim; see SOURCES.md): each file
 * either deploys, or is rejected with the precise error we intend. Each file is deployed on its own,
 * beside the corpus's named sequences, endpoints and local entries so its keys can resolve.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArtifactText, type ParsedFile } from '../../src/artifacts/loader.js';
import { link } from '../../src/artifacts/linker.js';
import { builtinArtifacts } from '../../src/artifacts/deployer.js';
import { MediatorRegistry } from '../../src/mediators/registry.js';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/conformance/artifacts');

/** Files we reject on purpose: code and why. Every other file must deploy with no error. */
export const REJECTED: Record<string, { code: string; why: RegExp }> = {
  'definitions/synapse_sample_5.xml': { code: 'MI_ART_015', why: /must be in the namespace http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/.*without a version attribute the fault is soap11/ },
  'proxy-services/SoapHeaderBlockTestProxy.xml': { code: 'MI_WSS_002', why: /policy 'gov:policy\/UTpolicy.xml' cannot be read/ },
  'sequences/main.xml': { code: 'MI_ART_009', why: /sequence 'switchFault' is not deployed/ },
  'sequences/switchFault.xml': { code: 'MI_ART_009', why: /sequence 'seq_timeout' is not deployed/ },
  'policies/UTpolicy.xml': { code: 'MI_ART_003', why: /<Policy> is not a deployable artifact/ },
  'policies/scenario1-policy.xml': { code: 'MI_ART_003', why: /<Policy> is not a deployable artifact/ },
  'handlers/synapse-handlers.xml': { code: 'MI_ART_003', why: /<handlers> is not a deployable artifact/ },
};

function files(): string[] {
  const out: string[] = [];
  for (const kind of readdirSync(DIR)) for (const f of readdirSync(path.join(DIR, kind))) if (f.endsWith('.xml')) out.push(`${kind}/${f}`);
  return out.sort();
}

describe('conformance: Micro Integrator artifacts', () => {
  const registry = new MediatorRegistry();
  const parse = (rel: string): ParsedFile => parseArtifactText(rel, readFileSync(path.join(DIR, rel), 'utf8'), registry);
  const library = files()
    .filter((f) => /^(sequences|endpoints|local-entries|templates)\//.test(f))
    .map(parse);
  const builtins = builtinArtifacts(registry);

  for (const rel of files()) {
    it(`${rel} ${REJECTED[rel] ? `is rejected with ${REJECTED[rel]!.code}` : 'deploys'}`, () => {
      const own = parse(rel);
      const others = library.filter((l) => l.file !== rel);
      const result = link([own, ...others.map((o) => ({ ...o, diagnostics: [] }))], builtins);
      const errors = [...own.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error' && d.file === rel);
      const expected = REJECTED[rel];
      if (expected) {
        assert.ok(
          errors.some((e) => e.code === expected.code && expected.why.test(e.message)),
          `expected ${expected.code} matching ${expected.why}, got:\n${errors.map((e) => `${e.line}:${e.col} ${e.code} ${e.message}`).join('\n') || '(no error)'}`,
        );
        for (const e of errors) assert.ok(e.line > 0, 'errors point at a line');
      } else {
        assert.deepEqual(errors.map((e) => `${e.line}:${e.col} ${e.code} ${e.message}`), []);
        const names = own.artifacts.map((a) => `${a.artifact.kind}:${a.artifact.name}`);
        assert.ok(names.length > 0, 'the file defines at least one artifact');
        const deployed = new Set(result.deployed.map((a) => `${a.kind}:${a.name}`));
        for (const n of names) assert.ok(deployed.has(n), `${n} is deployed`);
      }
    });
  }
});
