/** `infermesh sink replay-dead-letters <destination>`: sends a destination's dead-lettered records to it again. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Command } from 'commander';
import { mainScript } from '@infermesh/common';
import { outputFormat } from '../output.js';

export function sinkCommand(program: Command): void {
  const sink = program.command('sink').description("the sink's spool and dead letters (reads the mesh config given by -c)");
  sink
    .command('replay-dead-letters <destination>')
    .description("send a destination's dead-lettered records to it again, oldest first; replayed files move to <spool>/dead-letters/replayed/")
    .action(async (destination: string, _options: unknown, command: Command) => {
      const config = path.resolve(command.optsWithGlobals<{ config: string }>().config);
      // The sink's own script does the work: the CLI does not import the sink.
      const child = spawn(process.execPath, [mainScript('@infermesh/sink', 'replay-main.js'), destination], {
        stdio: 'inherit',
        env: { ...process.env, INFERMESH_CONFIG: config, INFERMESH_OUTPUT: outputFormat() },
      });
      const code = await new Promise<number>((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
      process.exitCode = code;
    });
}
