/** The CLI's commands and options as its own `--help` lists them (commander's layout). */
import { execFileSync } from 'node:child_process';
import { mainScript } from '@infermesh/common';

export interface CommandHelp {
  subcommands: Set<string>;
  options: Set<string>;
}

const cli = mainScript('@infermesh/cli', 'main.js');

/** `infermesh <path> --help`, parsed; throws when the CLI does not know the command. */
export function commandHelp(commandPath: readonly string[]): CommandHelp {
  const text = execFileSync(process.execPath, [cli, ...commandPath, '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const section = (title: string) => {
    const start = text.indexOf(`\n${title}:\n`);
    if (start < 0) return [];
    const rest = text.slice(start + title.length + 3);
    const end = rest.search(/\n\S/);
    return (end < 0 ? rest : rest.slice(0, end)).split('\n');
  };
  const subcommands = new Set(section('Commands').flatMap((line) => /^ {2}([a-z][\w-]*)/.exec(line)?.[1] ?? []));
  subcommands.delete('help');
  const options = new Set(section('Options').flatMap((line) => [...line.matchAll(/(?:^|, )\s*(--?[\w-]+)/g)].map((match) => match[1]!)));
  return { subcommands, options };
}
