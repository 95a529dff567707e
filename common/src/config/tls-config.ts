/** One `tls:` section shape, used by the mesh (every service's listeners and clients) and by the gateway's public port. */
import { z } from 'zod';

/** The `tls:` keys, with defaults. Paths resolve against the working directory. */
export const tlsSchema = z
  .object({
    /** PEM certificate chain this service presents (as a server, and as a client to other mesh services). */
    cert: z.string().min(1),
    /** PEM private key of `cert`. */
    key: z.string().min(1),
    /** PEM CA bundle that peers' certificates must chain to; needed for `clientAuth: require` and by clients. */
    ca: z.string().min(1).optional(),
    /** `require`: a listener refuses callers without a certificate signed by `ca` (mutual TLS); `none`: any TLS caller. */
    clientAuth: z.enum(['require', 'none']).default('require'),
    /** How often the files are checked for changes; a change is loaded without a restart. */
    reloadMs: z.number().int().min(50).max(600_000).default(2_000),
  })
  .strict()
  .refine((tls) => tls.clientAuth === 'none' || tls.ca !== undefined, { message: "clientAuth 'require' needs a ca file", path: ['ca'] });

/** A tls section as validated. */
export type TlsConfig = z.infer<typeof tlsSchema>;
