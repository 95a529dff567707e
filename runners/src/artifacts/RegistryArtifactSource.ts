/**
 * Artifact bytes from the registry (Registry.FetchArtifact), for the runner's artifact cache:
 * the runner needs no access to the registry's folder or its object store's credentials.
 * Errors keep the registry's code (NOT_FOUND for an unknown or missing artifact) and say
 * that the fetch failed, naming the artifact.
 */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, clientSecurity, ErrorCode, ServiceError, type ClientSecurity } from '@infermesh/common';
import { registryProto, type ArtifactChunk__Output, type RegistryClient } from '@infermesh/proto/registry';

/** Deadline of one fetch: a large artifact over a slow link. */
const FETCH_TIMEOUT_MS = 30 * 60_000;
/** The registry sends at most 256 KiB of data per message; room for the framing. */
const MAX_RECEIVE_BYTES = 1024 * 1024;
/** Codes whose details the registry's own failure produced, not the caller's request. */
const PASSED_ON = new Set<number>([ErrorCode.NOT_FOUND, ErrorCode.INVALID_ARGUMENT, ErrorCode.FAILED_PRECONDITION, ErrorCode.PERMISSION_DENIED, ErrorCode.UNAUTHENTICATED]);

export class RegistryArtifactSource {
  private readonly client: RegistryClient;

  /** @param registry the registry's host:port. */
  constructor(
    private readonly registry: string,
    security: ClientSecurity = {},
  ) {
    const { credentials, options } = clientSecurity(security);
    this.client = new registryProto.Registry(registry, credentials, { ...options, ...clientChannelOptions(MAX_RECEIVE_BYTES) });
  }

  /** The artifact's bytes as they arrive; rejects when the registry's size is not `sizeBytes`. */
  async *fetch(sha256: string, sizeBytes: number): AsyncGenerator<Uint8Array> {
    const call = this.client.FetchArtifact({ sha256 }, { deadline: Date.now() + FETCH_TIMEOUT_MS });
    let first = true;
    try {
      for await (const message of call as AsyncIterable<ArtifactChunk__Output>) {
        if (first && Number(message.size_bytes) !== sizeBytes) {
          throw ServiceError.failedPrecondition(`artifact ${sha256}: the registry serves ${message.size_bytes} bytes, not the ${sizeBytes} LoadModel named`);
        }
        first = false;
        yield message.data;
      }
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      const { code, details } = (error ?? {}) as Partial<grpc.ServiceError>;
      const reason = `artifact ${sha256}: fetching it from the registry at ${this.registry} failed: ${grpc.status[code ?? grpc.status.UNKNOWN]}: ${details ?? 'no details'}`;
      throw code !== undefined && PASSED_ON.has(code) ? new ServiceError(code as ErrorCode, reason) : ServiceError.unavailable(reason);
    } finally {
      // Ends the call when the reader stopped early; nothing when it ended by itself.
      call.cancel();
    }
  }

  close(): void {
    this.client.close();
  }
}
