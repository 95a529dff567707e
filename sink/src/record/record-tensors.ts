/**
 * A published record's tensors: the gateway sends the serialized ModelInferResponse (and
 * request, when it captures inputs) undecoded; here they become the record's `outputs` and
 * `inputs` in raw form, typed contents converted, so the spool keeps the same records as
 * when gateways decoded them.
 */
import { checkInferRequest, decodeContents, DEFAULT_REQUEST_LIMITS, elementCount, encodeRaw, isDatatype, type RequestLimits } from '@infermesh/common';
import {
  inferenceProto,
  type InferTensorContents__Output,
  type ModelInferRequest__Output,
  type ModelInferResponse__Output,
} from '@infermesh/proto';
import type { PredictionRecord__Output, RecordTensor__Output } from '@infermesh/proto/sink';

/**
 * A record's JSON document takes at least a quarter of a byte per raw tensor byte (an FP64
 * zero, 8 bytes, is `0,`), so tensors of more than this many bytes per byte of the record
 * limit would leave it over the limit anyway: they are not decoded nor converted.
 */
const RAW_BYTES_PER_RECORD_BYTE = 4;

const inferMethod = inferenceProto.GRPCInferenceService.service.ModelInfer;

interface WireTensor {
  name: string;
  datatype: string;
  shape: string[];
  contents: InferTensorContents__Output | null;
}

/** Raw tensors of a decoded message; throws when one has no data or they pass `budget` bytes. */
function toRaw(tensors: readonly WireTensor[], raw: readonly Buffer[], budget: { left: number }): RecordTensor__Output[] {
  return tensors.map((tensor, index) => {
    let bytes = raw[index];
    if (bytes === undefined) {
      if (!isDatatype(tensor.datatype) || !tensor.contents) throw new Error(`tensor '${tensor.name}' has no data`);
      const count = elementCount(tensor.shape.map(Number));
      // decodeContents checks the count against the values actually sent before it allocates.
      bytes = encodeRaw(decodeContents(tensor.name, tensor.datatype, count, tensor.contents));
    }
    budget.left -= bytes.byteLength;
    if (budget.left < 0) throw new Error('tensors over the record limit');
    return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, raw: bytes };
  });
}

/** The outputs and inputs of `record`'s messages, or undefined when they do not decode or are too big. */
function decodeTensors(record: PredictionRecord__Output, maxRawBytes: number, requestLimits: RequestLimits): { outputs: RecordTensor__Output[]; inputs: RecordTensor__Output[] } | undefined {
  if (record.response.byteLength + record.request.byteLength > maxRawBytes) return undefined;
  const budget = { left: maxRawBytes };
  try {
    let outputs: RecordTensor__Output[] = [];
    if (record.response.byteLength > 0) {
      const response = inferMethod.responseDeserialize(record.response) as ModelInferResponse__Output;
      outputs = toRaw(response.outputs, response.raw_output_contents, budget);
    }
    let inputs: RecordTensor__Output[] = [];
    if (record.request.byteLength > 0) {
      // Held to the request limits on the wire first: a hostile request is not decoded here either.
      checkInferRequest(record.request, requestLimits);
      const request = inferMethod.requestDeserialize(record.request) as ModelInferRequest__Output;
      inputs = toRaw(request.inputs, request.raw_input_contents, budget);
    }
    return { outputs, inputs };
  } catch {
    // A request the runner refused may not decode (that is why it was refused); the record
    // still says what happened, without tensors.
    return undefined;
  }
}

/**
 * `record` with `outputs` and `inputs` decoded from its `response` and `request`, which it
 * no longer carries; a record whose messages do not decode, or whose tensors could not fit
 * `maxRecordBytes`, goes without tensors (`tensors_omitted`). A record without messages
 * (already decoded, or without tensors) is returned as it is.
 */
export function withTensors(
  record: PredictionRecord__Output,
  maxRecordBytes: number,
  requestLimits: RequestLimits = DEFAULT_REQUEST_LIMITS,
): PredictionRecord__Output {
  if (record.response.byteLength === 0 && record.request.byteLength === 0) return record;
  const tensors = decodeTensors(record, RAW_BYTES_PER_RECORD_BYTE * maxRecordBytes, requestLimits);
  return {
    ...record,
    outputs: tensors?.outputs ?? [],
    inputs: tensors?.inputs ?? [],
    tensors_omitted: record.tensors_omitted || tensors === undefined,
    response: Buffer.alloc(0),
    request: Buffer.alloc(0),
  };
}
