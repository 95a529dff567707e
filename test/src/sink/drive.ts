/** Sends predictions through the gateway at a fixed concurrency, as a load for the sink tests. */
import type { InferenceClient } from '@infermesh/client';

const ONES = new Int32Array(16).fill(1);

/**
 * `count` calls of `simple` with ids `<prefix><i>`, `concurrency` at a time; resolves with
 * the number that failed. `metadata` goes with every call.
 */
export async function drivePredictions(
  client: InferenceClient,
  count: number,
  options: { concurrency?: number; prefix?: string; metadata?: Record<string, string> } = {},
): Promise<number> {
  const { concurrency = 64, prefix = 'p-', metadata = {} } = options;
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const input = Int32Array.from({ length: 16 }, (_, k) => i + k);
      try {
        await client.infer(
          'simple',
          { INPUT0: { datatype: 'INT32', shape: [1, 16], data: input }, INPUT1: { datatype: 'INT32', shape: [1, 16], data: ONES } },
          { id: `${prefix}${i}`, timeoutMs: 30_000, metadata },
        );
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}
