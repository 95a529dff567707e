/** Runs the `infermesh` command as a child process, as a user would, and collects what it printed. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The bin npm links for the cli workspace: what `npx infermesh` runs. */
export const INFERMESH_BIN = fileURLToPath(new URL('../../../node_modules/.bin/infermesh', import.meta.url));

/** How a run ended and what it printed. */
export interface InfermeshRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `infermesh ...args` with `env` as its whole environment (default this process's), for at most `timeoutMs`. */
export function runInfermesh(args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<InfermeshRun> {
  return new Promise((resolve) => {
    execFile(INFERMESH_BIN, args, { env: options.env ?? process.env, timeout: options.timeoutMs ?? 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
