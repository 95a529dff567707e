/** The mesh config's `auth:` section: bearer tokens on the public API and the registry. */
import { z } from 'zod';

const jwtSchema = z
  .object({
    /** A JWKS: a file path, or an https:// URL fetched (and cached) by `jose`. */
    jwks: z.string().min(1).optional(),
    /** A PEM public key (SPKI) file, instead of a JWKS. */
    publicKey: z.string().min(1).optional(),
    /** Required `iss`, when set. */
    issuer: z.string().min(1).optional(),
    /** Required `aud`, when set. */
    audience: z.string().min(1).optional(),
    /** Accepted signature algorithms. */
    algorithms: z.array(z.string().min(1)).min(1).default(['RS256', 'ES256', 'EdDSA']),
    /** Claim with the caller's roles (a list of strings, or one space-separated string). */
    rolesClaim: z.string().min(1).default('roles'),
    /** Claim with the models the caller may call ('*' is every model); absent: every model. */
    modelsClaim: z.string().min(1).default('models'),
    /** Leeway on `exp` and `nbf`. */
    clockToleranceSec: z.number().int().min(0).max(600).default(30),
  })
  .strict()
  .refine((jwt) => (jwt.jwks === undefined) !== (jwt.publicKey === undefined), { message: 'give exactly one of jwks and publicKey' });

/** The `auth:` keys, with defaults. Absent section: no authentication (the default, as on `npm start`). */
export const authSchema = z
  .object({
    /** Static tokens: a YAML/JSON file `tokens: [{ name, sha256 | token, roles, models }]`, reloaded when it changes. */
    tokens: z.string().min(1).optional(),
    /** JSON Web Tokens signed by a key of `jwks` or `publicKey`. */
    jwt: jwtSchema.optional(),
    /** How long a verified token is remembered (never past its `exp`). */
    cacheMs: z.number().int().min(0).max(3_600_000).default(60_000),
    /** Verified tokens remembered at most. */
    cacheEntries: z.number().int().min(1).max(1_000_000).default(10_000),
    /** How often the token file is checked for changes. */
    reloadMs: z.number().int().min(50).max(600_000).default(2_000),
    /** Calls per second each token may make (by its name or JWT subject); 0 = no limit. */
    rateLimit: z
      .object({
        callsPerSecond: z.number().positive().max(1_000_000),
        /** Calls a token may make at once after being idle; default one second's worth. */
        burst: z.number().int().min(1).max(10_000_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((auth) => auth.tokens !== undefined || auth.jwt !== undefined, { message: 'give tokens, jwt or both' });

/** The auth section as validated. */
export type AuthConfig = z.infer<typeof authSchema>;
/** The jwt part of the auth section. */
export type JwtConfig = z.infer<typeof jwtSchema>;
