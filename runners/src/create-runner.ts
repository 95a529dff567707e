/** Builds and starts a runner: loads its model repository and serves it on one device. */
import { startGrpcServer, type Logger } from '@infermesh/common';
import { inferenceProto, runnerProto } from '@infermesh/proto';
import { inferenceHandlers } from './inference-service.js';
import { scanModelRepository } from './model-repository.js';
import { ModelLifecycle } from './ModelLifecycle.js';
import { ModelStore } from './ModelStore.js';
import { runnerControlHandlers } from './runner-control-service.js';

/** Everything a runner needs; `main.ts` derives it from the mesh config. */
export interface RunnerConfig {
  name: string;
  /** `cpu` or `cuda:N`. */
  device: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  modelRepository: string;
  /** The mesh's data folder; LoadModel's configs live in `<dataDir>/runner-<name>/configs`. */
  dataDir: string;
  /** ORT intra-op threads per model instance; 0 lets onnxruntime choose. */
  intraOpThreads: number;
  maxMessageBytes: number;
  maxTensorElements: number;
  logger: Logger;
}

/** A started runner. */
export interface Runner {
  port: number;
  address: string;
  store: ModelStore;
  /** Resolves when every version found at start has loaded or failed. */
  loaded: Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts serving at once (ServerReady false until the initial load finishes) and loads
 * every version in the repository in the background; a version that fails to load is
 * reported FAILED and never stops the others.
 */
export async function createRunner(config: RunnerConfig): Promise<Runner> {
  const { logger } = config;
  const { models, skipped } = await scanModelRepository(config.modelRepository);
  for (const entry of skipped) logger.warn(entry, 'skipped an entry of the model repository');

  const store = new ModelStore();
  const context = {
    device: config.device,
    intraOpThreads: config.intraOpThreads,
    limits: { maxTensorElements: config.maxTensorElements },
    logger,
  };
  const lifecycle = new ModelLifecycle({ name: config.name, dataDir: config.dataDir }, store, context, logger);
  const versions = lifecycle.addFromRepository(models);

  let ready = false;
  const isReady = () => ready;
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    maxReceiveMessageBytes: config.maxMessageBytes,
    maxSendMessageBytes: config.maxMessageBytes,
    services: [
      { definition: inferenceProto.GRPCInferenceService.service, implementation: inferenceHandlers(store, logger, isReady) },
      {
        definition: runnerProto.RunnerControl.service,
        implementation: runnerControlHandlers(config, store, lifecycle, logger, isReady),
      },
    ],
  });

  const loaded = lifecycle.loadAll(versions).then(() => {
    ready = versions.every((version) => version.state === 'READY');
    const failed = versions.filter((version) => version.state === 'FAILED').length;
    logger.info({ versions: versions.length, failed, ready }, 'model repository loaded');
  });

  return {
    port: server.port,
    address: server.address,
    store,
    loaded,
    async close() {
      await server.close();
      await loaded;
      await lifecycle.idle();
      await store.closeAll();
    },
  };
}
