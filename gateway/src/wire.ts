/**
 * Just enough protobuf wire format for the gateway to route a ModelInferRequest without
 * decoding its tensors: read the routing fields, set the version the gateway picked, and
 * frame a stream response around response bytes it never decodes.
 */
import {
  checkRoutingField,
  forEachField,
  INFER_REQUEST,
  INFER_REQUEST_FIELDS,
  varintBytes,
  WIRE_LENGTH_DELIMITED,
  type InferRequestHeader,
} from '@infermesh/common';
import { inferenceProto } from '@infermesh/proto';

const { modelVersion: FIELD_MODEL_VERSION } = INFER_REQUEST_FIELDS;
/** ModelStreamInferResponse.infer_response */
const FIELD_INFER_RESPONSE = 2;

/** Serializer and deserializer of messages the gateway passes on as bytes. */
export const passThrough = (value: Buffer): Buffer => value;

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
  forEachField(buf, 0, buf.length, INFER_REQUEST, (field, wireType, start, valueStart, end) => {
    if (field !== FIELD_MODEL_VERSION) return;
    checkRoutingField(field, wireType, buf, valueStart, end);
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
