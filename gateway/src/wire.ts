/**
 * Just enough protobuf wire format for the gateway to route a ModelInferRequest without
 * decoding its tensors: read the routing fields, set the version the gateway picked, and
 * frame a stream response around response bytes it never decodes.
 */
import { ServiceError } from '@infermesh/common';
import { inferenceProto } from '@infermesh/proto';

/** The fields of a ModelInferRequest the gateway routes on. */
export interface InferRequestHeader {
  modelName: string;
  modelVersion: string;
  id: string;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const FIELD_MODEL_NAME = 1;
const FIELD_MODEL_VERSION = 2;
const FIELD_ID = 3;
/** ModelStreamInferResponse.infer_response */
const FIELD_INFER_RESPONSE = 2;

/** Serializer and deserializer of messages the gateway passes on as bytes. */
export const passThrough = (value: Buffer): Buffer => value;

function malformed(): ServiceError {
  return ServiceError.invalidArgument('request is not a valid ModelInferRequest message');
}

/** Reads a varint at `offset`; returns [value, next offset]. Values up to 2^53 are exact. */
function readVarint(buf: Buffer, offset: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (offset >= buf.length) throw malformed();
    const byte = buf[offset++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, offset];
    scale *= 128;
  }
  throw malformed();
}

/**
 * Calls `visit` with each top-level field of a message: its number, where it starts (tag
 * included) and ends, and for length-delimited fields where the value starts. Throws
 * INVALID_ARGUMENT on anything that is not well-formed protobuf.
 */
function forEachField(buf: Buffer, visit: (field: number, start: number, valueStart: number, end: number, wireType: number) => void): void {
  let offset = 0;
  while (offset < buf.length) {
    const start = offset;
    let tag: number;
    [tag, offset] = readVarint(buf, offset);
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    let valueStart = offset;
    switch (wireType) {
      case WIRE_VARINT:
        [, offset] = readVarint(buf, offset);
        break;
      case WIRE_FIXED64:
        offset += 8;
        break;
      case WIRE_FIXED32:
        offset += 4;
        break;
      case WIRE_LENGTH_DELIMITED: {
        let length: number;
        [length, valueStart] = readVarint(buf, offset);
        offset = valueStart + length;
        break;
      }
      default:
        throw malformed();
    }
    if (offset > buf.length) throw malformed();
    visit(field, start, valueStart, offset, wireType);
  }
}

/**
 * Reads model_name, model_version and id from a serialized ModelInferRequest, skipping
 * everything else (tensor bytes included) without copying it.
 */
export function readInferRequestHeader(buf: Buffer): InferRequestHeader {
  const header: InferRequestHeader = { modelName: '', modelVersion: '', id: '' };
  forEachField(buf, (field, _start, valueStart, end, wireType) => {
    if (wireType !== WIRE_LENGTH_DELIMITED) return;
    if (field === FIELD_MODEL_NAME) header.modelName = buf.toString('utf8', valueStart, end);
    else if (field === FIELD_MODEL_VERSION) header.modelVersion = buf.toString('utf8', valueStart, end);
    else if (field === FIELD_ID) header.id = buf.toString('utf8', valueStart, end);
  });
  return header;
}

/**
 * A serialized ModelInferRequest whose model_version (field 2) is `version`, as the pieces
 * to send one after another: every occurrence of field 2 is dropped and one is written where
 * the first was (or first of all when there was none); every other byte stays as it was and
 * is not copied (the pieces are views of `buf`), tensors included. An empty `version`
 * removes the field, which is how proto3 encodes the empty string.
 */
export function modelVersionParts(buf: Buffer, version: string): Buffer[] {
  const kept: Buffer[] = [];
  let insertAt = 0;
  let sawVersion = false;
  let from = 0;
  forEachField(buf, (field, start, _valueStart, end, wireType) => {
    if (field !== FIELD_MODEL_VERSION || wireType !== WIRE_LENGTH_DELIMITED) return;
    if (start > from) kept.push(buf.subarray(from, start));
    if (!sawVersion) insertAt = kept.length;
    sawVersion = true;
    from = end;
  });
  if (from < buf.length) kept.push(buf.subarray(from));
  if (version !== '') {
    const value = Buffer.from(version, 'utf8');
    kept.splice(insertAt, 0, Buffer.from([(FIELD_MODEL_VERSION << 3) | WIRE_LENGTH_DELIMITED, ...varintBytes(value.length), ...value]));
  }
  return kept;
}

/** {@link modelVersionParts} joined into one copy of the request. */
export function withModelVersion(buf: Buffer, version: string): Buffer {
  return Buffer.concat(modelVersionParts(buf, version));
}

function varintBytes(value: number): number[] {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** Frames serialized ModelInferResponse bytes as a ModelStreamInferResponse with no error. */
export function wrapStreamResponse(inferResponse: Buffer): Buffer {
  const prefix = Buffer.from([(FIELD_INFER_RESPONSE << 3) | WIRE_LENGTH_DELIMITED, ...varintBytes(inferResponse.length)]);
  return Buffer.concat([prefix, inferResponse], prefix.length + inferResponse.length);
}

/** Requests of one ModelStreamInfer stream running at once, on either forwarding path. */
export const STREAM_MAX_IN_FLIGHT = 64;

const serializeStreamResponse = inferenceProto.GRPCInferenceService.service.ModelStreamInfer.responseSerialize;

/** The answer, in place, to a stream message that failed: its error, model and id. */
export function streamErrorResponse(header: InferRequestHeader, details: string): Buffer {
  return serializeStreamResponse({
    error_message: details,
    infer_response: { model_name: header.modelName, model_version: header.modelVersion, id: header.id },
  });
}
