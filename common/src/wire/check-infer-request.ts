/**
 * Holds a serialized ModelInferRequest to the request limits before anything decodes it: one
 * pass over the wire that counts inputs, outputs, parameters and the elements of each
 * input's typed contents (packed or not) and multiplies its declared shape, allocating
 * nothing per element, so that a 16 MiB message of 8 million empty BYTES elements is refused
 * before protobufjs would have made 8 million objects of it. Every field the mesh reads must
 * come with its wire type (routing fields included, see infer-request-header.ts).
 */
import type { RequestLimits } from '../config/limits-config.js';
import { ServiceError } from '../errors/ServiceError.js';
import { checkRoutingField, INFER_REQUEST, INFER_REQUEST_FIELDS } from './infer-request-header.js';
import {
  countPackedVarints,
  expectWireType,
  forEachField,
  readVarint,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from './protobuf-wire.js';

/** Dimensions of one input's shape at most; ONNX models stay far below. */
export const MAX_SHAPE_RANK = 64;

/** A negative int64 reads as this or more (see readVarint). */
const NEGATIVE_INT64 = 2 ** 63;

const LD = WIRE_LENGTH_DELIMITED;

/** InferTensorContents' fields: the wire type of one unpacked element, and its bytes when packed fixed-size. */
const CONTENTS_FIELDS: Record<number, { name: string; unpacked: number; fixedBytes?: number }> = {
  1: { name: 'bool_contents', unpacked: WIRE_VARINT },
  2: { name: 'int_contents', unpacked: WIRE_VARINT },
  3: { name: 'int64_contents', unpacked: WIRE_VARINT },
  4: { name: 'uint_contents', unpacked: WIRE_VARINT },
  5: { name: 'uint64_contents', unpacked: WIRE_VARINT },
  6: { name: 'fp32_contents', unpacked: WIRE_FIXED32, fixedBytes: 4 },
  7: { name: 'fp64_contents', unpacked: WIRE_FIXED64, fixedBytes: 8 },
  8: { name: 'bytes_contents', unpacked: LD },
};

/** What the pass found of one input. */
interface InputCount {
  nameStart: number;
  nameEnd: number;
  /** The declared shape as far as it was read: up to MAX_SHAPE_RANK + 1 dimensions, a negative one as -1. */
  shape: number[];
  /** Elements in typed contents. */
  typed: number;
}

function limitError(what: string, count: number, key: keyof RequestLimits, limit: number, per: string): ServiceError {
  return ServiceError.invalidArgument(`${what}: ${count} ${per} is over limits.${key} of ${limit}`);
}

/** Reads the dimensions in a shape field's value `[start, end)` (one varint unpacked, several packed) into `shape`. */
function readShape(buf: Buffer, start: number, end: number, shape: number[]): void {
  let offset = start;
  while (offset < end && shape.length <= MAX_SHAPE_RANK) {
    let dim: number;
    [dim, offset] = readVarint(buf, offset, end, INFER_REQUEST);
    shape.push(dim >= NEGATIVE_INT64 ? -1 : dim);
  }
}

/** The elements of a declared shape; INVALID_ARGUMENT naming the input when it is not one or is over the limit. */
function declaredElements(label: () => string, shape: number[], limit: number): number {
  if (shape.length > MAX_SHAPE_RANK) throw ServiceError.invalidArgument(`${label()}: shape has more than ${MAX_SHAPE_RANK} dimensions`);
  const formatted = () => `[${shape.join(',')}]`;
  if (shape.includes(-1)) throw ServiceError.invalidArgument(`${label()}: shape ${formatted()} has a negative dimension`);
  const count = shape.includes(0) ? 0 : shape.reduce((product, dim) => product * dim, 1);
  if (count > limit) throw ServiceError.invalidArgument(`${label()}: shape ${formatted()} has ${count} elements, over limits.maxTensorElements of ${limit}`);
  return count;
}

/** Elements in one field of an input's contents. */
function contentsElements(buf: Buffer, field: number, wireType: number, valueStart: number, end: number): number {
  const spec = CONTENTS_FIELDS[field];
  if (spec === undefined) return 0;
  if (wireType === spec.unpacked) return 1;
  // bytes_contents' elements are length-delimited themselves: named once in the refusal.
  expectWireType(`InferTensorContents field ${field} (${spec.name})`, wireType, ...new Set([spec.unpacked, LD]));
  const length = end - valueStart;
  if (spec.fixedBytes !== undefined) return Math.ceil(length / spec.fixedBytes);
  return countPackedVarints(buf, valueStart, end, INFER_REQUEST);
}

function countInput(buf: Buffer, start: number, end: number, parameters: { count: number }): InputCount {
  const input: InputCount = { nameStart: 0, nameEnd: 0, shape: [], typed: 0 };
  forEachField(buf, start, end, INFER_REQUEST, (field, wireType, _fieldStart, valueStart, valueEnd) => {
    switch (field) {
      case 1:
        expectWireType('InferInputTensor field 1 (name)', wireType, LD);
        input.nameStart = valueStart;
        input.nameEnd = valueEnd;
        break;
      case 2:
        expectWireType('InferInputTensor field 2 (datatype)', wireType, LD);
        break;
      case 3:
        expectWireType('InferInputTensor field 3 (shape)', wireType, WIRE_VARINT, LD);
        readShape(buf, valueStart, valueEnd, input.shape);
        break;
      case 4:
        expectWireType('InferInputTensor field 4 (parameters)', wireType, LD);
        parameters.count++;
        break;
      case 5:
        expectWireType('InferInputTensor field 5 (contents)', wireType, LD);
        // Occurrences of a message field merge: their repeated fields add up.
        forEachField(buf, valueStart, valueEnd, INFER_REQUEST, (contentsField, contentsWire, _s, contentsStart, contentsEnd) => {
          input.typed += contentsElements(buf, contentsField, contentsWire, contentsStart, contentsEnd);
        });
        break;
      default:
    }
  });
  return input;
}

function countOutput(buf: Buffer, start: number, end: number, parameters: { count: number }): void {
  forEachField(buf, start, end, INFER_REQUEST, (field, wireType) => {
    if (field === 1) expectWireType('InferRequestedOutputTensor field 1 (name)', wireType, LD);
    else if (field === 2) {
      expectWireType('InferRequestedOutputTensor field 2 (parameters)', wireType, LD);
      parameters.count++;
    }
  });
}

/**
 * Throws INVALID_ARGUMENT naming the input and the limit when the serialized ModelInferRequest
 * in `buf` is over one of `limits`, or when a field the mesh reads has the wrong wire type;
 * returns when a decoder may take it.
 */
export function checkInferRequest(buf: Buffer, limits: RequestLimits): void {
  const parameters = { count: 0 };
  let inputs = 0;
  let outputs = 0;
  let raw = 0;
  let declared = 0;
  let typed = 0;
  forEachField(buf, 0, buf.length, INFER_REQUEST, (field, wireType, _fieldStart, valueStart, valueEnd) => {
    if (field <= INFER_REQUEST_FIELDS.id) {
      checkRoutingField(field, wireType, buf, valueStart, valueEnd);
      return;
    }
    if (field > INFER_REQUEST_FIELDS.rawInputContents) return;
    expectWireType(`${INFER_REQUEST} field ${field}`, wireType, LD);
    switch (field) {
      case INFER_REQUEST_FIELDS.parameters:
        parameters.count++;
        break;
      case INFER_REQUEST_FIELDS.inputs: {
        if (++inputs > limits.maxInputs) throw limitError('request', inputs, 'maxInputs', limits.maxInputs, 'inputs');
        const input = countInput(buf, valueStart, valueEnd, parameters);
        const name = () => `input '${buf.toString('utf8', input.nameStart, input.nameEnd)}'`;
        const elements = declaredElements(name, input.shape, limits.maxTensorElements);
        if (input.typed > limits.maxTensorElements) {
          throw limitError(name(), input.typed, 'maxTensorElements', limits.maxTensorElements, 'elements in contents');
        }
        typed += input.typed;
        if (typed > limits.maxTypedElements) {
          throw limitError(name(), typed, 'maxTypedElements', limits.maxTypedElements, 'elements in typed contents of the request up to this input');
        }
        declared += elements;
        if (declared > limits.maxRequestElements) {
          throw limitError(name(), declared, 'maxRequestElements', limits.maxRequestElements, 'declared elements of the request up to this input');
        }
        break;
      }
      case INFER_REQUEST_FIELDS.outputs:
        if (++outputs > limits.maxOutputs) throw limitError('request', outputs, 'maxOutputs', limits.maxOutputs, 'requested outputs');
        countOutput(buf, valueStart, valueEnd, parameters);
        break;
      default:
        if (++raw > limits.maxInputs) throw limitError('request', raw, 'maxInputs', limits.maxInputs, 'raw_input_contents entries');
    }
    if (parameters.count > limits.maxParameters) {
      throw limitError('request', parameters.count, 'maxParameters', limits.maxParameters, 'parameters');
    }
  });
}
