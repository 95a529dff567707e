/**
 * The Open Inference Protocol's JSON inference request and response, to and from the gRPC
 * messages: tensors' `data` (flat or nested, row-major) become typed contents of the field
 * their datatype travels in; an answer's outputs (raw or typed) become flat JSON arrays.
 * Anything malformed is an INVALID_ARGUMENT naming the field.
 */
import { datatypeInfo, decodeContents, decodeRaw, elementCount, isDatatype, ServiceError, type Datatype, type TensorData } from '@infermesh/common';
import type { InferParameter, InferParameter__Output, InferTensorContents, ModelInferRequest, ModelInferResponse__Output } from '@infermesh/proto';

/** Nesting of `data` arrays and shapes beyond this is refused (a tensor has few dimensions). */
const MAX_DIMENSIONS = 16;

type JsonParameters = Record<string, boolean | number | string>;

const bad = (field: string, problem: string) => ServiceError.invalidArgument(`${field}: ${problem}`);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readParameters(value: unknown, field: string): Record<string, InferParameter> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw bad(field, 'expected an object of parameters');
  const out: Record<string, InferParameter> = {};
  for (const [key, parameter] of Object.entries(value)) {
    if (typeof parameter === 'boolean') out[key] = { bool_param: parameter };
    else if (typeof parameter === 'string') out[key] = { string_param: parameter };
    else if (typeof parameter === 'number' && Number.isSafeInteger(parameter)) out[key] = { int64_param: parameter };
    else if (typeof parameter === 'number' && Number.isFinite(parameter)) out[key] = { double_param: parameter };
    else throw bad(`${field}.${key}`, 'expected a boolean, a number or a string');
  }
  return out;
}

function readShape(value: unknown, field: string): number[] {
  if (!Array.isArray(value) || value.length > MAX_DIMENSIONS || !value.every((dim) => Number.isSafeInteger(dim) && (dim as number) >= 0)) {
    throw bad(field, `expected an array of at most ${MAX_DIMENSIONS} non-negative integers`);
  }
  return value as number[];
}

/** `data` flattened row-major; nested arrays deeper than a tensor can be are refused. */
function flatten(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) return [value];
  const out: unknown[] = [];
  const walk = (items: unknown[], depth: number) => {
    if (depth > MAX_DIMENSIONS) throw bad(field, `nested deeper than ${MAX_DIMENSIONS} levels`);
    for (const item of items) {
      if (Array.isArray(item)) walk(item, depth + 1);
      else out.push(item);
    }
  };
  walk(value, 1);
  return out;
}

/** Checks each element's JSON type for `datatype` and returns the typed contents. */
function contentsOf(datatype: Datatype, values: unknown[], field: string): InferTensorContents {
  const { contentsField } = datatypeInfo(datatype);
  if (contentsField === null) throw bad(field, `${datatype} has no JSON form; send it over gRPC in raw_input_contents`);
  const expect = (ok: (value: unknown) => boolean, what: string) => {
    const index = values.findIndex((value) => !ok(value));
    if (index >= 0) throw bad(`${field}[${index}]`, `expected ${what} for ${datatype}, got ${JSON.stringify(values[index])?.slice(0, 40)}`);
  };
  switch (datatype) {
    case 'BOOL':
      expect((value) => typeof value === 'boolean', 'true or false');
      return { bool_contents: values as boolean[] };
    case 'BYTES':
      expect((value) => typeof value === 'string', 'a string');
      return { bytes_contents: (values as string[]).map((value) => Buffer.from(value, 'utf8')) };
    case 'INT64':
    case 'UINT64':
      expect((value) => (typeof value === 'number' && Number.isSafeInteger(value)) || (typeof value === 'string' && /^-?\d{1,20}$/.test(value)), 'an integer');
      return { [contentsField]: values.map(String) };
    case 'FP32':
    case 'FP64':
      expect((value) => typeof value === 'number', 'a number');
      return { [contentsField]: values as number[] };
    default:
      expect((value) => typeof value === 'number' && Number.isSafeInteger(value), 'an integer');
      return { [contentsField]: values as number[] };
  }
}

