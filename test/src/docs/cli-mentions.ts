/**
 * Reads `infermesh ...` invocations out of doc text and checks each against the CLI's own
 * help: the command path must exist and every option must be one of its own or a global one.
 */
import { commandHelp, type CommandHelp } from './cli-help.js';

const helpCache = new Map<string, CommandHelp>();
const helpOf = (commandPath: string[]) => {
  const key = commandPath.join(' ');
  if (!helpCache.has(key)) helpCache.set(key, commandHelp(commandPath));
  return helpCache.get(key)!;
};
const globalOptions = () => helpOf([]).options;

/** Each `infermesh` invocation in `text`: the words after it, up to the end of the command. */
export function invocations(text: string): string[][] {
  const found: string[][] = [];
  const joined = text.replace(/\\\n\s*/g, ' ');
  for (const match of joined.matchAll(/(?:^|[\s(`$;|&])(?:npx |node_modules\/\.bin\/)?infermesh((?: +[^\s#|;&)`]+)*)/gm)) {
    found.push(match[1]!.trim().split(/ +/).filter(Boolean));
  }
  return found;
}

/**
 * What is wrong with one invocation, or undefined. Words are read until something that is no
 * command, option or argument (`-`, `word:`): the rest is prose or output around the command.
 */
export function problem(words: string[]): string | undefined {
  const commandPath: string[] = [];
  let help = helpOf([]);
  for (const word of words) {
    if (word === '-' || word.endsWith(':') || word.startsWith('#')) break;
    if (/^--?[a-zA-Z]/.test(word)) {
      const option = word.split('=')[0]!;
      if (!globalOptions().has(option) && !help.options.has(option)) return `option ${option} is not an option of 'infermesh ${commandPath.join(' ')}'`;
      continue;
    }
    if (help.subcommands.size === 0) continue; // an argument
    if (!/^[a-z][\w-]*$/.test(word)) break;
    if (!help.subcommands.has(word)) return `'infermesh ${[...commandPath, word].join(' ')}' is not a command`;
    commandPath.push(word);
    help = helpOf(commandPath);
  }
  return undefined;
}
