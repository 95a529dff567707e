/**
 * A destination's dead-letter file (`<spool>/dead-letters/<destination>.jsonl`): batches it
 * failed to take after every attempt, one line per record with the reason, fsynced.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { DeliveryItem } from '../destinations/Destination.js';

export class DeadLetterFile {
  readonly file: string;

  constructor(spoolDir: string, destination: string) {
    this.file = path.join(spoolDir, 'dead-letters', `${destination}.jsonl`);
  }

  /** Appends each item as `{"time","reason","attempts","record"}`; resolves once on disk. */
  async write(items: readonly DeliveryItem[], reason: string, attempts: number): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const time = new Date().toISOString();
    const prefix = `{"time":${JSON.stringify(time)},"reason":${JSON.stringify(reason)},"attempts":${attempts},"record":`;
    const text = items.map((item) => `${prefix}${item.json}}\n`).join('');
    const handle = await open(this.file, 'a');
    try {
      await handle.writeFile(text);
      await handle.datasync();
    } finally {
      await handle.close();
    }
  }
}
