/**
 * Starts a service's main script as a child process and waits for its `listening` log line.
 * The local launcher, the end-to-end tests and the benchmarks all start services this way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EXIT_WITH_PARENT_VARIABLE } from '../config/env.js';

/**
 * A compiled script of an infermesh workspace package (its main.js unless named), found
 * through the package's entry point.
 */
export function mainScript(packageName: string, script = 'main.js'): string {
  return join(dirname(fileURLToPath(import.meta.resolve(packageName))), script);
}

/**
 * V8 heap settings for the gateway process. Its live heap is small (~22 MB under load: no
 * tensor is decoded there, and message bytes live outside the heap), but with V8's defaults
 * on a large machine its heap grows to 90+ MB of garbage between collections: 16 MiB
 * semi-spaces, and an old generation sized from physical memory. A 2 MiB semi-space, an
 * explicit old-generation bound (far above the live heap, so never the limit) and two V8
 * helper threads instead of four (fewer threads, fewer malloc arenas) keep its RSS under
 * 100 MB at c=64 (`npm run bench`). The semi-space is a trade: at c=64 the calls in flight
 * outlive a small one's scavenges and are promoted. Against 1 MiB and four helpers, these
 * took ~7 % off the gateway's CPU per call at a like peak RSS; a 4 MiB semi-space
 * took 10–20 % off but peaked at 102 MB (docs/performance.md, seventh session). The image's
 * default command and the Kubernetes gateway start it with these flags too (their tests
 * hold them equal).
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--max-old-space-size=512', '--v8-pool-size=2'];

/** How to start one service process. */
export interface SpawnOptions {
  /** Label for messages, e.g. runner/cpu-0. */
  name: string;
  /** Path of the compiled main script. */
  script: string;
  /** Flags for node itself, before the script (e.g. {@link GATEWAY_NODE_FLAGS}). */
  nodeFlags?: readonly string[];
  /** Environment added to the parent's. */
  env?: Record<string, string>;
  /** Every stdout/stderr line, as printed by the child. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Give up waiting for `listening` after this long. */
  startTimeoutMs?: number;
  cwd?: string;
}

/** A running child service. */
export interface SpawnedService {
  name: string;
  child: ChildProcess;
  /** host:port from its `listening` line. */
  address: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A JSON log line's fields, or undefined for any other line. */
function logRecord(line: string): { msg?: unknown; address?: unknown; level?: unknown } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as { msg?: unknown; address?: unknown; level?: unknown };
  } catch {
    return undefined;
  }
}

/** The message a gateway logs, with its `address`, once its status page, metrics and REST API listen. */
export const GATEWAY_HTTP_LISTENING = 'status page, metrics and the REST API (/v2) listening';

/** The `address` of a service's JSON log line whose message is `msg`; undefined for any other line. */
export function loggedAddress(line: string, msg: string): string | undefined {
  const record = logRecord(line);
  return record?.msg === msg && typeof record.address === 'string' ? record.address : undefined;
}

const listeningAddress = (line: string) => loggedAddress(line, 'listening');

/** pino's level number of `fatal`. */
const FATAL_LEVEL = 60;

/** Why a child that exited before `listening` failed: its last fatal log message, else its last lines. */
function exitReason(recent: readonly string[]): string {
  for (const line of [...recent].reverse()) {
    const record = logRecord(line);
    if (record?.level === FATAL_LEVEL && typeof record.msg === 'string') return record.msg;
  }
  return `\n${recent.join('\n')}`;
}

/**
 * Starts the child and resolves once it logs `listening`; rejects as soon as it exits before
 * that, with its fatal line as the reason. Its stdin is a pipe that is never written: the
 * child's `runService` stops it when the pipe closes, so it does not outlive this process.
 */
export function spawnService(options: SpawnOptions): Promise<SpawnedService> {
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.script], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, [EXIT_WITH_PARENT_VARIABLE]: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Never written; a child that is gone must not make it throw.
  child.stdin!.on('error', () => {});
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)),
  );
  const recent: string[] = [];
  let onListening: ((address: string) => void) | undefined;
  const watch = (stream: NodeJS.ReadableStream, kind: 'stdout' | 'stderr') => {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onLine?.(line, kind);
      const address = kind === 'stdout' ? listeningAddress(line) : undefined;
      if (address) onListening?.(address);
    });
  };
  watch(child.stdout!, 'stdout');
  watch(child.stderr!, 'stderr');

  const stop = async (graceMs = 10_000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<SpawnedService>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1_000);
      reject(new Error(`${options.name} did not start within ${options.startTimeoutMs ?? 60_000} ms:\n${recent.join('\n')}`));
    }, options.startTimeoutMs ?? 60_000);
    onListening = (address) => {
      clearTimeout(timer);
      onListening = undefined;
      resolve({ name: options.name, child, address, exited, stop });
    };
    // 'close', after 'exit': by then every line it printed, its fatal one included, has been read.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (onListening) reject(new Error(`${options.name} exited (${code ?? signal}) before listening: ${exitReason(recent)}`));
    });
  });
}
