/** One `runners[]` entry of the mesh config: a runner process and the device it owns. */
import { z } from 'zod';
import { artifactCacheSchema } from './artifact-cache-config.js';
import { RUNNER_NAME_RULE } from './name-rules.js';

/** Default `responseCacheBytes`: 256 MiB. */
export const DEFAULT_RESPONSE_CACHE_BYTES = 256 * 1024 * 1024;

/** A device a runner owns: `cpu` or `cuda:N`. */
export const deviceSchema = z.string().regex(/^(cpu|cuda:\d+)$/, "expected 'cpu' or 'cuda:N'");

/** The keys of one `runners[]` entry, with defaults. */
export const runnerEntrySchema = z
  .object({
    name: z.string().regex(RUNNER_NAME_RULE, 'expected lowercase letters, digits and dashes'),
    device: deviceSchema,
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(0),
    /** Folder laid out <model>/<version>/model.onnx; default <dataDir>/models. */
    modelRepository: z.string().min(1).optional(),
    /** ORT intra-op threads per model instance; 0 lets onnxruntime choose. */
    intraOpThreads: z.number().int().min(0).max(256).default(0),
    /** What serves the runner's port: ModelInfer on node:http2 (in front of grpc-js for the other methods), or grpc-js alone. */
    server: z.enum(['grpc-js', 'http2']).default('http2'),
    /** HTTP port of the runner's Prometheus metrics (/metrics); 0 picks a free one. */
    metricsPort: z.number().int().min(0).max(65_535).default(0),
    /** Where artifacts fetched from the registry are kept, and how many bytes of them. */
    artifactCache: artifactCacheSchema.prefault({}),
    /** Bytes of cached answers all the runner's versions keep together (each version opts in with `response_cache`). */
    responseCacheBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_RESPONSE_CACHE_BYTES),
  })
  .strict();

/** One runner entry of the mesh config. */
export type RunnerEntry = z.infer<typeof runnerEntrySchema>;
