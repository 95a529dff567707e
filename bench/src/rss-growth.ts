/**
 * The gateway's memory over a long run: `simple` through gateway → runner at concurrency 64
 * for a fixed number of calls after a warm-up, sampling the gateway's RSS as it goes. Growth
 * compares the mean RSS of the last quarter of the samples with that of the first quarter,
 * so one garbage collection landing at either end does not decide it.
 */
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { startBenchMesh } from './bench-mesh.js';
import { withChild } from './measure.js';
import { peakRssMiB, rssMiB } from './rss.js';
import { checkInferResponse, RawCaller, type BenchModel } from './targets.js';

const CONCURRENCY = 64;
const SAMPLE_EVERY_MS = 100;

/** What the long run found. */
export interface RssGrowth {
  model: string;
  concurrency: number;
  warmupCalls: number;
  calls: number;
  seconds: number;
  /** Mean gateway RSS over the first and the last quarter of the run, MiB. */
  startRssMiB: number;
  endRssMiB: number;
  /** endRssMiB ÷ startRssMiB − 1. */
  growth: number;
  /** The gateway's VmHWM at the end: its peak over its whole life, start-up included. */
  peakRssMiB: number;
}

/** Sends `calls` calls from CONCURRENCY callers, no more. */
async function drive(caller: RawCaller, calls: number): Promise<void> {
  let sent = 0;
  const loop = async () => {
    while (sent < calls) {
      sent++;
      await caller.call();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Runs `warmupCalls`, then `calls` while sampling RSS. */
export async function rssGrowth(repository: string, model: BenchModel, calls: number, warmupCalls: number): Promise<RssGrowth> {
  return withChild(
    () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }] }),
    async (mesh) => {
      const pid = mesh.gatewayProcess.child.pid!;
      const caller = new RawCaller(mesh.gateway, MODEL_INFER_PATH, model.requestBytes);
      try {
        checkInferResponse(model, await caller.call());
        await drive(caller, warmupCalls);
        const samples: number[] = [rssMiB(pid)];
        const timer = setInterval(() => samples.push(rssMiB(pid)), SAMPLE_EVERY_MS);
        const started = performance.now();
        try {
          await drive(caller, calls);
        } finally {
          clearInterval(timer);
        }
        samples.push(rssMiB(pid));
        const quarter = Math.max(1, Math.floor(samples.length / 4));
        const startRssMiB = mean(samples.slice(0, quarter));
        const endRssMiB = mean(samples.slice(-quarter));
        const result = {
          model: model.name,
          concurrency: CONCURRENCY,
          warmupCalls,
          calls,
          seconds: (performance.now() - started) / 1000,
          startRssMiB,
          endRssMiB,
          growth: endRssMiB / startRssMiB - 1,
          peakRssMiB: peakRssMiB(pid),
        };
        process.stderr.write(`${model.name} c=${CONCURRENCY} gateway long run: ${calls} calls, RSS ${startRssMiB.toFixed(0)} → ${endRssMiB.toFixed(0)} MiB\n`);
        return result;
      } finally {
        caller.close();
      }
    },
  );
}
