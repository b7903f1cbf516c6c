/** The README's table of contents lists every ## section, and every #link in it leads to a heading. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

describe('README', () => {
  it('lists every ## section in its table of contents, and every link there leads to a heading', () => {
    const body = README.replace(/```[\s\S]*?```/g, '');
    const sections = [...body.matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1]!));
    const headings = new Set([...body.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
    const contents = /^\*\*Contents:\*\*([\s\S]*?)\n\n/m.exec(README)?.[1];
    assert.ok(contents, 'a **Contents:** paragraph near the top');
    const links = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    assert.deepEqual(sections.filter((a) => !links.includes(a)), [], 'sections missing from the contents');
    assert.deepEqual(links.filter((a) => !headings.has(a)), [], 'links to no heading');
  });

  it('every #link leads to a heading', () => {
    const headings = new Set([...README.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));
    const broken = [...README.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!).filter((a) => !headings.has(a));
    assert.deepEqual(broken, []);
  });
});
