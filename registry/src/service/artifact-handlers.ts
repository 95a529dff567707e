/**
 * FetchArtifact: a registered version's artifact, streamed from the registry's artifact store
 * to a runner, so that runners on any machine load the registry's bytes with no access to its
 * folder or the store's credentials. Only artifacts of registered versions are served.
 */
import type { ServerWritableStream } from '@grpc/grpc-js';
import { ServiceError, type ContextHandlers, type ServiceCallContext } from '@infermesh/common';
import type { ArtifactChunk, FetchArtifactRequest__Output, RegistryHandlers } from '@infermesh/proto/registry';
import type { RegistryState, VersionRecord } from '../state/registry-state.js';
import type { RegistryContext } from './context.js';

type ArtifactHandlers = ContextHandlers<Pick<RegistryHandlers, 'FetchArtifact'>, ServiceCallContext>;

const SHA256 = /^[0-9a-f]{64}$/;
/** Largest data field sent: well under any runner's message limit. */
const MAX_CHUNK_BYTES = 256 * 1024;

function versionWithArtifact(state: Readonly<RegistryState>, sha256: string): VersionRecord | undefined {
  for (const model of Object.values(state.models)) {
    const found = model.versions.find((v) => v.sha256 === sha256);
    if (found) return found;
  }
  return undefined;
}

/** Waits until the call's buffer drains, or rejects when the caller went away. */
function drained(call: ServerWritableStream<FetchArtifactRequest__Output, ArtifactChunk>): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (gone: boolean) => () => {
      for (const [event, listener] of listeners) call.off(event, listener);
      if (gone) reject(ServiceError.cancelled('FetchArtifact: the caller went away'));
      else resolve();
    };
    const listeners: [string, () => void][] = [
      ['drain', settle(false)],
      ['cancelled', settle(true)],
      ['close', settle(true)],
      ['error', settle(true)],
    ];
    for (const [event, listener] of listeners) call.once(event, listener);
  });
}

export function artifactHandlers(context: RegistryContext): ArtifactHandlers {
  return {
    FetchArtifact: async (call: ServerWritableStream<FetchArtifactRequest__Output, ArtifactChunk>) => {
      const { sha256 } = call.request;
      if (!SHA256.test(sha256)) throw ServiceError.invalidArgument(`sha256: expected 64 lowercase hex digits, got '${sha256.slice(0, 80)}'`);
      const version = versionWithArtifact(context.registry.current, sha256);
      if (!version) throw ServiceError.notFound(`artifact ${sha256}: no registered version has this sha256`);
      const reader = await context.artifacts.open(sha256);
      if (!reader) {
        throw ServiceError.notFound(
          `artifact ${sha256} of model '${version.model}' version ${version.version} is missing from the artifact store (${context.artifacts.backend.description})`,
        );
      }
      if (reader.sizeBytes !== version.sizeBytes) {
        reader.destroy();
        throw ServiceError.failedPrecondition(
          `artifact ${sha256}: the artifact store (${context.artifacts.backend.description}) holds ${reader.sizeBytes} bytes, not the ${version.sizeBytes} registered`,
        );
      }
      let first = true;
      try {
        for await (const block of reader.body) {
          for (let offset = 0; offset < block.byteLength; offset += MAX_CHUNK_BYTES) {
            if (call.cancelled) return;
            const data = Buffer.from(block.buffer, block.byteOffset + offset, Math.min(MAX_CHUNK_BYTES, block.byteLength - offset));
            const more = call.write({ size_bytes: first ? reader.sizeBytes : 0, data });
            first = false;
            if (!more) await drained(call);
          }
        }
        if (first) call.write({ size_bytes: reader.sizeBytes, data: Buffer.alloc(0) });
        call.end();
      } catch (error) {
        if (error instanceof ServiceError) throw error;
        throw ServiceError.unavailable(`artifact ${sha256}: reading it from the artifact store failed: ${(error as Error).message}`);
      } finally {
        reader.destroy();
      }
    },
  };
}
