/** Builds and starts a runner: loads its model repository and serves it on one device. */
import path from 'node:path';
import {
  DEFAULT_ARTIFACT_CACHE_BYTES,
  DEFAULT_MAX_CONCURRENT_STREAMS,
  DEFAULT_REQUEST_LIMITS,
  DEFAULT_RESPONSE_CACHE_BYTES,
  meshChannelCredentials,
  metricsRoute,
  ServiceError,
  scanModelRepository,
  serviceMiddleware,
  startGrpcServer,
  startGrpcFront,
  startHttpServer,
  TlsFiles,
  type GrpcFront,
  withMiddleware,
  type Logger,
  type RunnerSettings,
} from '@infermesh/common';
import { advertisedHost, instanceAddress, meshDiscoveryOf } from '@infermesh/common/discovery';
import { MODEL_INFER_PATH, RUNNER_EXCHANGE_PATH, runnerProto } from '@infermesh/proto';
import { ArtifactCache } from './artifacts/ArtifactCache.js';
import { RegistryArtifactSource } from './artifacts/RegistryArtifactSource.js';
import { serveExchange } from './h2-exchange.js';
import { serveModelInfer, type H2ModelInferDeps } from './h2-model-infer.js';
import { inferenceHandlers, runnerInfer, runnerInferenceService, serializeInferResponse } from './inference-service.js';
import { ModelLifecycle } from './ModelLifecycle.js';
import { ModelStore } from './ModelStore.js';
import { RegistryMembership } from './registry-membership.js';
import { runnerControlHandlers } from './runner-control-service.js';
import { ResponseCacheBudget } from './ResponseCache.js';
import { createRunnerMetrics } from './runner-metrics.js';

/**
 * Everything a runner needs: its settings from the resolved mesh config (`main.ts`), with a
 * logger; tests may leave out `metricsPort` to serve no metrics.
 */
export interface RunnerConfig extends Omit<RunnerSettings, 'metricsPort'> {
  logger: Logger;
  /** HTTP port of /metrics; 0 picks a free one; absent: no metrics server. */
  metricsPort?: number;
}

/** A started runner. */
export interface Runner {
  port: number;
  address: string;
  /** host:port of /metrics, when served. */
  metricsAddress: string | undefined;
  store: ModelStore;
  /** Resolves when every version found at start has loaded or failed. */
  loaded: Promise<void>;
  close(): Promise<void>;
}

/**
 * The runner's port when `server` is 'http2': ModelInfer answered on node:http2 directly,
 * every other method by the grpc-js server at `internal`.
 */
