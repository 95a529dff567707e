/**
 * `node sink/dist/export-records-main.js <destination> <model> [sinceMs]`: what
 * `infermesh replay --from <destination>` runs (the CLI does not import the sink's code), with
 * the mesh config of INFERMESH_CONFIG. Writes the destination's prediction records to stdout,
 * one JSON document a line, oldest first.
 */
import { once } from 'node:events';
import { loadConfigOrExit } from '@infermesh/common';
import { destinationNamed, exportRecords } from './export/export-records.js';

const [destination, model, since = '0'] = process.argv.slice(2);
if (!destination || !model) {
  process.stderr.write('usage: export-records-main <destination> <model> [sinceMs]\n');
  process.exit(2);
}
const config = loadConfigOrExit();
// A reader that stops early (replay --limit) closes the pipe: stop quietly.
process.stdout.on('error', () => process.exit(0));
try {
  for await (const line of exportRecords(destinationNamed(config.sink, destination), { model, sinceMs: Number(since) || 0 })) {
    if (!process.stdout.write(`${line}\n`)) await once(process.stdout, 'drain');
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
