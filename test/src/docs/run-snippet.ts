/**
 * Runs a doc snippet as its reader would, against a mesh on other ports than the docs name:
 * sh in bash (`npx infermesh` is this checkout's CLI), python with Debian's python3 and stubs
 * compiled from the protos, go with Debian's Go toolchain, ts transpiled and run by node.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { mainScript } from '@infermesh/common';
import type { GoWorkspace, PythonStubs } from '@infermesh/testkit';
import { repoRoot, type DocSnippet } from './doc-snippets.js';

const execFileAsync = promisify(execFile);
const TIMEOUT_MS = 240_000;

/** Where the snippets run: the mesh's addresses and the toolchains, built once. */
export interface SnippetTarget {
  /** The docs' fixed addresses (gateway 8001, its HTTP port 8002, registry 8003) to the mesh's. */
  addresses: { gateway: string; gatewayHttp: string; registry: string };
  python: PythonStubs | undefined;
  go: GoWorkspace | undefined;
  /** A scratch folder the shell snippets run in. */
  workDir: string;
}

/** The snippet with the docs' local-mesh addresses replaced by the target's. */
export function retarget(code: string, addresses: SnippetTarget['addresses']): string {
  const byPort: Record<string, string> = { '8001': addresses.gateway, '8002': addresses.gatewayHttp, '8003': addresses.registry };
  return code.replace(/(?:localhost|127\.0\.0\.1):(800[123])\b/g, (_match, port: string) => byPort[port]!);
}

/** Runs `snippet`; resolves with its stdout, rejects with its stderr when it fails. */
export async function runSnippet(snippet: DocSnippet, target: SnippetTarget): Promise<string> {
  const code = retarget(snippet.code, target.addresses);
  switch (snippet.language) {
    case 'sh':
      return runShell(code, target);
    case 'python': {
      if (!target.python) throw new Error('no Python toolchain');
      const { stdout } = await execFileAsync('/usr/bin/python3', ['-c', code], {
        cwd: target.python.dir,
        timeout: TIMEOUT_MS,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: target.python.dir },
      });
      return stdout;
    }
    case 'go':
      if (!target.go) throw new Error('no Go toolchain');
      return target.go.run(code, TIMEOUT_MS);
    case 'ts':
      return runTypeScript(code, snippet);
    default:
      throw new Error(`${snippet.where}: no way to run a '${snippet.language}' block`);
  }
}

/** bash -euo pipefail, with `npx infermesh` and `infermesh` running this checkout's CLI against the target's registry. */
async function runShell(code: string, target: SnippetTarget): Promise<string> {
  const bin = path.join(target.workDir, '.bin');
  await mkdir(bin, { recursive: true });
  const cli = path.join(bin, 'infermesh');
  await writeFile(cli, `#!/bin/sh\nexec "${process.execPath}" "${mainScript('@infermesh/cli', 'main.js')}" "$@"\n`, { mode: 0o755 });
  const prelude = 'npx() { if [ "$1" = infermesh ]; then shift; infermesh "$@"; else command npx "$@"; fi; }\n';
  const { stdout } = await execFileAsync('bash', ['-euo', 'pipefail', '-c', prelude + code], {
    cwd: target.workDir,
    timeout: TIMEOUT_MS,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, INFERMESH_REGISTRY_ADDRESS: target.addresses.registry, NO_COLOR: '1' },
  });
  return stdout;
}

/** Transpiled to an ES module inside test/dist, so that `@infermesh/*` imports resolve as in this repository. */
async function runTypeScript(code: string, snippet: DocSnippet): Promise<string> {
  const { outputText } = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: 'snippet.ts' });
  const dir = await mkdtemp(path.join(repoRoot, 'test', 'dist', 'doc-snippet-'));
  try {
    const file = path.join(dir, 'snippet.mjs');
    await writeFile(file, outputText);
    const { stdout } = await execFileAsync(process.execPath, [file], { cwd: repoRoot, timeout: TIMEOUT_MS });
    return stdout;
  } catch (error) {
    throw new Error(`${snippet.where}: ${(error as Error).message}`, { cause: error });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A scratch folder for shell snippets. */
export const snippetWorkDir = () => mkdtemp(path.join(tmpdir(), 'infermesh-doc-snippets-'));