async function startFront(
  config: RunnerConfig,
  internal: string,
  tls: TlsFiles | undefined,
  store: ModelStore,
  readRequest: H2ModelInferDeps['readRequest'],
): Promise<GrpcFront> {
  const deps: H2ModelInferDeps = {
    maxMessageBytes: config.maxMessageBytes,
    readRequest,
    infer: runnerInfer(store, config),
    shedsShadowCopy: (request) => store.othersSaturated(request.model_name, request.model_version),
    serialize: serializeInferResponse,
    logger: config.logger,
    relay: (stream, headers, read) => front.relay(stream, headers, read),
  };
  const front: GrpcFront = await startGrpcFront({
    host: config.host,
    port: config.port,
    internal,
    ...(config.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: config.maxConcurrentStreams }),
    logger: config.logger,
    ...(tls ? { tls, internalTls: tls } : {}),
    claim: (stream, headers) => {
      if (!String(headers['content-type'] ?? '').startsWith('application/grpc')) return false;
      if (headers[':path'] === MODEL_INFER_PATH) serveModelInfer(deps, stream, headers);
      else if (headers[':path'] === RUNNER_EXCHANGE_PATH && headers['grpc-encoding'] === undefined) serveExchange(deps, stream, config.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS);
      else return false;
      return true;
    },
  });
  config.logger.info({ address: front.address, internal }, 'ModelInfer served on node:http2');
  return front;
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

  const requestLimits = { ...(config.requestLimits ?? DEFAULT_REQUEST_LIMITS), maxTensorElements: config.maxTensorElements };
  const store = new ModelStore();
  const metrics = createRunnerMetrics(config, () => store.all());
  const context = {
    device: config.device,
    intraOpThreads: config.intraOpThreads,
    limits: { maxTensorElements: config.maxTensorElements },
    logger,
    metrics,
    responseCaches: new ResponseCacheBudget(config.responseCacheBytes ?? DEFAULT_RESPONSE_CACHE_BYTES),
  };
  const tls = config.tls && new TlsFiles(config.tls, logger);
  const security = { credentials: meshChannelCredentials(tls), ...(config.token === undefined ? {} : { token: config.token }) };
  // With Consul or etcd discovery, the registry is found there (`etcd:///infermesh-registry`...):
  // the resolver is registered before the first client to the registry (the artifact source) is made.
  const discovery = await meshDiscoveryOf(config.discovery, logger);
  discovery?.useResolver();
  const source = config.registry === undefined ? undefined : new RegistryArtifactSource(config.registry, security);
  const artifacts = new ArtifactCache({
    dir: config.artifactCache?.dir ?? path.join(config.dataDir, `runner-${config.name}`, 'artifact-cache'),
    maxBytes: config.artifactCache?.maxBytes ?? DEFAULT_ARTIFACT_CACHE_BYTES,
    fetch: (sha256, sizeBytes) => {
      if (!source) throw ServiceError.failedPrecondition(`artifact ${sha256}: this runner has no registry to fetch it from (INFERMESH_REGISTRY_ADDRESS)`);
      return source.fetch(sha256, sizeBytes);
    },
    logger,
  });
  const lifecycle = new ModelLifecycle({ name: config.name, dataDir: config.dataDir }, store, context, logger, artifacts);
  const versions = lifecycle.addFromRepository(models);

  let ready = false;
  const isReady = () => ready;
  const inferenceService = runnerInferenceService(requestLimits);
  const h2 = (config.server ?? 'http2') === 'http2';
  const server = await startGrpcServer({
    ...(tls ? { tls } : {}),
    // Behind the HTTP/2 front, grpc-js serves the other methods on loopback only.
    host: h2 ? '127.0.0.1' : config.host,
    port: h2 ? 0 : config.port,
    maxReceiveMessageBytes: config.maxMessageBytes,
    maxSendMessageBytes: config.maxMessageBytes,
    maxConcurrentStreams: config.maxConcurrentStreams,
    services: [
      { definition: inferenceService, implementation: inferenceHandlers(store, logger, isReady, config) },
      {
        definition: runnerProto.RunnerControl.service,
        implementation: withMiddleware(runnerProto.RunnerControl.service, serviceMiddleware(logger), runnerControlHandlers(config, store, lifecycle, isReady)),
      },
    ],
  });

  const front = h2 ? await startFront(config, server.address, tls, store, inferenceService.ModelInfer.requestDeserialize) : undefined;
  const address = front?.address ?? server.address;

  const metricsServer =
    config.metricsPort === undefined
      ? undefined
      : await startHttpServer({ host: config.host, port: config.metricsPort, routes: { '/metrics': metricsRoute(metrics.registry) }, ...(tls ? { tls } : {}) });

  const port = front?.port ?? server.port;
  let membership: RegistryMembership | undefined;
  if (config.registry) {
    // A wildcard listen address is no address to reach the runner at: INFERMESH_ADVERTISE_HOST, else its host name, is.
    const host = advertisedHost(config.host, config.discovery?.advertiseHost);
    membership = new RegistryMembership({
      registry: config.registry,
      name: config.name,
      address: instanceAddress({ host, port }),
      device: config.device,
      logger,
      security,
    });
    membership.start();
  }
  const presence =
    discovery &&
    (await discovery.join({ kind: 'runner', listenHost: config.host, port, tls: tls !== undefined, meta: { runner: config.name, device: config.device }, tags: [config.device], logger }));

  const loaded = lifecycle.loadAll(versions).then(() => {
    ready = versions.every((version) => version.state === 'READY');
    const failed = versions.filter((version) => version.state === 'FAILED').length;
    logger.info({ versions: versions.length, failed, ready }, 'model repository loaded');
  });

  if (metricsServer) logger.info({ address: metricsServer.address }, 'metrics listening');

  return {
    port,
    address,
    metricsAddress: metricsServer?.address,
    store,
    loaded,
    async close() {
      // Leave the routes first, so gateways stop sending calls here.
      await presence?.leave();
      await membership?.leave();
      await metricsServer?.close();
      await front?.close();
      await server.close();
      await loaded;
      await lifecycle.idle();
      await store.closeAll();
      source?.close();
      tls?.close();
      discovery?.close();
    },
  };
}
