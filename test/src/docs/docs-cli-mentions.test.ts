/**
 * Every `infermesh ...` command the docs name exists, with the options they give it, and every
 * `npm run <script>` they name is in package.json: the reference cannot drift from the CLI.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocations, problem } from './cli-mentions.js';
import { codeText, docFiles, repoRoot } from './doc-snippets.js';

describe('commands named in the docs', () => {
  it('the check itself finds a command or an option that does not exist', () => {
    expect(invocations('run `npx infermesh rollout set mlp --weight 5` now')).toEqual([['rollout', 'set', 'mlp', '--weight', '5']]);
    expect(problem(['rollout', 'set', 'mlp', '--weight', '5'])).toBeUndefined();
    expect(problem(['rollout', 'set', 'mlp', '--wieght', '5'])).toMatch(/--wieght is not an option of 'infermesh rollout set'/);
    expect(problem(['models', 'delete', 'mlp'])).toMatch(/'infermesh models delete' is not a command/);
  }, 120_000);

  for (const file of docFiles()) {
    it(`${file}: every infermesh command and option exists`, () => {
      const problems = codeText(file)
        .flatMap(invocations)
        .filter((words) => words.length > 0 && !words[0]!.startsWith('<'))
        .flatMap((words) => {
          const found = problem(words);
          return found ? [`infermesh ${words.join(' ')}: ${found}`] : [];
        });
      expect(problems).toEqual([]);
    }, 120_000);
  }

  it('every `npm run <script>` named in the docs is a script of package.json', () => {
    const scripts = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const named = docFiles().flatMap((file) => [...readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/npm run ([\w:-]+)/g)].map((match) => `${file}: ${match[1]}`));
    expect(named.length).toBeGreaterThan(3);
    expect(named.filter((entry) => !(entry.split(': ')[1]! in scripts))).toEqual([]);
  });
});
