/**
 * The request parameters that schedule a request rather than shape its answer, read as
 * Triton's frontends read them: `timeout` (µs in the queue) and `priority` (its queue level).
 */
import { ServiceError, type ModelConfig } from '@infermesh/common';
import type { InferParameter__Output, ModelInferRequest__Output } from '@infermesh/proto';

/** An int64 or uint64 parameter's value (uint64s above 2^53 lose precision, which no use here minds); NaN for any other kind. */
function integerOf(parameter: InferParameter__Output): number {
  if (parameter.parameter_choice === 'int64_param') return Number(parameter.int64_param);
  if (parameter.parameter_choice === 'uint64_param') return Number(parameter.uint64_param);
  return NaN;
}

/** Reads Triton's `timeout` request parameter: microseconds a request may wait in the queue. */
export function queueTimeout(request: ModelInferRequest__Output): number | undefined {
  const parameter = request.parameters?.timeout;
  if (!parameter) return undefined;
  const value = integerOf(parameter);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw ServiceError.invalidArgument("parameter 'timeout' must be a non-negative int64 number of microseconds");
  }
  return value;
}

/**
 * Reads Triton's `priority` request parameter: an int64 or uint64, 0 meaning the default;
 * any other kind, or a negative number, is refused as Triton refuses it.
 */
export function requestPriority(request: ModelInferRequest__Output): number | undefined {
  const parameter = request.parameters?.priority;
  if (!parameter) return undefined;
  const value = integerOf(parameter);
  if (Number.isNaN(value) || value < 0) {
    throw ServiceError.invalidArgument(
      `parameter 'priority' must be a non-negative int64 or uint64 (1 is the highest level, 0 the default), got ${JSON.stringify(parameter[parameter.parameter_choice ?? 'string_param'] ?? null)}`,
    );
  }
  return value;
}

/**
 * The queue level of a request with `priority` under `config`: as in Triton, 0 and values over
 * `priority_levels` take the default level; without levels every request is on level 0.
 */
export function priorityLevel(config: Pick<ModelConfig, 'priority_levels' | 'default_priority_level'>, priority: number | undefined): number {
  const levels = config.priority_levels;
  if (levels === 0) return 0;
  if (priority === undefined || priority === 0 || priority > levels) return config.default_priority_level ?? levels;
  return priority;
}