/** A ModelInferRequest from the JSON body of POST .../infer for `model` (and `version`, '' for the router's choice). */
export function inferRequestFromJson(body: unknown, model: string, version: string): ModelInferRequest {
  if (!isObject(body)) throw bad('request body', 'expected a JSON object');
  const { id, parameters, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') throw bad('id', 'expected a string');
  if (!Array.isArray(inputs) || inputs.length === 0) throw bad('inputs', 'expected a non-empty array');
  const request: ModelInferRequest = {
    model_name: model,
    model_version: version,
    id: id ?? '',
    inputs: inputs.map((input: unknown, i) => {
      const field = `inputs[${i}]`;
      if (!isObject(input)) throw bad(field, 'expected an object');
      if (typeof input.name !== 'string' || input.name === '') throw bad(`${field}.name`, 'expected a non-empty string');
      if (typeof input.datatype !== 'string' || !isDatatype(input.datatype)) throw bad(`${field}.datatype`, `unknown datatype ${JSON.stringify(input.datatype)}`);
      const shape = readShape(input.shape, `${field}.shape`);
      const values = flatten(input.data, `${field}.data`);
      if (values.length !== elementCount(shape)) throw bad(`${field}.data`, `expected ${elementCount(shape)} elements for shape [${shape.join(',')}], got ${values.length}`);
      const inputParameters = readParameters(input.parameters, `${field}.parameters`);
      return {
        name: input.name,
        datatype: input.datatype,
        shape,
        contents: contentsOf(input.datatype, values, `${field}.data`),
        ...(inputParameters ? { parameters: inputParameters } : {}),
      };
    }),
  };
  const requestParameters = readParameters(parameters, 'parameters');
  if (requestParameters) request.parameters = requestParameters;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) throw bad('outputs', 'expected an array');
    request.outputs = outputs.map((output: unknown, i) => {
      if (!isObject(output) || typeof output.name !== 'string') throw bad(`outputs[${i}].name`, 'expected a string');
      const outputParameters = readParameters(output.parameters, `outputs[${i}].parameters`);
      return { name: output.name, ...(outputParameters ? { parameters: outputParameters } : {}) };
    });
  }
  return request;
}

function parametersToJson(parameters: Record<string, InferParameter__Output> | undefined): JsonParameters | undefined {
  if (!parameters || Object.keys(parameters).length === 0) return undefined;
  const out: JsonParameters = {};
  for (const [key, parameter] of Object.entries(parameters)) {
    const choice = parameter.parameter_choice;
    if (choice === 'int64_param' || choice === 'uint64_param') out[key] = Number(parameter[choice]);
    else if (choice) out[key] = parameter[choice]!;
  }
  return out;
}

/** Tensor data as JSON values: 64-bit integers as numbers while exact, else as strings; FP16/BF16 as numbers. */
function dataToJson(datatype: Datatype, data: TensorData): unknown[] {
  if (Array.isArray(data)) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    return Array.from(data, (value: bigint) => (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString()));
  }
  if (datatype === 'BOOL') return Array.from(data, (value) => value !== 0);
  if (datatype === 'FP16') return Array.from(data, halfToNumber);
  if (datatype === 'BF16') return Array.from(data, (bits) => new Float32Array(new Uint32Array([bits << 16]).buffer)[0]!);
  return Array.from(data as ArrayLike<number>);
}

/** An IEEE 754 half-precision bit pattern as a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** The JSON body of an inference response. */
export function inferResponseToJson(response: ModelInferResponse__Output): Record<string, unknown> {
  const parameters = parametersToJson(response.parameters);
  return {
    model_name: response.model_name,
    model_version: response.model_version,
    ...(response.id ? { id: response.id } : {}),
    ...(parameters ? { parameters } : {}),
    outputs: response.outputs.map((output, i) => {
      const datatype = output.datatype as Datatype;
      const count = elementCount(output.shape.map(Number));
      const raw = response.raw_output_contents[i];
      const data = raw !== undefined ? decodeRaw(output.name, datatype, count, raw) : decodeContents(output.name, datatype, count, output.contents!);
      const outputParameters = parametersToJson(output.parameters);
      return {
        name: output.name,
        datatype: output.datatype,
        shape: output.shape.map(Number),
        ...(outputParameters ? { parameters: outputParameters } : {}),
        data: dataToJson(datatype, data),
      };
    }),
  };
}

