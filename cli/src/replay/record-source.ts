/**
 * Where replay reads recorded calls: a jsonl file, a folder of them (a jsonl destination's
 * files, oldest first by name), or a sink destination of the mesh config, which the sink's
 * own script reads back (the CLI does not import the sink).
 */
import { spawn } from 'node:child_process';
import { createReadStream, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { mainScript } from '@infermesh/common';
import { CliError } from '../cli-error.js';

/** One line of a source and where it is, for messages. */
export interface SourceLine {
  text: string;
  where: string;
}

/** Longest record line read; a longer one is refused rather than parsed. */
export const MAX_RECORD_LINE_CHARS = 64 * 1024 * 1024;

/** A source of lines that can be stopped early (replay --limit). */
export interface RecordSource {
  /** What it is, for the report. */
  name: string;
  lines: AsyncIterable<SourceLine>;
  /** Stops reading; for a destination, reports how the sink's script ended. */
  close(): Promise<void>;
}

async function* linesOf(input: Readable, label: string): AsyncIterable<SourceLine> {
  let number = 0;
  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    number++;
    if (text.length > MAX_RECORD_LINE_CHARS) throw new CliError(`${label} line ${number}: over ${MAX_RECORD_LINE_CHARS} characters, not a record`);
    if (text.trim() !== '') yield { text, where: `${label} line ${number}` };
  }
}

async function* filesOf(files: readonly string[]): AsyncIterable<SourceLine> {
  for (const file of files) yield* linesOf(createReadStream(file, 'utf8'), file);
}

/** The jsonl files of a folder, sorted by name (a jsonl destination numbers its files). */
async function jsonlFiles(dir: string): Promise<string[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.jsonl')).sort();
  if (files.length === 0) throw new CliError(`--from ${dir}: the folder holds no .jsonl files`);
  return files.map((name) => path.join(dir, name));
}

/** Records of a destination of the mesh config `config`, from the sink's script. */
function destinationSource(destination: string, model: string, sinceMs: number, config: string): RecordSource {
  const child = spawn(process.execPath, [mainScript('@infermesh/sink', 'export-records-main.js'), destination, model, String(sinceMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, INFERMESH_CONFIG: config },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4096)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopped = false;
  const failure = async (): Promise<void> => {
    const code = await exited;
    if (!stopped && code !== 0) {
      throw new CliError(`--from ${destination}: it is no file, and the sink could not read it as a destination of ${config}: ${stderr.trim() || `exit ${code}`}`);
    }
  };
  async function* lines(): AsyncIterable<SourceLine> {
    yield* linesOf(child.stdout, `destination ${destination}`);
    await failure();
  }
  return {
    name: `destination ${destination}`,
    lines: lines(),
    async close() {
      if (child.exitCode === null) {
        stopped = true;
        child.kill();
      }
      await exited;
    },
  };
}

/**
 * The source `from` names: an existing file or folder, else a destination of the mesh config;
 * `model` and `sinceMs` let a database destination select rows itself.
 */
export async function openRecordSource(from: string, model: string, sinceMs: number, config: string): Promise<RecordSource> {
  let isDirectory: boolean | undefined;
  try {
    isDirectory = statSync(from).isDirectory();
  } catch {
    // Not a path: a destination name.
  }
  if (isDirectory === undefined) return destinationSource(from, model, sinceMs, path.resolve(config));
  const files = isDirectory ? await jsonlFiles(from) : [from];
  return { name: from, lines: filesOf(files), close: async () => undefined };
}
