/**
 * Pieces the mesh's sections for outside services (`consul:`, `etcd:`) share: an http(s)
 * address as their CLIs take it, and the TLS files a client presents, made absolute.
 */
import path from 'node:path';
import { z } from 'zod';

/**
 * `http://host:port`, `https://host:port`, or `host:port` (http, as the services' own CLIs
 * allow), normalized to a URL without a trailing slash; `example` goes into the message.
 */
export function httpAddressSchema(example: string) {
  return z
    .string()
    .min(1)
    .max(2048)
    .transform((value, ctx) => {
      const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
      try {
        const url = new URL(withScheme);
        if ((url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '' && (url.pathname === '/' || url.pathname === '')) {
          return `${url.protocol}//${url.host}`;
        }
      } catch {
        // reported below
      }
      ctx.addIssue({ code: 'custom', message: `must be an http(s) address such as ${example} (no path or credentials)` });
      return z.NEVER;
    });
}

/** TLS to an https service: a CA to trust (else the system's), and a client certificate when the service verifies clients. */
export const clientTlsSchema = z
  .object({ ca: z.string().min(1).optional(), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
  .strict()
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { message: 'cert and key go together', path: ['cert'] });

/** A client TLS section. */
export type ClientTlsConfig = z.infer<typeof clientTlsSchema>;

/** `{ tls }` with its file paths made absolute against `cwd`; nothing when there is none. */
export function withClientTlsPaths(tls: ClientTlsConfig | undefined, cwd: string): { tls?: ClientTlsConfig } {
  if (!tls) return {};
  const resolve = (file: string) => path.resolve(cwd, file);
  return {
    tls: {
      ...(tls.ca === undefined ? {} : { ca: resolve(tls.ca) }),
      ...(tls.cert === undefined ? {} : { cert: resolve(tls.cert) }),
      ...(tls.key === undefined ? {} : { key: resolve(tls.key) }),
    },
  };
}
