/**
 * Triton's onnxruntime tuning onto the runner's: `optimization.graph.level` becomes
 * graph_optimization_level and the backend parameter `intra_op_thread_count` becomes
 * intra_op_threads. Everything else of both is listed.
 */
import { MODEL_CONFIG_LIMITS } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import type { RunnerConfig } from './runner-config.js';
import { listUnread, UNSUPPORTED_REASONS } from './unsupported-fields.js';

/**
 * Triton's onnxruntime backend reads level -1 as ORT_ENABLE_BASIC, 1 as ORT_ENABLE_EXTENDED
 * and anything else as ORT_ENABLE_ALL, which is the runner's default too.
 */
export function mapOptimization(optimization: MessageReader, notes: ImportNotes): Pick<RunnerConfig, 'graph_optimization_level'> {
  const graph = optimization.message('graph');
  const level = graph?.integer('level');
  if (graph) listUnread(graph, notes);
  listUnread(optimization, notes);
  if (level === -1) return { graph_optimization_level: 'basic' };
  if (level === 1) return { graph_optimization_level: 'extended' };
  if (level !== undefined && level !== 0) notes.note(`${graph!.pathOf('level')} ${level} means all optimisations in Triton's onnxruntime backend, as in infermesh`);
  return {};
}

/** `parameters { key: "intra_op_thread_count" value { string_value: "4" } }`, and the others listed. */
export function mapParameters(parameters: MessageReader[], notes: ImportNotes): Pick<RunnerConfig, 'intra_op_threads'> {
  const keys: Pick<RunnerConfig, 'intra_op_threads'> = {};
  for (const parameter of parameters) {
    const key = parameter.string('key') ?? '';
    const value = parameter.message('value');
    const text = value?.string('string_value');
    if (value) listUnread(value, notes);
    listUnread(parameter, notes);
    const path = `parameters[${key}]`;
    if (key !== 'intra_op_thread_count') {
      notes.ignore(path, UNSUPPORTED_REASONS.parameters!);
      continue;
    }
    const threads = Number(text);
    if (text === undefined || !/^\d+$/.test(text) || threads > MODEL_CONFIG_LIMITS.intraOpThreads) {
      throw new ImportRefusal('failed', `${path}: expected a string_value of 0..${MODEL_CONFIG_LIMITS.intraOpThreads} threads, got ${text === undefined ? 'none' : `"${text}"`}`);
    }
    keys.intra_op_threads = threads;
  }
  return keys;
}
