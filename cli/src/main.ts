#!/usr/bin/env node
/** The `infermesh` command. */
import { Command, Option } from 'commander';
import { ConfigError, DEFAULT_CONFIG_FILE } from '@infermesh/common';
import { explain } from './cli-error.js';
import { examplesCommand } from './commands/examples.js';
import { modelsCommand } from './commands/models.js';
import { replayCommand } from './commands/replay.js';
import { rolloutCommand } from './commands/rollout.js';
import { sinkCommand } from './commands/sink.js';
import { statusCommand } from './commands/status.js';
import { addOutputOption, exitQuietlyOnClosedStdout, outputFormat } from './output.js';
import { LOG_FORMATS, up, type LogFormat } from './up.js';

exitQuietlyOnClosedStdout();

const program = new Command('infermesh')
  .description('gRPC model-serving mesh for ONNX models')
  .option('-c, --config <file>', 'mesh config file (the registry section gives its address)', DEFAULT_CONFIG_FILE)
  .option('--registry <host:port>', "the registry's address (default: INFERMESH_REGISTRY_ADDRESS, else the mesh config's registry section)")
  .option('--token-file <file>', 'file holding the bearer token sent to the registry (default: INFERMESH_TOKEN)')
  .showHelpAfterError('(add --help for usage)');
addOutputOption(program);

program
  .command('up')
  .description('write the example models, then run the local mesh (registry, runners and gateway) in the foreground; -c picks the mesh config')
  .addOption(new Option('--log-format <format>', "the services' log lines as pino's JSON or as short text (default: json with -o json, else pretty)").choices(LOG_FORMATS))
  .option('--access-log', "the gateway logs one line per call (gateway.accessLog)")
  .action((options: { logFormat?: LogFormat; accessLog?: boolean }, command: Command) =>
    up({
      config: command.optsWithGlobals<{ config: string }>().config,
      logFormat: options.logFormat ?? (outputFormat() === 'json' ? 'json' : 'pretty'),
      accessLog: options.accessLog === true,
    }),
  );

examplesCommand(program);
modelsCommand(program);
replayCommand(program);
rolloutCommand(program);
sinkCommand(program);
statusCommand(program);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`infermesh: ${explain(error, undefined)}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
