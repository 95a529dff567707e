/** RepositoryIndex, RepositoryModelLoad and RepositoryModelUnload: request checks, then the repository. */
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { authorizationOf, deadlineMs, ServiceError, type ContextHandlers, type ServiceCallContext } from '@infermesh/common';
import type { GRPCInferenceServiceHandlers, ModelRepositoryParameter__Output } from '@infermesh/proto';
import type { ModelRepository } from './ModelRepository.js';

/** Longest a load or unload waits when the caller set no deadline. */
const MAX_WAIT_MS = 10 * 60_000;
const MAX_MODEL_NAME_CHARS = 256;

function checkModelName(name: string): void {
  if (name === '') throw ServiceError.invalidArgument('model_name: required');
  if (name.length > MAX_MODEL_NAME_CHARS) throw ServiceError.invalidArgument(`model_name: longer than ${MAX_MODEL_NAME_CHARS} characters`);
}

/** Refuses parameters infermesh does not act on, naming them, rather than ignoring them. */
function checkParameters(parameters: Record<string, ModelRepositoryParameter__Output>, allowed: readonly string[], method: string): void {
  for (const key of Object.keys(parameters)) {
    if (allowed.includes(key)) continue;
    const hint =
      key === 'config' || key.startsWith('file:')
        ? ': register a new version with its config and artifact instead (infermesh models push)'
        : '';
    throw ServiceError.invalidArgument(`parameters: '${key.slice(0, 100)}' is not supported by ${method}${hint}`);
  }
}

function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number {
  return Math.min(deadlineMs(call), Date.now() + MAX_WAIT_MS);
}

type RepositoryMethods = Pick<GRPCInferenceServiceHandlers, 'RepositoryIndex' | 'RepositoryModelLoad' | 'RepositoryModelUnload'>;

/** The repository methods over `repository`, to bind behind the service middleware. */
export function repositoryHandlers(repository: ModelRepository): ContextHandlers<RepositoryMethods, ServiceCallContext> {
  return {
    RepositoryIndex: async (request, call) => ({
      models: await repository.index(request.ready, authorizationOf(call.metadata)),
    }),
    RepositoryModelLoad: async (request, call) => {
      checkModelName(request.model_name);
      checkParameters(request.parameters, [], 'RepositoryModelLoad');
      await repository.load(request.model_name, deadlineOf(call), authorizationOf(call.metadata));
      return {};
    },
    RepositoryModelUnload: async (request, call) => {
      checkModelName(request.model_name);
      // Dependents are ensemble members; infermesh has no ensembles, so there is nothing more to unload.
      checkParameters(request.parameters, ['unload_dependents'], 'RepositoryModelUnload');
      await repository.unload(request.model_name, deadlineOf(call), authorizationOf(call.metadata));
      return {};
    },
  };
}
