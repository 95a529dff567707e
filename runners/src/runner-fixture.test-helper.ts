/** An in-process runner over a temporary repository of example and identity models, for runner tests. */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { stringify as toYaml } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';
import { DataType, identityModel, inProcessRunnerSettings, writeExampleModels, writeModel } from '@infermesh/testkit';
import { createRunner, type Runner, type RunnerConfig } from './create-runner.js';

/** ONNX element types with an identity model in the fixture, by protocol datatype. */
export const IDENTITY_TYPES = {
  BOOL: DataType.BOOL,
  UINT8: DataType.UINT8,
  UINT16: DataType.UINT16,
  UINT32: DataType.UINT32,
  UINT64: DataType.UINT64,
  INT8: DataType.INT8,
  INT16: DataType.INT16,
  INT32: DataType.INT32,
  INT64: DataType.INT64,
  FP16: DataType.FLOAT16,
  FP32: DataType.FLOAT,
  FP64: DataType.DOUBLE,
  BYTES: DataType.STRING,
  BF16: DataType.BFLOAT16,
} as const;

export interface RunnerFixture {
  runner: Runner;
  client: InferenceClient;
  close(): Promise<void>;
}

/**
 * Example models, `identity_<datatype>` for every datatype, and `broken` (an invalid
 * model.onnx) next to them, served by one runner on a free port.
 */
export async function startRunnerFixture(options: { maxTensorElements?: number; maxMessageBytes?: number; server?: 'grpc-js' | 'http2' } = {}): Promise<RunnerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-runner-'));
  await writeExampleModels(dir);
  for (const [datatype, elemType] of Object.entries(IDENTITY_TYPES)) {
    await writeModel(dir, `identity_${datatype.toLowerCase()}`, 1, identityModel(elemType));
  }
  await mkdir(join(dir, 'broken', '1'), { recursive: true });
  await writeFile(join(dir, 'broken', '1', 'model.onnx'), 'not an onnx model');
  return serveRepository(dir, 'cpu', {
    maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024,
    maxTensorElements: options.maxTensorElements ?? 1 << 24,
    ...(options.server ? { server: options.server } : {}),
  });
}

/** Serves `dir` with a runner on `device`; `close()` also deletes `dir`. */
async function serveRepository(
  dir: string,
  device: string,
  limits: { maxMessageBytes: number; maxTensorElements: number; server?: 'grpc-js' | 'http2' } & Partial<Pick<RunnerConfig, 'responseCacheBytes' | 'metricsPort' | 'maxConcurrentStreams'>>,
): Promise<RunnerFixture> {
  const runner = await createRunner({
    name: 'test',
    device,
    host: '127.0.0.1',
    port: 0,
    modelRepository: dir,
    dataDir: dir,
    intraOpThreads: 1,
    ...limits,
    logger: silentLogger(),
  });
  await runner.loaded;
  const client = new InferenceClient(runner.address, { maxMessageBytes: limits.maxMessageBytes });
  return {
    runner,
    client,
    async close() {
      client.close();
      await runner.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One model version of a custom fixture repository. */
export interface FixtureModel {
  name: string;
  version?: number;
  bytes: Uint8Array;
  /** Written as <name>/config.yaml. */
  config?: Record<string, unknown>;
}

/** A runner on `device` over a repository holding exactly `models`; `settings` adds runner settings. */
export async function startRunnerWith(
  models: FixtureModel[],
  device = 'cpu',
  settings: Partial<Pick<RunnerConfig, 'responseCacheBytes' | 'metricsPort' | 'server' | 'maxConcurrentStreams'>> = {},
): Promise<RunnerFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-runner-'));
  for (const model of models) {
    await writeModel(dir, model.name, model.version ?? 1, model.bytes);
    if (model.config) await writeFile(join(dir, model.name, 'config.yaml'), toYaml(model.config));
  }
  return serveRepository(dir, device, { maxMessageBytes: 256 * 1024 * 1024, maxTensorElements: 1 << 26, ...settings });
}

/** A CPU runner over `modelRepository` (as the e2e harness starts one), resolved once every version has loaded or failed. */
export async function startRunnerInProcess(modelRepository: string, overrides: Partial<RunnerConfig> = {}): Promise<Runner> {
  const runner = await createRunner({ ...inProcessRunnerSettings(modelRepository), ...overrides });
  await runner.loaded;
  return runner;
}
