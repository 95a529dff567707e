/**
 * `node sink/dist/replay-main.js <destination>`: what `infermesh sink replay-dead-letters`
 * runs (the CLI does not import the sink's code), with the mesh config of INFERMESH_CONFIG.
 * With INFERMESH_OUTPUT=json (the CLI's `-o json`) it prints its result as one JSON object.
 */
import { createLogger, loadConfigOrExit } from '@infermesh/common';
import { replayDeadLetters } from './delivery/replay-dead-letters.js';

const destination = process.argv[2];
if (!destination) {
  process.stderr.write('usage: infermesh sink replay-dead-letters <destination>\n');
  process.exit(2);
}
const config = loadConfigOrExit();
try {
  const result = await replayDeadLetters(config.sink, destination, createLogger('sink', 'warn'));
  process.stdout.write(
    process.env.INFERMESH_OUTPUT === 'json'
      ? `${JSON.stringify({ destination, files: result.files, records: result.records }, null, 2)}\n`
      : result.files === 0
      ? `no dead letters of ${destination} to replay\n`
      : `replayed ${result.records} records from ${result.files} dead-letter file${result.files === 1 ? '' : 's'} to ${destination}\n`,
  );
} catch (error) {
  // The messages name the destination, the file and how far the replay got.
  process.stderr.write(`infermesh: sink replay-dead-letters: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
