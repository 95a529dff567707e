/**
 * A reading of the Dockerfile and .dockerignore good enough to check them without a Docker
 * engine: instructions by stage (line continuations joined, comments dropped, ARG defaults
 * substituted into FROM), COPY's flags, sources and destination, and .dockerignore matching.
 */

/** One instruction: its keyword (upper case) and the rest of its line. */
export interface Instruction {
  keyword: string;
  args: string;
}

/** One build stage: its base image (global ARG defaults substituted), its name and instructions. */
export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** A COPY instruction taken apart. */
export interface Copy {
  /** The stage it copies from; undefined for the build context. */
  from?: string;
  sources: string[];
  destination: string;
}

/** The Dockerfile's stages, in order. */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const globals = new Map<string, string>();
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: args.trim() };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ image: substitute(image, globals), ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name = '', value = ''] = instruction.args.split('=');
        globals.set(name, value);
      }
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

function substitute(value: string, variables: Map<string, string>): string {
  return value.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => variables.get(name) ?? whole);
}

/** The COPY instructions of a stage. */
export function copiesOf(stage: Stage): Copy[] {
  return stage.instructions
    .filter((instruction) => instruction.keyword === 'COPY')
    .map((instruction) => {
      const words = instruction.args.split(/\s+/);
      const flags = words.filter((word) => word.startsWith('--'));
      const paths = words.filter((word) => !word.startsWith('--'));
      const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
      return { ...(from ? { from } : {}), sources: paths.slice(0, -1), destination: paths.at(-1)! };
    });
}

/** The arguments of a stage's instructions with `keyword`. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
}

/** A .dockerignore pattern as a regular expression over a context-relative path. */
function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .split(/(\*\*\/|\*\*|\*|\?)/)
    .map((part) => {
      if (part === '**/') return '(?:.*/)?';
      if (part === '**') return '.*';
      if (part === '*') return '[^/]*';
      if (part === '?') return '[^/]';
      return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${body}$`);
}

/** Whether the build context leaves out `file` (a path relative to it) by the .dockerignore `text`. */
export function dockerIgnores(text: string, file: string): boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.startsWith('!') ? { keep: true, match: patternRegExp(line.slice(1)) } : { keep: false, match: patternRegExp(line) }));
  // A path is left out when it or a folder above it matches; the last matching rule wins.
  const prefixes = file.split('/').map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((prefix) => rule.match.test(prefix))) ignored = !rule.keep;
  }
  return ignored;
}
