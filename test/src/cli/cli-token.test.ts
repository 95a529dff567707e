/** The `infermesh` command against a registry that wants tokens: INFERMESH_TOKEN, --token-file, and the refusal it prints without one. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSchema, parseRegistryConfig, silentLogger } from '@infermesh/common';
import { createRegistry, type RunningRegistry } from '@infermesh/registry';
import { mlpModel } from '@infermesh/testkit';
import { runInfermesh } from '../harness/index.js';

const READER = 'cli-reader-token-0123456789';

let dir: string;
let registry: RunningRegistry;

function infermesh(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // This process's own token, if any, must not reach the command.
  const inherited = { ...process.env };
  delete inherited.INFERMESH_TOKEN;
  return runInfermesh(args, { env: { ...inherited, INFERMESH_REGISTRY_ADDRESS: registry.address, ...env } });
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'infermesh-cli-token-'));
  await writeFile(path.join(dir, 'tokens.json'), JSON.stringify({ tokens: [{ name: 'reader', token: READER }] }));
  await writeFile(path.join(dir, 'token'), `${READER}\n`);
  await writeFile(path.join(dir, 'mlp.onnx'), mlpModel(1));
  registry = await createRegistry({
    config: parseRegistryConfig({ port: 0 }),
    dataDir: dir,
    maxMessageBytes: 1 << 24,
    logger: silentLogger(),
    auth: authSchema.parse({ tokens: path.join(dir, 'tokens.json') }),
  });
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('infermesh CLI with tokens', () => {
  it('sends INFERMESH_TOKEN or the --token-file token, and says what is wrong without one', async () => {
    expect(await infermesh({ INFERMESH_TOKEN: READER }, 'models', 'list')).toMatchObject({ code: 0, stderr: '' });
    expect(await infermesh({}, '--token-file', path.join(dir, 'token'), 'models', 'list')).toMatchObject({ code: 0, stderr: '' });
    const refused = await infermesh({}, 'models', 'list');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('missing bearer token');
    const push = await infermesh({ INFERMESH_TOKEN: READER }, 'models', 'push', 'mlp', path.join(dir, 'mlp.onnx'));
    expect(push.code).toBe(1);
    expect(push.stderr).toContain("needs the 'admin' role; token 'reader' has none");
    expect(push.stderr).not.toContain(READER);
  });
});
