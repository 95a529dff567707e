/** Measurements a test takes of the machine it runs on, so that its thresholds hold on a busy machine as on a quiet one. */

/** p99 of `call`'s latency in ms, with `callers` concurrent loops making `total` calls in all (after a short warm-up). */
export async function p99LatencyMs(call: () => Promise<unknown>, callers: number, total: number): Promise<number> {
  for (let i = 0; i < callers * 2; i++) await call();
  const latencies: number[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (started++ < total) {
        const at = performance.now();
        await call();
        latencies.push(performance.now() - at);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]!;
}
