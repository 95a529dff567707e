/** The Authenticator over a real token file: header forms, refusals, the cache's bounds, and reload of a rewritten file. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { authSchema } from '../config/auth-config.js';
import { ErrorCode } from '../errors/ErrorCode.js';
import { silentLogger } from '../log/logger.js';
import { Authenticator } from './Authenticator.js';
import { assertModelAllowed, assertRole } from './Principal.js';
import { tokenDigest } from './StaticTokens.js';

const FIRST = 'first-token-0123456789abcdef';
const SECOND = 'second-token-0123456789abcde';

let dir: string;
let file: string;
let auth: Authenticator | undefined;
let now = 1_000_000;

async function writeTokens(tokens: unknown[]): Promise<void> {
  // Renamed into place, as the README advises, so a reload never reads half a file.
  await writeFile(`${file}.new`, JSON.stringify({ tokens }));
  await rename(`${file}.new`, file);
}

function start(extra: Record<string, unknown> = {}): Authenticator {
  auth = new Authenticator(authSchema.parse({ tokens: file, reloadMs: 50, cacheMs: 1_000, ...extra }), silentLogger(), () => now);
  return auth;
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-tokens-'));
  file = path.join(dir, 'tokens.json');
  await writeTokens([
    { name: 'first', sha256: tokenDigest(FIRST), roles: ['admin'] },
    { name: 'second', token: SECOND, models: ['mlp'] },
  ]);
});

afterEach(async () => {
  auth?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('Authenticator', () => {
  it('knows a token by its digest or its value, with its roles and models', async () => {
    const auth = start();
    const first = await auth.authenticate(`Bearer ${FIRST}`);
    expect(first.name).toBe('first');
    expect(() => assertRole(first, 'admin', 'Promote')).not.toThrow();
    const second = await auth.authenticate(`bearer ${SECOND}`);
    expect(() => assertModelAllowed(second, 'mlp')).not.toThrow();
    expect(() => assertModelAllowed(second, 'other')).toThrow(expect.objectContaining({ code: ErrorCode.PERMISSION_DENIED }));
    expect(() => assertRole(second, 'admin', 'Promote')).toThrow(expect.objectContaining({ code: ErrorCode.PERMISSION_DENIED }));
  });

  it('refuses missing, malformed, oversized and unknown tokens without repeating them', async () => {
    const auth = start();
    const refusals = await Promise.all(
      [undefined, '', `Basic ${FIRST}`, `Bearer ${FIRST} extra`, `Bearer ${'a'.repeat(9000)}`, 'Bearer not-a-known-token-at-all'].map((header) =>
        auth.authenticate(header).catch((error: { code: ErrorCode; details: string }) => error),
      ),
    );
    for (const refusal of refusals) {
      expect(refusal).toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
      expect((refusal as { details: string }).details).not.toContain(FIRST);
      expect((refusal as { details: string }).details).not.toContain('not-a-known');
    }
  });

  it('remembers a verified token for cacheMs, and at most cacheEntries of them', async () => {
    const auth = start({ cacheEntries: 1 });
    await auth.authenticate(`Bearer ${FIRST}`);
    expect(auth.remembered(`Bearer ${FIRST}`)?.name).toBe('first');
    now += 1_001;
    expect(auth.remembered(`Bearer ${FIRST}`)).toBeUndefined();
    await auth.authenticate(`Bearer ${FIRST}`);
    await auth.authenticate(`Bearer ${SECOND}`);
    // One entry: the second pushed the first out.
    expect(auth.remembered(`Bearer ${FIRST}`)).toBeUndefined();
    expect(auth.remembered(`Bearer ${SECOND}`)?.name).toBe('second');
  });

  it('reads the file again when it changes: new tokens in, removed ones out at once', async () => {
    const auth = start();
    await auth.authenticate(`Bearer ${FIRST}`);
    await writeTokens([{ name: 'second', token: SECOND }]);
    const refused = async () =>
      auth.authenticate(`Bearer ${FIRST}`).then(
        () => false,
        () => true,
      );
    await expect.poll(refused, { timeout: 30_000, interval: 50 }).toBe(true);
    expect((await auth.authenticate(`Bearer ${SECOND}`)).name).toBe('second');
  });

  it('keeps the tokens it has when the file is rewritten with an error', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    auth = new Authenticator(authSchema.parse({ tokens: file, reloadMs: 50 }), logger);
    await writeTokens([{ name: 'broken', token: 'short-secret' }]);
    await expect.poll(() => warnings.length, { timeout: 30_000, interval: 50 }).toBeGreaterThan(0);
    expect(warnings[0]).toContain('keeping the tokens loaded');
    expect(warnings.join('')).not.toContain('short-secret');
    expect((await auth.authenticate(`Bearer ${SECOND}`)).name).toBe('second');
  });

  it('limits each token to its rate, with a retry hint, refilled as time passes', async () => {
    const auth = start({ rateLimit: { callsPerSecond: 2, burst: 2 } });
    const first = await auth.authenticate(`Bearer ${FIRST}`);
    const second = await auth.authenticate(`Bearer ${SECOND}`);
    auth.charge(first);
    auth.charge(first);
    expect(() => auth.charge(first)).toThrow(expect.objectContaining({ code: ErrorCode.RESOURCE_EXHAUSTED, details: "token 'first' is over its rate of 2 calls/s; retry in 500 ms" }));
    // Another token has its own bucket.
    expect(() => auth.charge(second)).not.toThrow();
    now += 500;
    expect(() => auth.charge(first)).not.toThrow();
    expect(() => auth.charge(first)).toThrow(expect.objectContaining({ code: ErrorCode.RESOURCE_EXHAUSTED }));
  });

  it('refuses a token file that does not validate, naming the key and never the value', () => {
    return writeTokens([{ name: 'bad', token: 'short-secret' }]).then(() => {
      expect(() => start()).toThrow(/tokens\.0\.token/);
      expect(() => start()).not.toThrow(/short-secret/);
    });
  });
});
