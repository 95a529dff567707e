/** Turns a worker's outputs into a ModelInferResponse. */
import { datatypeFromOrt, encodeRaw } from '@infermesh/common';
import type { ModelInferResponse } from '@infermesh/proto';
import type { WireTensor } from './session-protocol.js';

/**
 * Builds the response. Outputs are always raw (views of the worker's buffers, not copies),
 * whatever form the inputs took, as Triton answers: clients read `raw_output_contents[i]`.
 */
export function buildResponse(
  model: { name: string; version: string },
  requestId: string,
  fetches: readonly string[],
  outputs: Record<string, WireTensor>,
): ModelInferResponse {
  const tensors = fetches.map((name) => outputs[name]!);
  return {
    model_name: model.name,
    model_version: model.version,
    id: requestId,
    outputs: fetches.map((name, i) => ({ name, datatype: datatypeFromOrt(tensors[i]!.type) ?? 'BYTES', shape: tensors[i]!.dims })),
    raw_output_contents: tensors.map((tensor) => encodeRaw(tensor.data)),
  };
}
