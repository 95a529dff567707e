/**
 * The bench mesh's config: the embedded default mesh (deploy/local/infermesh.yaml, what
 * `npm start` runs) with every port free, a temporary data folder and one CPU runner, so the
 * bench measures what `npm start` serves with, whatever that file says today.
 */
import { fileURLToPath } from 'node:url';
import { readConfigFile, readEnvironment, resolveConfig } from '@infermesh/common';

/** The file `npm start` reads. */
export const DEFAULT_MESH_FILE = fileURLToPath(new URL('../../deploy/local/infermesh.yaml', import.meta.url));

/** The one runner's name. */
export const BENCH_RUNNER = 'cpu-0';

type Section = Record<string, unknown>;

const section = (raw: Section, key: string): Section => (raw[key] ?? {}) as Section;

/**
 * `file`'s mesh with its data in `dataDir`: ports 0 everywhere (the metrics and status pages
 * still served), and of its runners only the first CPU one, holding what the registry places
 * in `<dataDir>/runner-repository`. The runner leaves its onnxruntime threads to onnxruntime,
 * as the in-process rows do, so runner-direct compares with them like for like.
 */
export function benchMeshConfig(dataDir: string, file = DEFAULT_MESH_FILE): Section {
  const raw = readConfigFile(file) as Section;
  const runners = (raw.runners ?? []) as Section[];
  const cpu = runners.find((runner) => runner.device === 'cpu');
  if (!cpu) throw new Error(`${file} has no CPU runner for the bench to copy`);
  return {
    ...raw,
    dataDir,
    runners: [{ ...cpu, name: BENCH_RUNNER, port: 0, metricsPort: 0, intraOpThreads: 0, modelRepository: `${dataDir}/runner-repository` }],
    gateway: { ...section(raw, 'gateway'), port: 0, httpPort: 0 },
    registry: { ...section(raw, 'registry'), port: 0, metricsPort: 0 },
    sink: { ...section(raw, 'sink'), port: 0, metricsPort: 0 },
  };
}

/**
 * How the bench mesh's gateway forwards unless a row says otherwise: `gateway.forwarding` of
 * the default mesh, or INFERMESH_GATEWAY_FORWARDING, which the services inherit from the bench.
 */
export function defaultForwarding(): 'grpc-js' | 'http2' {
  return resolveConfig(benchMeshConfig('/nonexistent'), readEnvironment()).gateway.forwarding;
}
