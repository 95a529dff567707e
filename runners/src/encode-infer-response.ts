/**
 * A ModelInferResponse in its common raw form (names, datatypes, shapes and raw output
 * bytes; no parameters, no typed contents) written straight to the wire: one buffer sized up
 * front and one copy of each output, where protobufjs builds a writer's operation list first.
 */
import { varintSize, writeVarint } from '@infermesh/common';
import type { ModelInferResponse } from '@infermesh/proto';

const LENGTH_DELIMITED = 2;
const tag = (field: number): number => (field << 3) | LENGTH_DELIMITED;

const RESPONSE_MODEL_NAME = tag(1);
const RESPONSE_MODEL_VERSION = tag(2);
const RESPONSE_ID = tag(3);
const RESPONSE_OUTPUTS = tag(5);
const RESPONSE_RAW_OUTPUT_CONTENTS = tag(6);
const OUTPUT_NAME = tag(1);
const OUTPUT_DATATYPE = tag(2);
const OUTPUT_SHAPE = tag(3);

/** A string field's bytes, tag included; 0 for the empty string, which proto3 leaves out. */
function stringFieldSize(value: string): number {
  if (value.length === 0) return 0;
  const length = Buffer.byteLength(value, 'utf8');
  return 1 + varintSize(length) + length;
}

function writeStringField(out: Buffer, offset: number, fieldTag: number, value: string): number {
  if (value.length === 0) return offset;
  out[offset++] = fieldTag;
  const length = Buffer.byteLength(value, 'utf8');
  offset = writeVarint(out, offset, length);
  return offset + out.write(value, offset, 'utf8');
}

function packedShapeSize(shape: readonly number[]): number {
  let size = 0;
  for (const dim of shape) size += varintSize(dim);
  return size;
}

/** Whether every dimension is a non-negative safe integer, which is all a runner's outputs have. */
function plainShape(shape: unknown): shape is number[] {
  if (!Array.isArray(shape)) return false;
  for (const dim of shape) if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) return false;
  return true;
}

/**
 * The response's wire bytes, or undefined when it is not in the raw form this encoder writes
 * (parameters, typed contents, shapes not given as numbers): the caller then uses protobufjs.
 */
export function encodeInferResponse(response: ModelInferResponse): Buffer | undefined {
  if (response.parameters && Object.keys(response.parameters).length > 0) return undefined;
  const outputs = response.outputs ?? [];
  const raw = response.raw_output_contents ?? [];
  const modelName = response.model_name ?? '';
  const modelVersion = response.model_version ?? '';
  const id = response.id ?? '';
  let size = stringFieldSize(modelName) + stringFieldSize(modelVersion) + stringFieldSize(id);
  const outputSizes: number[] = [];
  for (const output of outputs) {
    if (output.contents || (output.parameters && Object.keys(output.parameters).length > 0)) return undefined;
    const shape = output.shape ?? [];
    if (!plainShape(shape)) return undefined;
    const packed = packedShapeSize(shape);
    const inner = stringFieldSize(output.name ?? '') + stringFieldSize(output.datatype ?? '') + (packed > 0 ? 1 + varintSize(packed) + packed : 0);
    outputSizes.push(inner);
    size += 1 + varintSize(inner) + inner;
  }
  for (const bytes of raw) {
    if (!(bytes instanceof Uint8Array)) return undefined;
    size += 1 + varintSize(bytes.byteLength) + bytes.byteLength;
  }

  const out = Buffer.allocUnsafe(size);
  let offset = writeStringField(out, 0, RESPONSE_MODEL_NAME, modelName);
  offset = writeStringField(out, offset, RESPONSE_MODEL_VERSION, modelVersion);
  offset = writeStringField(out, offset, RESPONSE_ID, id);
  for (let i = 0; i < outputs.length; i++) {
    const output = outputs[i]!;
    const shape = output.shape as number[];
    out[offset++] = RESPONSE_OUTPUTS;
    offset = writeVarint(out, offset, outputSizes[i]!);
    offset = writeStringField(out, offset, OUTPUT_NAME, output.name ?? '');
    offset = writeStringField(out, offset, OUTPUT_DATATYPE, output.datatype ?? '');
    if (shape.length > 0) {
      out[offset++] = OUTPUT_SHAPE;
      offset = writeVarint(out, offset, packedShapeSize(shape));
      for (const dim of shape) offset = writeVarint(out, offset, dim);
    }
  }
  for (const bytes of raw as Uint8Array[]) {
    out[offset++] = RESPONSE_RAW_OUTPUT_CONTENTS;
    offset = writeVarint(out, offset, bytes.byteLength);
    out.set(bytes, offset);
    offset += bytes.byteLength;
  }
  return out;
}
