/** RepositoryIndex, RepositoryModelLoad and RepositoryModelUnload: request checks, then the repository. */
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { authorizationOf, deadlineMs, ServiceError, type ContextHandlers, type ServiceCallContext } from '@infermesh/common';
import type { GRPCInferenceServiceHandlers, ModelRepositoryParameter__Output } from '@infermesh/proto';
import type { LoadOverride, ModelRepository } from './ModelRepository.js';
import { configYamlFromTritonJson } from './triton-json-config.js';

/** Longest a load or unload waits when the caller set no deadline. */
const MAX_WAIT_MS = 10 * 60_000;
const MAX_MODEL_NAME_CHARS = 256;

function checkModelName(name: string): void {
  if (name === '') throw ServiceError.invalidArgument('model_name: required');
  if (name.length > MAX_MODEL_NAME_CHARS) throw ServiceError.invalidArgument(`model_name: longer than ${MAX_MODEL_NAME_CHARS} characters`);
}

/** Refuses parameters infermesh does not act on, naming them, rather than ignoring them. */
function checkParameters(parameters: Record<string, ModelRepositoryParameter__Output>, allowed: (key: string) => boolean, method: string): void {
  for (const key of Object.keys(parameters)) {
    if (!allowed(key)) throw ServiceError.invalidArgument(`parameters: '${key.slice(0, 100)}' is not supported by ${method}`);
  }
}

/** The model file a `file:<version>/model.onnx` parameter uploads, as Triton's clients send it. */
const MODEL_FILE = /^file:\d{1,9}\/model\.onnx$/;

/**
 * RepositoryModelLoad's `config` (Triton's JSON model config) and `file:` parameters, or
 * undefined without them. As in Triton, a file needs the config that goes with it, and one
 * load uploads one model file (one version).
 */
function loadOverride(model: string, parameters: Record<string, ModelRepositoryParameter__Output>): LoadOverride | undefined {
  const files = Object.keys(parameters).filter((key) => key.startsWith('file:'));
  const config = parameters.config;
  if (!config && files.length === 0) return undefined;
  if (!config) throw ServiceError.invalidArgument(`parameters: '${files[0]!.slice(0, 100)}' needs the 'config' parameter with it, as in Triton`);
  if (config.parameter_choice !== 'string_param') throw ServiceError.invalidArgument("parameters: 'config' must be a string_param holding the model config as JSON");
  const override: LoadOverride = { configYaml: configYamlFromTritonJson(config.string_param ?? '', model) };
  if (files.length > 1) throw ServiceError.invalidArgument(`parameters: ${files.length} files given; infermesh registers one model file (one version) per load`);
  const [key] = files;
  if (key !== undefined) {
    if (!MODEL_FILE.test(key)) throw ServiceError.invalidArgument(`parameters: '${key.slice(0, 100)}': expected file:<version>/model.onnx (infermesh serves one ONNX file per version)`);
    const file = parameters[key]!;
    if (file.parameter_choice !== 'bytes_param' || !file.bytes_param || file.bytes_param.length === 0) {
      throw ServiceError.invalidArgument(`parameters: '${key}' must be a non-empty bytes_param holding the model file`);
    }
    override.file = { name: 'model.onnx', bytes: file.bytes_param };
  }
  return override;
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
      checkParameters(request.parameters, (key) => key === 'config' || key.startsWith('file:'), 'RepositoryModelLoad');
      const override = loadOverride(request.model_name, request.parameters);
      await repository.load(request.model_name, deadlineOf(call), authorizationOf(call.metadata), override);
      return {};
    },
    RepositoryModelUnload: async (request, call) => {
      checkModelName(request.model_name);
      // Dependents are ensemble members; infermesh has no ensembles, so there is nothing more to unload.
      checkParameters(request.parameters, (key) => key === 'unload_dependents', 'RepositoryModelUnload');
      await repository.unload(request.model_name, deadlineOf(call), authorizationOf(call.metadata));
      return {};
    },
  };
}
