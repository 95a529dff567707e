/**
 * A runner as the status page shows it, from its last Status answer: health, the gateway's
 * calls in flight to it, its queue depth and calls in flight, mean batch size, CPU and memory.
 */
import type { RunnerEndpoint } from '../RunnerEndpoint.js';

/** One version on one runner. */
export interface RunnerModelView {
  name: string;
  version: string;
  state: string;
  /** Requests waiting for an instance. */
  queueDepth: number;
  /** Requests queued or running. */
  inFlight: number;
  /** Requests per model execution since the version loaded; undefined before its first execution. */
  meanBatchSize: number | undefined;
  /** 0 when the version is not batched. */
  maxBatchSize: number;
}

export interface RunnerView {
  address: string;
  name: string;
  device: string;
  healthy: boolean;
  ready: boolean;
  /** The gateway's calls to it not answered yet. */
  outstanding: number;
  /** Over every version: requests waiting, requests queued or running. */
  queueDepth: number;
  inFlight: number;
  /** Requests per execution over every version since they loaded; undefined before any ran. */
  meanBatchSize: number | undefined;
  /** CPU cores used between its last two Status answers; undefined until known. */
  cpuCores: number | undefined;
  /** Resident memory of the runner process (0 when not reported). */
  rssBytes: number;
  models: RunnerModelView[];
}

export function runnerView(runner: RunnerEndpoint): RunnerView {
  const status = runner.status;
  let executions = 0;
  let inferences = 0;
  const models = (status?.models ?? []).map((model): RunnerModelView => {
    const ran = Number(model.executions);
    const answered = Number(model.inferences);
    executions += ran;
    inferences += answered;
    return {
      name: model.name,
      version: model.version,
      state: model.state,
      queueDepth: model.queue_depth,
      inFlight: model.in_flight,
      meanBatchSize: ran === 0 ? undefined : answered / ran,
      maxBatchSize: model.max_batch_size,
    };
  });
  return {
    address: runner.address,
    name: status?.runner_name ?? '',
    device: status?.device ?? '',
    healthy: runner.healthy,
    ready: status?.ready ?? false,
    outstanding: runner.outstanding,
    queueDepth: models.reduce((sum, model) => sum + model.queueDepth, 0),
    inFlight: models.reduce((sum, model) => sum + model.inFlight, 0),
    meanBatchSize: executions === 0 ? undefined : inferences / executions,
    cpuCores: runner.cpuCores,
    rssBytes: Number(status?.rss_bytes ?? 0),
    models,
  };
}
