/**
 * The compiled receiver-main.js: beside this module when it runs compiled (the suites), in
 * test/dist when a vitest test runs it from test/src (the package is built before its tests).
 */
function receiverScript(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = here.replace(`${path.sep}test${path.sep}src${path.sep}`, `${path.sep}test${path.sep}dist${path.sep}`);
  return path.join(compiled, 'receiver-main.js');
}

/**
 * The fault suite's handle on its receiver process (receiver-main.ts): started before the
 * mesh so that the sink's http destination points at it, killed and started again on the
 * same port by the destination fault.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const START_TIMEOUT_MS = 30_000;

export class Receiver {
  private child: ChildProcess | undefined;

  /** `file` gets one received request id per line, across restarts. */
  constructor(
    readonly port: number,
    readonly file: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/events`;
  }

  /** The pid of the running receiver, if one runs. */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Starts the process and waits until it listens. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [receiverScript(), String(this.port), this.file], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the receiver did not listen on ${this.port} within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line !== 'listening') return;
        clearTimeout(timer);
        resolve();
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`the receiver exited (${code ?? signal}) before it listened`));
      });
    });
  }

  /** SIGKILLs the process (the given signal otherwise) and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }
}
