/** Schema of the whole mesh config file (deploy/local/infermesh.yaml is the embedded default), one section per file. */
import { z } from 'zod';
import { authSchema } from './auth-config.js';
import { discoverySchema } from './discovery-config.js';
import { consulSchema } from './consul-config.js';
import { etcdSchema } from './etcd-config.js';
import { gatewaySchema } from './gateway-config.js';
import { limitsSchema } from './limits-config.js';
import { registrySchema } from './registry-config.js';
import { runnerEntrySchema } from './runner-config.js';
import { sinkSchema } from './sink-config.js';
import { tlsSchema } from './tls-config.js';

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
    runners: z.array(runnerEntrySchema).min(1),
    gateway: gatewaySchema.prefault({}),
    registry: registrySchema.prefault({}),
    sink: sinkSchema.prefault({}),
    /** TLS of every mesh listener and client (mutual with `clientAuth: require`); absent: plaintext. */
    tls: tlsSchema.optional(),
    /** Bearer tokens on the gateway's public API and the registry; absent: no authentication. */
    auth: authSchema.optional(),
    /** How services find each other: `registry` (default), `static` or `consul` (docs/consul.md). */
    discovery: discoverySchema.prefault({ type: 'registry' }),
    /** How services reach Consul (the `consul` registry store, Consul discovery); absent: nothing uses Consul. */
    consul: consulSchema.optional(),
    /** How services reach etcd (the `etcd` registry store, etcd discovery); absent: nothing uses etcd. */
    etcd: etcdSchema.optional(),
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

/** A validated mesh config, every section's defaults filled. */
export type MeshConfig = z.infer<typeof meshConfigSchema>;
