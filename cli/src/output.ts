/**
 * What a command writes to stdout: `-o table` (the default) prints text for people; `-o json`
 * prints one JSON document (the shapes in format/json.ts), and every progress or hint line
 * goes to stderr instead so that stdout parses. A reader that closes the pipe early
 * (`infermesh models show x | head -1`) ends the command quietly.
 */
import { Option, type Command } from 'commander';

export const OUTPUT_FORMATS = ['table', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

let format: OutputFormat = 'table';

/** The global `-o, --output` option; its value is read before each command runs. */
export function addOutputOption(program: Command): void {
  program
    .addOption(new Option('-o, --output <format>', 'table (text for people) or json (one JSON document on stdout, for scripts)').choices(OUTPUT_FORMATS).default('table'))
    .hook('preAction', (_program, action) => {
      format = action.optsWithGlobals<{ output: OutputFormat }>().output;
    });
}

/** A command's own `--json` flag: the same as `-o json`. */
export function useJsonOutput(): void {
  format = 'json';
}

/** The format the running command was asked for. */
export const outputFormat = (): OutputFormat => format;

/** Writes one line meant for people: stdout with `-o table`, stderr with `-o json`. */
export function say(line = ''): void {
  (format === 'json' ? process.stderr : process.stdout).write(`${line}\n`);
}

/**
 * Writes a command's result: `value` as JSON with `-o json`, else the text `text` gives
 * (nothing without one: the command has said what it did line by line).
 */
export function emit(value: unknown, text?: () => string): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (text) process.stdout.write(`${text()}\n`);
}

/** Exits 0 when stdout's reader has gone away (EPIPE) instead of printing a stack. */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
