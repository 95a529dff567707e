/** Every relative link in README.md and docs/*.md reaches a file, and its #anchor a heading or an id there. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { docFiles, repoRoot } from './doc-snippets.js';

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const headings = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => slug(match[1]!.replace(/`/g, '')));
  const ids = [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((match) => match[1]!);
  return new Set([...headings, ...ids]);
}

describe('links in the docs', () => {
  it('the check itself slugs headings as GitHub does', () => {
    expect(slug('Sink: prediction records to data destinations')).toBe('sink-prediction-records-to-data-destinations');
    expect(slug('Go (grpc-go)')).toBe('go-grpc-go');
  });

  for (const file of docFiles()) {
    it(`${file}: every relative link and anchor exists`, () => {
      const text = readFileSync(path.join(repoRoot, file), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      const broken = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!)
        .filter((target) => !/^[a-z]+:/.test(target))
        .filter((target) => {
          const [relative, anchor] = target.split('#') as [string, string | undefined];
          const resolved = relative === '' ? path.join(repoRoot, file) : path.resolve(path.dirname(path.join(repoRoot, file)), relative);
          if (!existsSync(resolved)) return true;
          return anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor);
        });
      expect(broken).toEqual([]);
    });
  }
});
