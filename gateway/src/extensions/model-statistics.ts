/** ModelStatistics at the gateway: every runner's statistics for the model versions, summed. */
import * as grpc from '@grpc/grpc-js';
import { ServiceError, unaryCall, type Logger } from '@infermesh/common';
import type { ModelStatisticsResponse, ModelStatistics__Output } from '@infermesh/proto';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { mergeStatistics } from './merge-statistics.js';

/** A runner that takes longer than this is left out of the sum (and logged). */
const RUNNER_TIMEOUT_MS = 5_000;

interface StatisticsRequest {
  name: string;
  version: string;
}

async function runnerStatistics(runner: RunnerEndpoint, request: StatisticsRequest, logger: Logger): Promise<ModelStatistics__Output[]> {
  try {
    const response = await unaryCall<{ model_stats: ModelStatistics__Output[] }>((done) =>
      runner.inference.ModelStatistics(request, { deadline: Date.now() + RUNNER_TIMEOUT_MS }, done),
    );
    return response.model_stats;
  } catch (error) {
    // NOT_FOUND: this runner does not hold the model; UNAVAILABLE: its copy never loaded. Both are normal in a mesh.
    const code = (error as grpc.ServiceError).code;
    if (code !== grpc.status.NOT_FOUND && code !== grpc.status.UNAVAILABLE) {
      logger.warn({ address: runner.address, err: error }, 'a runner did not answer ModelStatistics; its counts are left out');
    }
    return [];
  }
}

/**
 * Statistics of `name` (every model when empty) and `version` (every version when empty),
 * summed over the healthy runners. Counts live in the runners: a runner that restarted
 * starts again from zero, and one that left the mesh takes its counts with it.
 */
export async function modelStatistics(runners: readonly RunnerEndpoint[], request: StatisticsRequest, logger: Logger): Promise<ModelStatisticsResponse> {
  if (request.name === '' && request.version !== '') throw ServiceError.invalidArgument('version: give a model name with a version');
  const reports = await Promise.all(runners.filter((runner) => runner.healthy).map((runner) => runnerStatistics(runner, request, logger)));
  const model_stats = mergeStatistics(reports);
  if (request.name !== '' && model_stats.length === 0) {
    const what = request.version === '' ? `model '${request.name}'` : `model '${request.name}' version ${request.version}`;
    throw ServiceError.notFound(`no runner holds ${what}`);
  }
  return { model_stats };
}
