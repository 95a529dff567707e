/**
 * Checks a ModelInferRequest against a model version's signature and decodes its inputs.
 * Every rejection is INVALID_ARGUMENT naming the input, what was expected and what was given,
 * and happens before onnxruntime sees anything.
 */
import {
  ServiceError,
  datatypeInfo,
  decodeContents,
  decodeRaw,
  emptyContents,
  elementCount,
  isDatatype,
  type OrtElementType,
} from '@infermesh/common';
import type { InferTensorContents__Output, ModelInferRequest__Output } from '@infermesh/proto';
import type { WireTensor } from './session-protocol.js';
import { queueTimeout, requestPriority } from './scheduling-parameters.js';
import { formatShape, type Signature, type TensorSpec } from './signature.js';

/** A request ready for the batcher. */
export interface PreparedRun {
  feeds: Record<string, WireTensor>;
  /** Outputs to compute and return, in response order; shared with other requests when the request names none. */
  fetches: readonly string[];
  /** Rows along the batch dimension (1 for unbatched models). */
  batch: number;
  /** Requests with equal keys can share one execution: same non-batch shapes, same outputs. Empty without dynamic batching. */
  key: string;
  /** Queue timeout from the `timeout` request parameter (µs), or undefined. */
  queueTimeoutUs: number | undefined;
  /** The `priority` request parameter, or undefined. */
  priority: number | undefined;
}

/** What a request is checked against: a model version once loaded. */
export interface PreparedModel {
  name: string;
  version: string;
  signature: Signature;
  /** The signature's output names, computed once per version. */
  outputNames: readonly string[];
  maxBatchSize: number;
  dynamicBatching: boolean;
}

/** Limits applied before allocating anything for an input. */
export interface InputLimits {
  maxTensorElements: number;
}

/** The batch size of a batched request: dimension 0, equal on every input and within the limit. */
function batchOf(model: { maxBatchSize: number }, feeds: Record<string, WireTensor>): number {
  if (model.maxBatchSize === 0) return 1;
  let batch: number | undefined;
  let first = '';
  for (const [name, tensor] of Object.entries(feeds)) {
    const rows = tensor.dims[0]!;
    if (batch === undefined) {
      batch = rows;
      first = name;
    } else if (rows !== batch) {
      throw ServiceError.invalidArgument(`inputs disagree on the batch size: '${first}' has ${batch}, '${name}' has ${rows}`);
    }
    if (rows > model.maxBatchSize) {
      throw ServiceError.invalidArgument(`input '${name}': batch size ${rows} is over the model's max_batch_size ${model.maxBatchSize}`);
    }
  }
  return batch ?? 1;
}

function hasContents(contents: InferTensorContents__Output | null | undefined): boolean {
  if (!contents) return false;
  for (const values of Object.values(contents)) {
    if (Array.isArray(values) && values.length > 0) return true;
  }
  return false;
}

function parseShape(name: string, given: readonly string[]): number[] {
  return given.map((dim) => {
    const value = Number(dim);
    if (!Number.isSafeInteger(value) || value < 0) {
      throw ServiceError.invalidArgument(`input '${name}': shape ${formatShape(given.map(Number))} has a negative or invalid dimension ${dim}`);
    }
    return value;
  });
}

function checkShape(spec: TensorSpec, shape: number[]): void {
  if (shape.length !== spec.shape.length) {
    throw ServiceError.invalidArgument(
      `input '${spec.name}': expected shape ${formatShape(spec.shape)} (rank ${spec.shape.length}), got ${formatShape(shape)} (rank ${shape.length})`,
    );
  }
  spec.shape.forEach((dim, i) => {
    if (dim >= 0 && shape[i] !== dim) {
      throw ServiceError.invalidArgument(
        `input '${spec.name}': dimension ${i} must be ${dim}, got ${shape[i]} (expected shape ${formatShape(spec.shape)}, got ${formatShape(shape)})`,
      );
    }
  });
}

/** How messages name the version; built only when a request is refused. */
function labelOf(model: PreparedModel): string {
  return `model '${model.name}' version ${model.version}`;
}

