/**
 * The README and the pages of docs/: the README's table of contents lists its every ## section, docs/README.md
 * lists every page, and every relative link in any of them leads to a file and, with #anchor, to a heading.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const PAGES = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

const withoutCode = (text: string): string => text.replace(/```[\s\S]*?```/g, '');
const headingsOf = (text: string): Set<string> => new Set([...withoutCode(text).matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1]!)));

/** Relative links of a markdown file (outside code blocks), as [target file, anchor or undefined]. */
function linksOf(file: string): { to: string; hash: string | undefined; text: string }[] {
  const text = withoutCode(readFileSync(path.join(ROOT, file), 'utf8'));
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/.test(href))
    .map((href) => {
      const [target, hash] = href.split('#') as [string, string | undefined];
      return { to: target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target)), hash, text: href };
    });
}

describe('README and docs/', () => {
  it('the README lists every ## section in its table of contents', () => {
    const sections = [...withoutCode(README).matchAll(/^## (.+)$/gm)].map((m) => anchor(m[1]!));
    const contents = /^\*\*Contents:\*\*([\s\S]*?)\n\n/m.exec(README)?.[1];
    assert.ok(contents, 'a **Contents:** paragraph near the top');
    const links = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!);
    assert.deepEqual(sections.filter((a) => !links.includes(a)), [], 'sections missing from the contents');
  });

  it('the README and docs/README.md list every page of docs/', () => {
    const index = readFileSync(path.join(ROOT, 'docs/README.md'), 'utf8');
    for (const page of PAGES.filter((p) => p !== 'docs/README.md')) {
      assert.ok(README.includes(`](${page})`), `README links ${page}`);
      assert.ok(index.includes(`](${path.basename(page)})`), `docs/README.md links ${page}`);
    }
  });

  it('every relative link leads to a file, and every #anchor to a heading there', () => {
    const broken: string[] = [];
    for (const file of ['README.md', ...PAGES]) {
      for (const link of linksOf(file)) {
        if (!existsSync(path.join(ROOT, link.to))) broken.push(`${file}: ${link.text} (no such file)`);
        else if (link.hash !== undefined && link.to.endsWith('.md') && !headingsOf(readFileSync(path.join(ROOT, link.to), 'utf8')).has(link.hash)) {
          broken.push(`${file}: ${link.text} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, []);
  });
});
