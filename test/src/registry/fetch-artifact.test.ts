/**
 * Registry.FetchArtifact as a runner calls it (RegistryArtifactSource over real gRPC to a
 * registry in this process): a registered artifact streams back whole in bounded messages,
 * and each thing that can be wrong gets its own status naming it: a malformed sha256, one no
 * version has, one the store lost, a size other than the one the runner was told.
 */
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import type { ServiceError } from '@infermesh/common';
import { registryProto, type ArtifactChunk__Output } from '@infermesh/proto/registry';
import { RegistryArtifactSource } from '@infermesh/runners';
import { startInProcessRegistry, type InProcessRegistry } from './in-process-registry.js';
import { slowMlpModel } from './models.js';

let registry: InProcessRegistry;
let source: RegistryArtifactSource;
let artifact: { sha256: string; sizeBytes: number; bytes: Uint8Array };

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function fetchAll(sha256: string, sizeBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source.fetch(sha256, sizeBytes)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (error: ServiceError) => ({ code: error.code, details: error.details }));

beforeAll(async () => {
  registry = await startInProcessRegistry({ artifacts: { allowedDirs: ['.'] } });
  // Over 4 MiB: many messages.
  const bytes = slowMlpModel(1);
  const file = join(registry.dataDir, 'slow.onnx');
  await writeFile(file, bytes);
  const { version } = await registry.client.registerVersion({ model: 'slow', version: 1, artifact: file });
  artifact = { sha256: version!.sha256, sizeBytes: bytes.length, bytes };
  source = new RegistryArtifactSource(registry.registry.address);
}, 60_000);

afterAll(async () => {
  source?.close();
  await registry?.close();
});

describe('FetchArtifact', () => {
  it('streams a registered artifact whole, in messages of at most 256 KiB', async () => {
    expect(artifact.sizeBytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(sha(await fetchAll(artifact.sha256, artifact.sizeBytes))).toBe(artifact.sha256);

    const client = new registryProto.Registry(registry.registry.address, grpc.credentials.createInsecure());
    const messages: ArtifactChunk__Output[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = client.FetchArtifact({ sha256: artifact.sha256 });
      call.on('data', (message: ArtifactChunk__Output) => messages.push(message));
      call.on('end', resolve);
      call.on('error', reject);
    });
    client.close();
    expect(messages[0]!.size_bytes).toBe(String(artifact.sizeBytes));
    expect(messages.slice(1).every((m) => m.size_bytes === '0')).toBe(true);
    expect(Math.max(...messages.map((m) => m.data.length))).toBeLessThanOrEqual(256 * 1024);
  });

  it('names what is wrong: a malformed sha256, one no version has, a size the runner was not told', async () => {
    expect(await failure(fetchAll('ABC', 10))).toEqual({
      code: grpc.status.INVALID_ARGUMENT,
      details: `artifact ABC: fetching it from the registry at ${registry.registry.address} failed: INVALID_ARGUMENT: sha256: expected 64 lowercase hex digits, got 'ABC'`,
    });
    const unknown = 'ab'.repeat(32);
    expect(await failure(fetchAll(unknown, 10))).toEqual({
      code: grpc.status.NOT_FOUND,
      details: `artifact ${unknown}: fetching it from the registry at ${registry.registry.address} failed: NOT_FOUND: artifact ${unknown}: no registered version has this sha256`,
    });
    expect(await failure(fetchAll(artifact.sha256, artifact.sizeBytes + 1))).toEqual({
      code: grpc.status.FAILED_PRECONDITION,
      details: `artifact ${artifact.sha256}: the registry serves ${artifact.sizeBytes} bytes, not the ${artifact.sizeBytes + 1} LoadModel named`,
    });
  });

  it('says so when the artifact store lost a registered artifact', async () => {
    const stored = join(registry.dataDir, 'registry', 'artifacts', `${artifact.sha256}.onnx`);
    await rm(stored);
    const lost = await failure(fetchAll(artifact.sha256, artifact.sizeBytes));
    expect(lost).toEqual({
      code: grpc.status.NOT_FOUND,
      details: expect.stringContaining(
        `NOT_FOUND: artifact ${artifact.sha256} of model 'slow' version 1 is missing from the artifact store (folder ${join(registry.dataDir, 'registry', 'artifacts')})`,
      ),
    });
    await writeFile(stored, artifact.bytes);
  });
});