function listNames(specs: readonly TensorSpec[]): string {
  return specs.map((s) => `${s.name} (${s.datatype} ${formatShape(s.shape)})`).join(', ');
}

/** Validates and decodes a request for a model version with this signature. */
export function prepareInputs(model: PreparedModel, request: ModelInferRequest__Output, limits: InputLimits): PreparedRun {
  const { inputs: specs, outputs: outputSpecs } = model.signature;
  const raw = request.raw_input_contents;
  const usesRaw = raw.length > 0;
  if (usesRaw && raw.length !== request.inputs.length) {
    throw ServiceError.invalidArgument(
      `raw_input_contents has ${raw.length} entries but the request has ${request.inputs.length} inputs; send one entry per input, in input order`,
    );
  }

  const feeds: Record<string, WireTensor> = {};
  request.inputs.forEach((input, index) => {
    const spec = specs.find((s) => s.name === input.name);
    if (!spec) throw ServiceError.invalidArgument(`unknown input '${input.name}'; ${labelOf(model)} takes ${listNames(specs)}`);
    if (Object.hasOwn(feeds, input.name)) throw ServiceError.invalidArgument(`input '${input.name}' is given more than once`);
    if (input.datatype !== spec.datatype) {
      const known = isDatatype(input.datatype) ? '' : ' (not a protocol datatype)';
      throw ServiceError.invalidArgument(
        `input '${input.name}': expected datatype ${spec.datatype}, got '${input.datatype}'${known}`,
      );
    }
    const shape = parseShape(input.name, input.shape);
    checkShape(spec, shape);
    const count = elementCount(shape);
    if (count > limits.maxTensorElements) {
      throw ServiceError.invalidArgument(
        `input '${input.name}': ${count} elements is over the limit of ${limits.maxTensorElements} per tensor`,
      );
    }
    const typed = hasContents(input.contents);
    if (usesRaw && typed) {
      throw ServiceError.invalidArgument(
        `input '${input.name}': has both contents and raw_input_contents; a request uses one form for all inputs`,
      );
    }
    if (!usesRaw && !typed && count > 0) {
      const field = datatypeInfo(spec.datatype).contentsField;
      throw ServiceError.invalidArgument(
        `input '${input.name}': no data; set ${field ? `contents.${field} or ` : ''}raw_input_contents`,
      );
    }
    if (!datatypeInfo(spec.datatype).ortType) {
      throw ServiceError.unimplemented(`input '${input.name}': ${spec.datatype} tensors are not supported by onnxruntime-node`);
    }
    const data = usesRaw
      ? decodeRaw(input.name, spec.datatype, count, raw[index]!)
      : decodeContents(input.name, spec.datatype, count, input.contents ?? emptyContents());
    feeds[input.name] = { type: spec.ortType as OrtElementType, data, dims: shape };
  });

  // Inputs are known and distinct by now, so an input is missing only when the counts differ.
  if (request.inputs.length !== specs.length) {
    const missing = specs.filter((s) => !Object.hasOwn(feeds, s.name));
    throw ServiceError.invalidArgument(`missing input${missing.length > 1 ? 's' : ''} ${listNames(missing)} for ${labelOf(model)}`);
  }

  const fetches =
    request.outputs.length === 0
      ? model.outputNames
      : request.outputs.map(({ name }) => {
          if (!outputSpecs.some((s) => s.name === name)) {
            throw ServiceError.invalidArgument(
              `unknown output '${name}' requested; ${labelOf(model)} has outputs ${model.outputNames.join(', ')}`,
            );
          }
          return name;
        });
  // The signature's own names are distinct: only a request naming several outputs can repeat one.
  if (request.outputs.length > 1 && new Set(fetches).size !== fetches.length) {
    throw ServiceError.invalidArgument('an output is requested more than once');
  }
  const batch = batchOf(model, feeds);
  // Only the dynamic batcher compares keys; other requests never join one execution.
  const key = model.dynamicBatching ? `${specs.map((s) => feeds[s.name]!.dims.slice(1).join('x')).join('|')}>${fetches.join(',')}` : '';
  return { feeds, fetches, batch, key, queueTimeoutUs: queueTimeout(request), priority: requestPriority(request) };
}
