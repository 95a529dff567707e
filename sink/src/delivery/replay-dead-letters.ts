/**
 * `infermesh sink replay-dead-letters`: sends a destination's dead-lettered records to it
 * again, oldest file first, in batches of its `batch.maxRecords`. A file whose records were
 * all taken moves to `dead-letters/replayed/`; a failure stops the replay with the file left
 * in place, so running it again resends that file (duplicates where the destination does
 * not de-duplicate by record id).
 */
import { mkdir, readFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { DATA_DIR_MODE, type Logger, type SinkConfig } from '@infermesh/common';
import { createDestination } from '../destinations/create-destination.js';
import type { DeliveryItem } from '../destinations/Destination.js';
import type { SinkDocument } from '../record/record-document.js';
import { fsyncDir } from '../spool/fsync-dir.js';
import { DeadLetterFile, deadLetterFiles } from './DeadLetterFile.js';
import { describeError } from './DeliveryError.js';

/** What a replay did. */
export interface ReplayResult {
  files: number;
  records: number;
}

function itemsOf(file: string, text: string): DeliveryItem[] {
  return text.split('\n').flatMap((line, index) => {
    if (line.trim() === '') return [];
    let record: SinkDocument;
    try {
      record = (JSON.parse(line) as { record: SinkDocument }).record;
    } catch {
      throw new Error(`${file}:${index + 1} is not a dead-letter line (JSON with a "record")`);
    }
    if (typeof record?.id !== 'string') throw new Error(`${file}:${index + 1} holds no record with an id`);
    return [{ seq: 0, id: record.id, json: JSON.stringify(record), document: record }];
  });
}

/** Replays the dead letters of destination `name` of `config`; throws naming the file and how far it got when the destination fails. */
export async function replayDeadLetters(config: SinkConfig, name: string, logger: Logger): Promise<ReplayResult> {
  const destinationConfig = config.destinations.find((destination) => destination.name === name);
  if (!destinationConfig) {
    throw new Error(`no destination '${name}' in the sink's config (destinations: ${config.destinations.map((d) => d.name).join(', ') || 'none'})`);
  }
  const spoolDir = config.spool.dir;
  // The running sink appends to the current file only: set it aside and replay set-aside files.
  await new DeadLetterFile(spoolDir, name).setAsideCurrent();
  const current = new DeadLetterFile(spoolDir, name).file;
  const files = (await deadLetterFiles(spoolDir, name)).filter((file) => file !== current);
  const replayedDir = path.join(spoolDir, 'dead-letters', 'replayed');
  const destination = createDestination(destinationConfig, logger);
  const signal = new AbortController().signal;
  const result: ReplayResult = { files: 0, records: 0 };
  try {
    for (const file of files) {
      const items = itemsOf(file, await readFile(file, 'utf8'));
      const size = destinationConfig.batch.maxRecords;
      for (let first = 0; first < items.length; first += size) {
        try {
          await destination.deliver(items.slice(first, first + size), signal);
        } catch (error) {
          throw new Error(
            `${name} refused records ${first + 1}-${Math.min(first + size, items.length)} of ${file}: ${describeError(error)}; ` +
              `${result.records + first} records replayed so far; the file stays in place`,
            { cause: error },
          );
        }
      }
      await mkdir(replayedDir, { recursive: true, mode: DATA_DIR_MODE });
      await rename(file, path.join(replayedDir, path.basename(file)));
      await fsyncDir(replayedDir);
      await fsyncDir(path.dirname(file));
      result.files++;
      result.records += items.length;
    }
  } finally {
    await destination.close();
  }
  return result;
}
