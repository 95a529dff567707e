/**
 * A mesh with a sink, for the sink's cross-process tests: a runner process and a sink
 * process (both from a temporary mesh config), and an in-process gateway whose observer is
 * the sink publisher. The sink's sources call that gateway. The sink can be killed and
 * started again on the same port.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createLogger, silentLogger, spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';
import { createGateway, type Gateway } from '@infermesh/gateway';
import { sinkProto, type SinkStatusResponse__Output } from '@infermesh/proto/sink';
// The publisher is not part of the gateway package's public entry point (main.ts wires it).
import { createSinkPublisher, type SinkPublisher, type SinkPublisherOptions } from '@infermesh/gateway/sink';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { mainScript } from '../harness/index.js';

/** What to start. */
export interface SinkMeshOptions {
  /** The mesh config's `sink:` section; `port` and `metricsPort` are set to free ports, `gateway` to the gateway. */
  sink: Record<string, unknown>;
  /** Publisher options besides the address and logger. */
  publisher?: Omit<SinkPublisherOptions, 'address' | 'logger'>;
  /** Print the processes' log lines. */
  verbose?: boolean;
}

/** A running mesh with a sink. */
export interface SinkMesh {
  client: InferenceClient;
  gateway: Gateway;
  publisher: SinkPublisher;
  /** The sink process now running. */
  sink: SpawnedService;
  sinkAddress: string;
  dataDir: string;
  /** Starts the sink process again (after it was stopped or killed), on the same port. */
  restartSink(): Promise<void>;
  sinkStatus(): Promise<SinkStatusResponse__Output>;
  /** Resolves once the sink process has logged a line with this `msg` (e.g. 'source subscribed'), `count` times. */
  sinkLogged(msg: string, count?: number): Promise<Record<string, unknown>[]>;
  stop(): Promise<void>;
}

export async function startSinkMesh(options: SinkMeshOptions): Promise<SinkMesh> {
  const repo = await exampleRepository();
  const dataDir = await mkdtemp(join(tmpdir(), 'infermesh-sink-mesh-'));
  const configFile = join(dataDir, 'infermesh.json');
  const writeConfig = (gateway?: string) =>
    writeFile(
      configFile,
      JSON.stringify({
        dataDir,
        log: { level: options.verbose ? 'debug' : 'info' },
        runners: [{ name: 'runner-0', device: 'cpu', port: 0, modelRepository: repo.dir, intraOpThreads: 1 }],
        gateway: { port: 0, httpPort: 0 },
        sink: { ...options.sink, port: 0, metricsPort: 0, ...(gateway ? { gateway } : {}) },
      }),
    );
  await writeConfig();
  const sinkLines: Record<string, unknown>[] = [];
  const onLine = options.verbose ? (line: string) => process.stdout.write(`${line}\n`) : undefined;
  const onSinkLine = (line: string) => {
    onLine?.(line);
    if (line.startsWith('{')) sinkLines.push(JSON.parse(line) as Record<string, unknown>);
  };
  const spawned: SpawnedService[] = [];
  let gateway: Gateway | undefined;
  let publisher: SinkPublisher | undefined;
  let statusClient: InstanceType<typeof sinkProto.Sink> | undefined;
  const startSink = (port: number) =>
    spawnService({
      name: 'sink',
      script: mainScript('@infermesh/sink'),
      env: { INFERMESH_CONFIG: configFile, INFERMESH_SINK_PORT: String(port) },
      onLine: onSinkLine,
    });
  const stop = async () => {
    await gateway?.close();
    await publisher?.close(1_000);
    statusClient?.close();
    await Promise.all(spawned.map((service) => service.stop()));
    await rm(dataDir, { recursive: true, force: true });
    await repo.remove();
  };
  try {
    const runner = await spawnService({
      name: 'runner',
      script: mainScript('@infermesh/runners'),
      env: { INFERMESH_CONFIG: configFile, INFERMESH_RUNNER_NAME: 'runner-0' },
      ...(onLine ? { onLine } : {}),
    });
    spawned.push(runner);
    const logger = options.verbose ? createLogger('gateway', 'debug') : silentLogger();
    // The gateway comes first (the sink's sources call it); the publisher, which needs the
    // sink's address, is attached once the sink listens.
    gateway = await createGateway({
      host: '127.0.0.1',
      port: 0,
      runners: [runner.address],
      runnerRefreshMs: 200,
      maxMessageBytes: 64 << 20,
      logger,
      observers: [{ onInfer: (event) => publisher?.onInfer(event) }],
    });
    await writeConfig(gateway.address);
    let sink = await startSink(0);
    spawned.push(sink);
    const sinkAddress = sink.address;
    publisher = createSinkPublisher({ ...options.publisher, address: sinkAddress, logger });
    const client = new InferenceClient(gateway.address);
    await waitFor(() => client.modelReady('simple'), 60_000, 'simple to be routable');
    statusClient = new sinkProto.Sink(sinkAddress, grpc.credentials.createInsecure());
    const status = statusClient;
    return {
      client,
      gateway,
      publisher,
      get sink() {
        return sink;
      },
      sinkAddress,
      dataDir,
      async restartSink() {
        sink = await startSink(Number(sinkAddress.split(':')[1]));
        spawned.push(sink);
      },
      sinkStatus: () =>
        new Promise((resolve, reject) => status.Status({}, { deadline: Date.now() + 5_000 }, (error, value) => (error ? reject(error) : resolve(value!)))),
      async sinkLogged(msg, count = 1) {
        const matching = () => sinkLines.filter((line) => line.msg === msg);
        await waitFor(async () => matching().length >= count, 30_000, `the sink to log '${msg}'`);
        return matching();
      },
      async stop() {
        client.close();
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
