/** The example models of the local mesh, written into a model repository folder. */
import { EXAMPLE_MODEL_COUNT, writeExampleModels } from '@infermesh/common/onnx';
import { CliError } from './cli-error.js';

/**
 * Writes every example model into `repository` (`<model>/<version>/model.onnx`), keeping the
 * files already there, says how many it wrote and returns their paths.
 */
export async function writeExamples(repository: string, log: (line: string) => void): Promise<string[]> {
  let written: string[];
  try {
    written = await writeExampleModels(repository);
  } catch (error) {
    throw new CliError(`cannot write the example models to ${repository}: ${(error as Error).message}`);
  }
  const kept = EXAMPLE_MODEL_COUNT - written.length;
  log(`wrote ${written.length} example model(s) to ${repository}${kept > 0 ? ` (${kept} already present)` : ''}`);
  return written;
}
