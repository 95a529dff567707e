/**
 * Dynamic batching benchmark: `heavy` at concurrency 64 (batch-1 requests) straight to a
 * runner without and with dynamic batching, against in-process onnxruntime running the
 * batch size the batcher actually formed. Throughput is in rows (requests) per second.
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as ort from 'onnxruntime-node';
import { encodeRaw, unaryCall } from '@infermesh/common';
import { inferenceProto, MODEL_INFER_PATH, runnerProto, type StatusResponse__Output } from '@infermesh/proto';
import { startBenchMesh } from './bench-mesh.js';
import { atLeast, measure, withChild, type Window } from './measure.js';
import type { BenchRow } from './report.js';
import { RawCaller } from './targets.js';

const WIDTH = 512;
const CONCURRENCY = 64;
const MAX_BATCH = 64;
/** How long the oldest request may wait for a batch to fill. */
const MAX_QUEUE_DELAY_US = 2_000;

/**
 * Unbatched, a call waits behind 63 others of ~50 ms each (~3 s): the window must be long
 * enough for calls to be both sent and answered inside it, and the warm-up long enough for
 * the queue to reach its steady state.
 */
const WINDOW = { warmupSeconds: 4, measureSeconds: 8 };

/** What the batching section found, for the report's ratios. */
export interface BatchingSummary {
  rows: BenchRow[];
  /** Mean rows per execution the batcher formed. */
  meanBatch: number;
  speedupOverUnbatched: number;
  shareOfInProcess: number;
}

function requestBytes(model: string): Buffer {
  return inferenceProto.GRPCInferenceService.service.ModelInfer.requestSerialize({
    model_name: model,
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, WIDTH] }],
    raw_input_contents: [encodeRaw(new Float32Array(WIDTH).fill(0.01))],
  });
}

async function runnerStatus(address: string): Promise<StatusResponse__Output> {
  const client = new runnerProto.RunnerControl(address, grpc.credentials.createInsecure());
  try {
    return await unaryCall<StatusResponse__Output>((done) => client.Status({}, done));
  } finally {
    client.close();
  }
}

/** Mean batch size of a version's executions, from its Status histogram. */
function meanBatchSize(status: StatusResponse__Output, model: string): number {
  const version = status.models.find((m) => m.name === model);
  let rows = 0;
  let executions = 0;
  for (const { batch_size, executions: count } of version?.batch_sizes ?? []) {
    rows += Number(batch_size) * Number(count);
    executions += Number(count);
  }
  return executions === 0 ? 0 : rows / executions;
}

export async function batchingRows(repository: string, options: Window): Promise<BatchingSummary> {
  const window = atLeast(options, WINDOW);
  const dir = await mkdtemp(path.join(tmpdir(), 'infermesh-bench-batching-'));
  const source = path.join(repository, 'heavy', '1', 'model.onnx');
  for (const name of ['heavy', 'heavy_batched']) {
    await mkdir(path.join(dir, name, '1'), { recursive: true });
    await copyFile(source, path.join(dir, name, '1', 'model.onnx'));
  }
  await writeFile(
    path.join(dir, 'heavy_batched', 'config.yaml'),
    `max_batch_size: ${MAX_BATCH}\ndynamic_batching:\n  max_queue_delay_us: ${MAX_QUEUE_DELAY_US}\n`,
  );
  const rows: BenchRow[] = [];
  let meanBatch: number;
  try {
    const models = ['heavy', 'heavy_batched'].map((name) => ({ name, probe: requestBytes(name) }));
    meanBatch = await withChild(() => startBenchMesh({ repository: dir, models }), async (mesh) => {
      const runner = mesh.runner;
      const involved = [{ process: 'bench', pid: process.pid }, { process: 'runner', pid: runner.child.pid! }];
      for (const [model, label] of [['heavy', 'runner-direct'], ['heavy_batched', 'runner-batched']] as const) {
        const target = new RawCaller(runner.address, MODEL_INFER_PATH, requestBytes(model));
        try {
          await target.call();
          rows.push(await measure(model, CONCURRENCY, label, involved, async () => void (await target.call()), window));
        } finally {
          target.close();
        }
      }
      return meanBatchSize(await runnerStatus(runner.address), 'heavy_batched');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // In-process onnxruntime at the batch size the batcher formed: the ceiling batching aims at.
  const batch = Math.max(1, Math.round(meanBatch));
  const session = await ort.InferenceSession.create(source, { executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1 });
  try {
    const feeds = { input: new ort.Tensor('float32', new Float32Array(batch * WIDTH).fill(0.01), [batch, WIDTH]) };
    await session.run(feeds);
    const row = await measure(`heavy×${batch}`, 1, 'ort-inprocess', [{ process: 'bench', pid: process.pid }], async () => void (await session.run(feeds)), window);
    // One run answers `batch` rows: report rows per second and CPU per row like the runner rows.
    const processes = row.processes.map((p) => ({ ...p, cpuUsPerRequest: p.cpuUsPerRequest / batch, mainThreadCpuUsPerRequest: p.mainThreadCpuUsPerRequest / batch }));
    rows.push({ ...row, throughput: row.throughput * batch, processes });
  } finally {
    await session.release();
  }
  const [unbatched, batched, inProcess] = rows as [BenchRow, BenchRow, BenchRow];
  return {
    rows,
    meanBatch,
    speedupOverUnbatched: batched.throughput / unbatched.throughput,
    shareOfInProcess: batched.throughput / inProcess.throughput,
  };
}
