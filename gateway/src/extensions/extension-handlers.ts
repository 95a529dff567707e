/** The Triton extension methods the gateway answers, and the names ServerMetadata lists for them. */
import { unaryHandler, unsupportedMethodHandlers, type Logger } from '@infermesh/common';
import type { ModelConfigResponse, ModelStatisticsResponse } from '@infermesh/proto';
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

export function extensionHandlers(router: Router, pool: RunnerPool, repository: ModelRepository, logger: Logger) {
  return {
    ...unsupportedMethodHandlers(),
    ...repositoryHandlers(repository, logger),
    ModelConfig: unaryHandler<{ name: string; version: string }, ModelConfigResponse>(logger, 'ModelConfig', (request, call) =>
      modelConfig(router, request, call),
    ),
    ModelStatistics: unaryHandler<{ name: string; version: string }, ModelStatisticsResponse>(logger, 'ModelStatistics', (request) =>
      modelStatistics(pool.runners, request, logger),
    ),
  };
}
