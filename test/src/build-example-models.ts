/**
 * CLI: writes the example ONNX models into a model repository.
 *
 *   node test/dist/build-example-models.js [repoDir]
 *
 * Default repoDir: `$INFERMESH_DATA_DIR/models` when that variable is set,
 * otherwise `.infermesh/models`, both resolved against the current directory.
 */
import path from 'node:path';
import { readEnvironment } from '@infermesh/common';
import { EXAMPLE_MODEL_COUNT, writeExampleModels } from './models/index.js';

function defaultRepoDir(): string {
  const { dataDir } = readEnvironment();
  return dataDir ? path.resolve(dataDir, 'models') : path.resolve('.infermesh', 'models');
}

const arg = process.argv[2];
if (arg?.startsWith('-') || process.argv.length > 3) {
  console.error('usage: node test/dist/build-example-models.js [repoDir]');
  process.exit(2);
}
const repoDir = path.resolve(arg ?? defaultRepoDir());
try {
  const written = await writeExampleModels(repoDir);
  const kept = EXAMPLE_MODEL_COUNT - written.length;
  console.log(`wrote ${written.length} example model(s) to ${repoDir}${kept > 0 ? ` (${kept} already present)` : ''}`);
} catch (err) {
  console.error(`build-example-models: failed to write models to ${repoDir}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
