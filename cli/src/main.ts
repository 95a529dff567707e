#!/usr/bin/env node
/** The `infermesh` command. */
import { Command } from 'commander';
import { ConfigError } from '@infermesh/common';
import { up } from './up.js';

const program = new Command('infermesh').description('gRPC model-serving mesh for ONNX models');

program
  .command('up')
  .description('run the local mesh (runners and gateway) in the foreground')
  .option('-c, --config <file>', 'mesh config file', 'deploy/local/infermesh.yaml')
  .action((options: { config: string }) => up(options));

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`infermesh: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
