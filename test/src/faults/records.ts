/** Request ids of the prediction records the sink's jsonl destination holds. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

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
