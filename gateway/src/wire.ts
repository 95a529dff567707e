/**
 * Just enough protobuf wire format for the gateway to route a ModelInferRequest without
 * decoding its tensors: read the routing fields, and frame a stream response around
 * response bytes it never decodes.
 */
import { ServiceError } from '@infermesh/common';

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
 * Reads model_name, model_version and id from a serialized ModelInferRequest, skipping
 * everything else (tensor bytes included) without copying it.
 */
export function readInferRequestHeader(buf: Buffer): InferRequestHeader {
  const header: InferRequestHeader = { modelName: '', modelVersion: '', id: '' };
  let offset = 0;
  while (offset < buf.length) {
    let tag: number;
    [tag, offset] = readVarint(buf, offset);
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
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
        [length, offset] = readVarint(buf, offset);
        const end = offset + length;
        if (end > buf.length) throw malformed();
        if (field === FIELD_MODEL_NAME) header.modelName = buf.toString('utf8', offset, end);
        else if (field === FIELD_MODEL_VERSION) header.modelVersion = buf.toString('utf8', offset, end);
        else if (field === FIELD_ID) header.id = buf.toString('utf8', offset, end);
        offset = end;
        break;
      }
      default:
        throw malformed();
    }
  }
  if (offset !== buf.length) throw malformed();
  return header;
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
