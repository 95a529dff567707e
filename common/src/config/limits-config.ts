/** The mesh config's `limits:` section: message and tensor bounds every service applies. */
import { z } from 'zod';

const MiB = 1024 * 1024;

/** The `limits:` keys, with defaults. */
export const limitsSchema = z
  .object({
    /** Largest gRPC message in either direction, on every server and client. */
    maxMessageBytes: z.number().int().min(4096).max(2 ** 31 - 1).default(64 * MiB),
    /** Largest number of elements in one input tensor, checked before allocating. */
    maxTensorElements: z.number().int().positive().default(16 * MiB),
  })
  .strict();

/** The limits section of the mesh config. */
export type Limits = z.infer<typeof limitsSchema>;
