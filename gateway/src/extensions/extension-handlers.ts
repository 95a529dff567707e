/** The Triton extension methods the gateway answers, and the names ServerMetadata lists for them. */
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import {
  serviceMiddleware,
  unsupportedMethodHandlers,
  withMiddleware,
  type ContextHandlers,
  type Logger,
  type ServiceCallContext,
} from '@infermesh/common';
import { inferenceProto, type GRPCInferenceServiceHandlers } from '@infermesh/proto';
import { repositoryHandlers } from '../repository/repository-handlers.js';
import type { ModelRepository } from '../repository/ModelRepository.js';
import type { Router } from '../Router.js';
import type { RunnerPool } from '../RunnerPool.js';
import { modelConfig } from './model-config.js';
import { modelStatistics } from './model-statistics.js';

/**
 * Triton's extension names for what this gateway answers; model_repository only with a
 * registry, since without one models cannot be loaded or unloaded.
 */
export function extensionNames(withRegistry: boolean): string[] {
  const names = ['model_configuration', 'statistics'];
  if (withRegistry) names.push('model_repository', 'model_repository(unload_dependents)');
  return names;
}

type ExtensionMethods = Pick<GRPCInferenceServiceHandlers, 'ModelConfig' | 'ModelStatistics'>;

/** The extension methods: those infermesh does not offer answer UNIMPLEMENTED, the rest go through the service middleware. */
export function extensionHandlers(router: Router, pool: RunnerPool, repository: ModelRepository, logger: Logger): UntypedServiceImplementation {
  const answered: ContextHandlers<ExtensionMethods, ServiceCallContext> = {
    ModelConfig: (request, call) => modelConfig(router, request, call),
    ModelStatistics: (request) => modelStatistics(pool.runners, request, logger),
  };
  return {
    ...unsupportedMethodHandlers(),
    ...withMiddleware(inferenceProto.GRPCInferenceService.service, serviceMiddleware(logger), { ...repositoryHandlers(repository), ...answered }),
  };
}
