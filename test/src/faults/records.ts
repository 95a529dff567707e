/** Request ids of the prediction records the sink delivered: to its jsonl destination, and to the receiver. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pollUntil } from '@infermesh/testkit';
import type { LocalMesh } from './local-mesh.js';

/** The `requestId` of every record in the `.jsonl` files of `dir` that starts with `prefix`. */
export async function jsonlRequestIds(dir: string, prefix: string): Promise<string[]> {
  const files = (await readdir(dir).catch(() => [])).filter((name) => name.endsWith('.jsonl'));
  const ids: string[] = [];
  for (const file of files) {
    const lines = (await readFile(path.join(dir, file), 'utf8')).split('\n');
    // The last piece is empty, or a line still being written.
    lines.pop();
    for (const line of lines) {
      if (!line.includes(prefix)) continue;
      const { requestId } = JSON.parse(line) as { requestId?: string };
      if (requestId?.startsWith(prefix)) ids.push(requestId);
    }
  }
  return ids;
}

/** The request ids starting with `prefix` that the receiver wrote to `file` (one a line). */
export async function receivedRequestIds(file: string, prefix: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n');
  lines.pop();
  return lines.filter((line) => line.startsWith(prefix));
}

/**
 * The `answered` request ids (all starting with `prefix`) whose record has not reached both
 * destinations within `timeoutMs` (the sink, or the receiver, may just have restarted).
 */
export async function missingRecords(mesh: LocalMesh, prefix: string, answered: readonly string[], timeoutMs: number): Promise<string[]> {
  let missing = [...answered];
  await pollUntil(
    async () => {
      const inFile = new Set(await jsonlRequestIds(mesh.predictionsDir, `${prefix}-`));
      const received = new Set(await receivedRequestIds(mesh.receiver.file, `${prefix}-`));
      missing = missing.filter((id) => !inFile.has(id) || !received.has(id));
      return missing.length === 0;
    },
    { timeoutMs, intervalMs: 1_000, what: 'the records of answered calls' },
  ).catch(() => undefined);
  return missing;
}
