/** `infermesh models import-triton <dir>`: a Triton model repository into the registry. */
import type { Command } from 'commander';
import { currentActor } from '../actor.js';
import { CliError } from '../cli-error.js';
import { integer } from '../parse-options.js';
import { configLines, modelLines, summaryLine, type ModelOutcome } from '../triton/import-report.js';
import { importRepository, planRepository } from '../triton/import-repository.js';
import { emit, say } from '../output.js';
import { withRegistry } from '../with-registry.js';

interface ImportTritonOptions {
  models?: string[];
  dryRun?: boolean;
  serve: boolean;
  strict?: boolean;
  waitTimeout: number;
}

/** `a,b`, collected over repeats. */
const nameList = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((name) => name.trim()).filter(Boolean)];

const HELP_AFTER = `
Each folder <dir>/<model> is a model; its numeric folders holding model.onnx
(or default_model_filename) are its versions. Every version is uploaded to the
registry with config.pbtxt mapped onto infermesh's model config. The newest
version Triton's version_policy serves becomes stable (through a canary at 0 %,
promoted once loaded, when the model already has a stable version).

Mapped: max_batch_size; dynamic_batching (preferred_batch_size,
  max_queue_delay_microseconds, default_queue_policy's max_queue_size and
  default_timeout_microseconds); instance_group (count: instances per runner;
  KIND_GPU on gpu N: device cuda:N, on several GPUs: device cuda with a replica
  per GPU, on none: device cuda; KIND_CPU: cpu; KIND_AUTO: any);
  optimization.graph.level (-1 basic, 1 extended, else all); the parameter
  intra_op_thread_count. input and output are checked against the signature
  the registry reads from each ONNX file, not stored. Every other field is
  listed with the reason it is ignored.

Each model ends:
  imported  registered, and serving unless --no-serve
  skipped   not something infermesh serves (a platform or backend other than
            onnxruntime, an ensemble, sequence batching), or its config.pbtxt
            names another model than its folder
  failed    config.pbtxt is not valid, no version can be imported, the registry
            refused a version, a signature differs from config.pbtxt (what the
            import registered of the model is retired, with the reason), or the
            served version did not load

Exit status: 0 when no model failed; 1 when one failed or the registry cannot
be reached; 2 with --strict when none failed but one was skipped.`;

/** Adds `import-triton` to the `models` command. */
export function importTritonCommand(models: Command): void {
  models
    .command('import-triton')
    .description("register a Triton model repository's ONNX models, with their config.pbtxt mapped onto infermesh's model config")
    .argument('<dir>', 'Triton model repository: <model>/config.pbtxt and <model>/<version>/model.onnx')
    .option('--models <names>', 'only these models (folder names, comma-separated)', nameList)
    .option('--dry-run', 'read and map every config.pbtxt and print the model config YAML; register nothing')
    .option('--no-serve', 'register the versions only, leaving every rollout as it is')
    .option('--wait-timeout <seconds>', 'how long to wait for a served version to load', integer(1), 300)
    .option('--strict', 'exit with status 2 when a model was skipped')
    .configureHelp({ showGlobalOptions: true })
    .addHelpText('after', HELP_AFTER)
    .action(async (dir: string, options: ImportTritonOptions, command: Command) => {
      const plans = await planRepository(dir, options.models);
      let outcomes: ModelOutcome[];
      if (options.dryRun) {
        for (const plan of plans) {
          for (const line of modelLines(plan, 'would import')) say(line);
          if (plan.outcome === 'import') for (const line of configLines(plan)) say(line);
        }
        outcomes = plans.map((plan) => ({ name: plan.name, outcome: plan.outcome === 'import' ? 'imported' : plan.outcome }));
        say(summaryLine(outcomes, 'to import'));
      } else {
        const by = { actor: currentActor(), reason: `imported from the Triton repository ${dir}` };
        outcomes = await withRegistry(command, (client) =>
          importRepository(client, plans, { serve: options.serve, waitTimeoutMs: options.waitTimeout * 1000, by, say }),
        );
        say(summaryLine(outcomes, 'imported'));
      }
      emit({ dry_run: options.dryRun === true, models: outcomes });
      const failed = outcomes.filter((o) => o.outcome === 'failed').map((o) => o.name);
      const skipped = outcomes.filter((o) => o.outcome === 'skipped').map((o) => o.name);
      if (failed.length > 0) throw new CliError(`${failed.length} of ${outcomes.length} models failed: ${failed.join(', ')} (reasons above)`);
      if (options.strict && skipped.length > 0) {
        process.stderr.write(`infermesh: ${skipped.length} of ${outcomes.length} models skipped (--strict): ${skipped.join(', ')}\n`);
        process.exitCode = 2;
      }
    });
}
