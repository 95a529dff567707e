/**
 * The static token file: `tokens: [{ name, sha256 | token, roles, models }]` in YAML or JSON,
 * looked up by the SHA-256 of the presented token, and read again when the file changes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../config/ConfigError.js';
import { readConfigFile } from '../config/read-config-file.js';
import type { Logger } from '../log/logger.js';
import { ANY_MODEL, type Principal } from './Principal.js';

const entrySchema = z
  .object({
    name: z.string().min(1).max(128),
    /** Hex SHA-256 of the token: the file then holds no usable secret. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'expected 64 hex digits').optional(),
    /** The token itself (for development); at least 16 characters. */
    token: z.string().min(16).max(4096).optional(),
    roles: z.array(z.string().min(1).max(64)).default([]),
    models: z.array(z.string().min(1).max(256)).default([ANY_MODEL]),
  })
  .strict()
  .refine((entry) => (entry.sha256 === undefined) !== (entry.token === undefined), { message: 'give exactly one of sha256 and token' });

const fileSchema = z.object({ tokens: z.array(entrySchema).max(100_000) }).strict();

/** Hex SHA-256 of a token, as the file's `sha256` holds it. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function readTokens(file: string): Map<string, Principal> {
  const parsed = fileSchema.safeParse(readConfigFile(file));
  if (!parsed.success) {
    // Paths and messages only: a value could be a token.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`token file ${file}: ${problems.join('; ')}`);
  }
  const byDigest = new Map<string, Principal>();
  for (const entry of parsed.data.tokens) {
    const digest = entry.sha256?.toLowerCase() ?? tokenDigest(entry.token!);
    if (byDigest.has(digest)) throw new ConfigError(`token file ${file}: token '${entry.name}' is also another entry's token`);
    byDigest.set(digest, { name: entry.name, roles: new Set(entry.roles), models: new Set(entry.models), expiresAt: Infinity });
  }
  return byDigest;
}

export class StaticTokens {
  private byDigest: Map<string, Principal>;

  /** Reads `file` now (a ConfigError says what is wrong) and watches it; `changed` runs after each reload. */
  constructor(
    private readonly file: string,
    reloadMs: number,
    private readonly logger: Logger,
    private readonly changed: () => void,
  ) {
    this.byDigest = readTokens(file);
    fs.watchFile(file, { persistent: false, interval: reloadMs }, this.reload);
  }

  /** The principal of `token`, or undefined when the file does not hold it. */
  lookup(token: string): Principal | undefined {
    return this.byDigest.get(tokenDigest(token));
  }

  close(): void {
    fs.unwatchFile(this.file, this.reload);
  }

  private readonly reload = (): void => {
    try {
      this.byDigest = readTokens(this.file);
    } catch (error) {
      this.logger.warn({ err: error }, 'token file changed but cannot be used; keeping the tokens loaded');
      return;
    }
    this.logger.info({ file: this.file, tokens: this.byDigest.size }, 'token file reloaded');
    this.changed();
  };
}
