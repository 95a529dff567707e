/**
 * Every snippet the docs mark `<!-- checked -->` runs against the mesh of `npm start` (`infermesh
 * up` on free ports), in document order, and prints what its marker says: the quickstart's
 * commands, and calls from Python, Go, TypeScript and curl.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePythonStubs, goToolchainAvailable, goWorkspace, pythonToolchainAvailable } from '@infermesh/testkit';
import { startLocalMesh, type LocalMesh } from '../faults/local-mesh.js';
import { checkedSnippets, docFiles, type DocSnippet } from './doc-snippets.js';
import { runSnippet, snippetWorkDir, type SnippetTarget } from './run-snippet.js';

const snippets: DocSnippet[] = docFiles().flatMap(checkedSnippets);
const needs: Record<string, () => boolean> = { python: pythonToolchainAvailable, go: goToolchainAvailable };
const available = Object.fromEntries(Object.entries(needs).map(([language, check]) => [language, snippets.some((s) => s.language === language) ? check() : false]));
const runnable = (snippet: DocSnippet) => available[snippet.language] ?? true;

let mesh: LocalMesh | undefined;
let target: SnippetTarget | undefined;

beforeAll(async () => {
  mesh = await startLocalMesh();
  target = {
    addresses: { gateway: mesh.gateway, gatewayHttp: mesh.gatewayHttp, registry: mesh.registry },
    python: available.python ? await compilePythonStubs() : undefined,
    go: available.go ? await goWorkspace() : undefined,
    workDir: await snippetWorkDir(),
  };
  // Shell snippets run where a reader runs them, beside npm start's config: here the test mesh's.
  const configDir = path.join(target.workDir, 'deploy', 'local');
  await mkdir(configDir, { recursive: true });
  await copyFile(mesh.configFile, path.join(configDir, 'infermesh.yaml'));
}, 400_000);

afterAll(async () => {
  await mesh?.stop();
  await target?.python?.remove();
  await target?.go?.remove();
  if (target) await rm(target.workDir, { recursive: true, force: true });
}, 120_000);

describe('snippets the docs mark as checked', () => {
  it('the README has its quickstart and a call in each language', () => {
    const readme = snippets.filter((snippet) => snippet.where.startsWith('README.md'));
    expect(readme.map((snippet) => snippet.language).sort()).toEqual(['go', 'python', 'sh', 'sh', 'sh', 'sh', 'ts', 'ts']);
  });

  for (const snippet of snippets) {
    it.skipIf(!runnable(snippet))(`${snippet.where} (${snippet.language}) runs${snippet.prints ? ` and prints ${JSON.stringify(snippet.prints)}` : ''}`, async () => {
      const stdout = await runSnippet(snippet, target!);
      if (snippet.prints !== undefined) expect(stdout).toContain(snippet.prints);
    }, 400_000);
  }
});
