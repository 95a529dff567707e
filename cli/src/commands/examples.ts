/** `infermesh examples [dir]`: writes the example models, by default into the mesh's <dataDir>/models. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, readEnvironment } from '@infermesh/common';
import { emit, say } from '../output.js';
import { writeExamples } from '../write-examples.js';

/** `<dataDir>/models` of the mesh config; without the file, INFERMESH_DATA_DIR or `.infermesh`. */
function defaultRepository(configFile: string): string {
  const env = readEnvironment();
  const dataDir = existsSync(configFile) ? loadConfig(configFile, env).mesh.dataDir : (env.dataDir ?? '.infermesh');
  return path.join(dataDir, 'models');
}

export function examplesCommand(program: Command): void {
  program
    .command('examples [dir]')
    .description('write the example models (simple, mlp v1 and v2, heavy, strings) into a model repository; default <dataDir>/models')
    .action(async (dir: string | undefined, _options: unknown, command: Command) => {
      const repository = path.resolve(dir ?? defaultRepository(command.optsWithGlobals<{ config: string }>().config));
      const written = await writeExamples(repository, say);
      emit({ directory: repository, written });
    });
}
