/** Schema of the mesh config file (deploy/local/infermesh.yaml is the embedded default). */
import { z } from 'zod';
import { gatewayRetrySchema } from './gateway-retry-config.js';

const MiB = 1024 * 1024;

const address = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port');

/** A device a runner owns: `cpu` or `cuda:N`. */
export const deviceSchema = z.string().regex(/^(cpu|cuda:\d+)$/, "expected 'cpu' or 'cuda:N'");

const limitsSchema = z
  .object({
    /** Largest gRPC message in either direction, on every server and client. */
    maxMessageBytes: z.number().int().min(4096).max(2 ** 31 - 1).default(64 * MiB),
    /** Largest number of elements in one input tensor, checked before allocating. */
    maxTensorElements: z.number().int().positive().default(16 * MiB),
  })
  .strict();

const runnerSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
    device: deviceSchema,
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(0),
    /** Folder laid out <model>/<version>/model.onnx; default <dataDir>/models. */
    modelRepository: z.string().min(1).optional(),
    /** ORT intra-op threads per model instance; 0 lets onnxruntime choose. */
    intraOpThreads: z.number().int().min(0).max(256).default(0),
    /** HTTP port of the runner's Prometheus metrics (/metrics); 0 picks a free one. */
    metricsPort: z.number().int().min(0).max(65_535).default(0),
  })
  .strict();

const gatewaySchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8001),
    /** Runner addresses; default: the addresses of `runners` in this file. */
    runners: z.array(address).optional(),
    /** HTTP port of the gateway's metrics (/metrics) and status page (/). */
    httpPort: z.number().int().min(0).max(65_535).default(8002),
    /** How often the gateway asks each runner what it holds. */
    runnerRefreshMs: z.number().int().min(50).max(60_000).default(1_000),
    /** When a ModelInfer is tried again on another runner (see gateway-retry-config.ts). */
    retry: gatewayRetrySchema.prefault({}),
  })
  .strict();

/** The whole mesh config, as validated. */
export const meshConfigSchema = z
  .object({
    /** Data folder: built models, stores, spools; relative paths resolve against the working directory. */
    dataDir: z.string().min(1).default('.infermesh'),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    limits: limitsSchema.prefault({}),
    runners: z.array(runnerSchema).min(1),
    gateway: gatewaySchema.prefault({}),
    /** Validated by @infermesh/registry, which owns its keys. */
    registry: z.record(z.string(), z.unknown()).optional(),
    /** Validated by @infermesh/sink, which owns its keys. */
    sink: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.runners.forEach((runner, index) => {
      if (seen.has(runner.name)) {
        ctx.addIssue({ code: 'custom', path: ['runners', index, 'name'], message: `duplicate runner name '${runner.name}'` });
      }
      seen.add(runner.name);
    });
  });

/** A validated mesh config. */
export type MeshConfig = z.infer<typeof meshConfigSchema>;
/** One runner entry of the mesh config. */
export type RunnerEntry = MeshConfig['runners'][number];
/** The gateway section of the mesh config. */
export type GatewayEntry = MeshConfig['gateway'];
/** The limits section of the mesh config. */
export type Limits = MeshConfig['limits'];
