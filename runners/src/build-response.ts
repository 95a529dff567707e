/** Turns a worker's outputs into a ModelInferResponse. */
import { datatypeFromOrt, datatypeInfo, encodeContents, encodeRaw } from '@infermesh/common';
import type { ModelInferResponse } from '@infermesh/proto';
import type { WireTensor } from './session-protocol.js';

/**
 * Builds the response. Outputs are raw (views of the worker's buffers, not copies) when
 * the request was raw, or when an output's datatype has no typed form (FP16).
 */
export function buildResponse(
  model: { name: string; version: string },
  requestId: string,
  fetches: readonly string[],
  outputs: Record<string, WireTensor>,
  rawRequested: boolean,
): ModelInferResponse {
  const tensors = fetches.map((name) => {
    const tensor = outputs[name]!;
    return { name, tensor, datatype: datatypeFromOrt(tensor.type) ?? 'BYTES' };
  });
  const raw = rawRequested || tensors.some(({ datatype }) => datatypeInfo(datatype).contentsField === null);
  return {
    model_name: model.name,
    model_version: model.version,
    id: requestId,
    outputs: tensors.map(({ name, tensor, datatype }) => ({
      name,
      datatype,
      shape: tensor.dims,
      ...(raw ? {} : { contents: encodeContents(datatype, tensor.data) }),
    })),
    ...(raw ? { raw_output_contents: tensors.map(({ tensor }) => encodeRaw(tensor.data)) } : {}),
  };
}
