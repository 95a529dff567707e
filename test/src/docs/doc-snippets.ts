/**
 * The snippets the docs promise to work: a fenced code block right after a line
 * `<!-- checked -->` or `<!-- checked: prints "text" -->` in README.md or docs/*.md.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface DocSnippet {
  /** `README.md:42`: where the block starts. */
  where: string;
  /** The fence's language: sh, python, go, ts. */
  language: string;
  code: string;
  /** Text its output must contain, from `prints "..."` (JSON string syntax). */
  prints: string | undefined;
}

/** README.md and every docs/*.md, repository-relative. */
export function docFiles(): string[] {
  const docs = readdirSync(path.join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

const MARKER = /^<!-- checked(?::\s*prints\s+("(?:[^"\\]|\\.)*"))?\s*-->$/;

/** Every checked snippet of `file`; a marker not followed by a fenced block throws. */
export function checkedSnippets(file: string): DocSnippet[] {
  const lines = readFileSync(path.join(repoRoot, file), 'utf8').split('\n');
  const snippets: DocSnippet[] = [];
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line.trim());
    if (!marker) {
      // A line that starts like a marker must be one; prose may name the marker in backticks.
      if (line.trim().startsWith('<!-- checked')) throw new Error(`${file}:${index + 1}: malformed marker '${line.trim()}'`);
      return;
    }
    const fence = /^```(\w+)\s*$/.exec(lines[index + 1] ?? '');
    if (!fence) throw new Error(`${file}:${index + 1}: a checked marker must be followed by a fenced block with a language`);
    const end = lines.findIndex((candidate, at) => at > index + 1 && candidate.startsWith('```'));
    if (end < 0) throw new Error(`${file}:${index + 2}: unterminated code block`);
    snippets.push({
      where: `${file}:${index + 2}`,
      language: fence[1]!,
      code: lines.slice(index + 2, end).join('\n') + '\n',
      prints: marker[1] === undefined ? undefined : (JSON.parse(marker[1]) as string),
    });
  });
  return snippets;
}

/** Every `code span` and fenced block of `file` (what names commands). */
export function codeText(file: string): string[] {
  const text = readFileSync(path.join(repoRoot, file), 'utf8');
  const blocks = [...text.matchAll(/^```\w*\n([\s\S]*?)^```/gm)].map((match) => match[1]!);
  const withoutBlocks = text.replace(/^```\w*\n[\s\S]*?^```/gm, '');
  const spans = [...withoutBlocks.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
  return [...blocks, ...spans];
}
