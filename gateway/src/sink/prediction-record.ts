/**
 * Turns an InferEvent into the prediction record the sink stores: decodes the response
 * (and the request, for models whose inputs are captured) into raw tensors. Runs in the
 * publisher's own turn of the event loop, never inside a predict call.
 */
import { status } from '@grpc/grpc-js';
import { decodeContents, elementCount, encodeRaw, isDatatype } from '@infermesh/common';
import {
  inferenceProto,
  type InferTensorContents__Output,
  type ModelInferRequest__Output,
  type ModelInferResponse__Output,
} from '@infermesh/proto';
import type { PredictionRecord, RecordTensor } from '@infermesh/proto/sink';
import type { InferEvent } from '../InferObserver.js';
import { traceIdOf, traceIdOfTraceparent } from './trace-id.js';

/** What goes into records beyond the event itself. */
export interface RecordOptions {
  /** Models whose inputs are recorded; contains '*' for every model. */
  captureInputs: ReadonlySet<string>;
  /** Metadata headers copied into records (lowercase names); '*' copies every header but those never recorded. */
  headers: readonly string[];
  /** Raw tensor bytes (outputs + inputs) above which a record goes without tensors. */
  maxTensorBytes: number;
  /** The device of a runner's version, when the gateway knows it. */
  deviceOf?: (runner: string, model: string, version: string) => string;
}

/** A header value longer than this is cut. */
const MAX_HEADER_CHARS = 1024;
/** Headers one record keeps at most with '*'. */
const MAX_WILDCARD_HEADERS = 32;
/**
 * Never recorded by '*': transport headers, the trace context (the record has the trace id)
 * and credentials, which must not end up in data destinations.
 */
const NEVER_RECORDED = new Set([
  'te',
  'content-type',
  'user-agent',
  'accept-encoding',
  'traceparent',
  'tracestate',
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
]);

const recordable = (name: string) => !NEVER_RECORDED.has(name) && !name.startsWith('grpc-') && !name.startsWith(':') && !name.endsWith('-bin');

const inferMethod = inferenceProto.GRPCInferenceService.service.ModelInfer;

interface WireTensor {
  name: string;
  datatype: string;
  shape: string[];
  contents: InferTensorContents__Output | null;
}

function toRaw(tensors: readonly WireTensor[], raw: readonly Buffer[]): RecordTensor[] {
  return tensors.map((tensor, index) => {
    let bytes = raw[index];
    if (bytes === undefined) {
      if (!isDatatype(tensor.datatype) || !tensor.contents) throw new Error(`tensor '${tensor.name}' has no data`);
      const count = elementCount(tensor.shape.map(Number));
      bytes = encodeRaw(decodeContents(tensor.name, tensor.datatype, count, tensor.contents));
    }
    return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, raw: bytes };
  });
}

function wantsInputs(options: RecordOptions, model: string): boolean {
  return options.captureInputs.has('*') || options.captureInputs.has(model);
}

/** The tensors of a record, or undefined when they cannot be decoded or are too big. */
function tensorsOf(event: InferEvent, options: RecordOptions): { outputs: RecordTensor[]; inputs: RecordTensor[] } | undefined {
  try {
    let outputs: RecordTensor[] = [];
    if (event.response) {
      const response = inferMethod.responseDeserialize(event.response) as ModelInferResponse__Output;
      outputs = toRaw(response.outputs, response.raw_output_contents);
    }
    let inputs: RecordTensor[] = [];
    if (wantsInputs(options, event.modelName)) {
      const request = inferMethod.requestDeserialize(event.request) as ModelInferRequest__Output;
      inputs = toRaw(request.inputs, request.raw_input_contents);
    }
    const bytes = [...outputs, ...inputs].reduce((sum, tensor) => sum + (tensor.raw as Buffer).byteLength, 0);
    return bytes > options.maxTensorBytes ? undefined : { outputs, inputs };
  } catch {
    // A request the runner refused may not decode (that is why it was refused); the record
    // still says what happened, without tensors.
    return undefined;
  }
}

function headersOf(event: InferEvent, configured: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  const names = configured.includes('*')
    ? Object.keys(event.metadata.getMap()).filter(recordable).slice(0, MAX_WILDCARD_HEADERS)
    : configured;
  for (const name of names) {
    const values = event.metadata.get(name).filter((value): value is string => typeof value === 'string');
    if (values.length > 0) headers[name] = values.join(', ').slice(0, MAX_HEADER_CHARS);
  }
  return headers;
}

/** The record of one inference. */
export function predictionRecord(event: InferEvent, recordId: string, options: RecordOptions): PredictionRecord {
  const tensors = tensorsOf(event, options);
  return {
    record_id: recordId,
    time_unix_ms: event.receivedAt,
    request_id: event.requestId,
    model_name: event.modelName,
    model_version: event.version,
    requested_version: event.requestedVersion,
    runner: event.runner,
    device: event.runner && options.deviceOf ? options.deviceOf(event.runner, event.modelName, event.version) : '',
    latency_ms: event.latencyMs,
    status: status[event.code] ?? String(event.code),
    error: event.details,
    outputs: tensors?.outputs ?? [],
    inputs: tensors?.inputs ?? [],
    headers: headersOf(event, options.headers),
    // The gateway's span shares the caller's trace when it sent one, and starts one otherwise.
    trace_id: traceIdOfTraceparent(event.traceparent) || traceIdOf(event.metadata),
    traceparent: event.traceparent,
    tensors_omitted: tensors === undefined,
  };
}
