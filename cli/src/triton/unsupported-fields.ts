/**
 * Triton model config fields infermesh does not honour, each with the reason, by schema
 * path. A field the mapping leaves unread is listed with its reason from here, or as
 * unknown: nothing in a config.pbtxt is dropped without a word.
 */
import type { ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';

/** Reasons by schema path (`input.reshape`: any input's reshape). */
export const UNSUPPORTED_REASONS: Readonly<Record<string, string>> = {
  runtime: 'infermesh runs every model with onnxruntime-node; there is no backend runtime to choose',
  batch_input: 'ragged batch inputs are not supported: infermesh batches by concatenating requests along the first dimension',
  batch_output: 'ragged batch outputs are not supported: infermesh hands each caller its own rows of the batch',
  model_warmup: "Triton's named warm-up samples are not imported; set `warmup` (count, batch_size, zero|random inputs) in the model config instead",
  model_operations: 'custom operator libraries are not loaded: runners run standard ONNX operators only',
  model_transaction_policy: 'decoupled models (several responses per request) are not supported: infermesh answers one response per request',
  model_repository_agents: 'repository agents (checksum, encryption, ...) do not run; the registry checks the sha256 of every artifact itself',
  cc_model_filenames: 'per-GPU-architecture model files are not supported: every runner loads the same .onnx file',
  metric_tags: 'custom metric labels are not supported: infermesh labels metrics by model and version',
  parameters: 'this onnxruntime backend parameter has no infermesh equivalent (intra_op_thread_count is the one mapped)',
  'dynamic_batching.preserve_ordering':
    'there is no ordering option: each unary call is answered when its batch finishes, and ModelStreamInfer always answers in request order',
  'dynamic_batching.default_queue_policy.timeout_action':
    'DELAY is not supported: a request still queued when its timeout passes is always rejected (DEADLINE_EXCEEDED)',
  'dynamic_batching.default_queue_policy.allow_timeout_override': "infermesh always honours a request's `timeout` parameter; it cannot be turned off",
  'instance_group.rate_limiter': 'infermesh has no rate limiter: an instance runs as soon as it has a batch',
  'instance_group.secondary_devices': 'a version runs on one device per runner; secondary devices are not supported',
  'instance_group.profile': 'TensorRT optimisation profiles do not apply to onnxruntime',
  'instance_group.passive': 'every instance takes work; passive instances are not supported',
  'instance_group.host_policy': 'host policies (NUMA binding) are not supported',
  'optimization.priority': 'model priorities are not supported',
  'sequence_batching.state.initial_state': "initial states are not imported: a sequence's state starts as zeros (an empty string for BYTES)",
  'optimization.cuda': "CUDA graphs and stream options are not supported: onnxruntime's CUDA provider runs with its defaults",
  'optimization.execution_accelerators':
    "TensorRT and OpenVINO accelerators are not supported: runners use onnxruntime's CPU or CUDA provider, by their device",
  'optimization.input_pinned_memory': 'pinned-memory transfers are not configurable',
  'optimization.output_pinned_memory': 'pinned-memory transfers are not configurable',
  'optimization.gather_kernel_buffer_threshold': 'not applicable: batched inputs are concatenated on the CPU',
  'optimization.eager_batching': 'not supported: a batch leaves when it is full, reaches a preferred size or its delay passes',
  'input.format': 'formats are informational: infermesh takes the layout from the ONNX file',
  'input.reshape': "infermesh does not reshape tensors: callers send the ONNX file's own shape",
  'output.reshape': "infermesh does not reshape tensors: callers get the ONNX file's own shape",
  'output.label_filename': 'classification labels are not supported: callers get the raw output tensor',
  'input.is_shape_tensor': 'shape tensors are a TensorRT feature',
  'output.is_shape_tensor': 'shape tensors are a TensorRT feature',
  'input.allow_ragged_batch': 'ragged batching is not supported: requests batched together share their non-batch shape',
  'input.optional': 'every input of the ONNX file is required',
  'input.is_non_linear_format_io': 'non-linear formats are a TensorRT feature',
  'output.is_non_linear_format_io': 'non-linear formats are a TensorRT feature',
};

/** Lists every field of `reader` that nothing read: with its reason, or as unknown. */
export function listUnread(reader: MessageReader, notes: ImportNotes): void {
  for (const field of reader.unread()) {
    const reason = UNSUPPORTED_REASONS[reader.keyOf(field.name)];
    notes.ignore(reader.pathOf(field.name), reason ?? "unknown field: not in Triton's model config as infermesh reads it");
  }
}

/** Lists one field, known to be unsupported, with its reason from the table. */
export function ignoreField(reader: MessageReader, name: string, notes: ImportNotes): void {
  reader.markRead(name);
  notes.ignore(reader.pathOf(name), UNSUPPORTED_REASONS[reader.keyOf(name)] ?? 'not supported');
}
