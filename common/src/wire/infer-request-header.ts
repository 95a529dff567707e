/**
 * The routing fields of a ModelInferRequest, read off the wire by the one parser the gateway
 * (both forwarding paths) and the runner share, so they can never disagree on the model, the
 * version or the id: each must be length-delimited and UTF-8 (anything else is
 * INVALID_ARGUMENT naming the field) and, as protobuf has it, the last occurrence of a field wins.
 */
import { isUtf8 } from 'node:buffer';
import { ServiceError } from '../errors/ServiceError.js';
import { expectWireType, forEachField, WIRE_LENGTH_DELIMITED } from './protobuf-wire.js';
import { readSequenceParameter, type SequenceParameters } from './sequence-parameters.js';

/** The fields of a ModelInferRequest the mesh routes on; a sequence's calls go to one runner. */
export interface InferRequestHeader extends SequenceParameters {
  modelName: string;
  modelVersion: string;
  id: string;
}

/** ModelInferRequest's field numbers. */
export const INFER_REQUEST_FIELDS = {
  modelName: 1,
  modelVersion: 2,
  id: 3,
  parameters: 4,
  inputs: 5,
  outputs: 6,
  rawInputContents: 7,
} as const;

/** How messages name the routing fields. */
const ROUTING_FIELD_NAMES: Record<number, string> = { 1: 'model_name', 2: 'model_version', 3: 'id' };

/** The message name in INVALID_ARGUMENT details. */
export const INFER_REQUEST = 'ModelInferRequest';

/**
 * INVALID_ARGUMENT when `field` is a routing field (1, 2 or 3) with another wire type than
 * length-delimited, or whose value `buf[start, end)` is not UTF-8 (decoded, its bytes would
 * become U+FFFD: the caller would get back another id than it sent).
 */
export function checkRoutingField(field: number, wireType: number, buf: Buffer, start: number, end: number): void {
  const name = ROUTING_FIELD_NAMES[field];
  if (name === undefined) return;
  expectWireType(`${INFER_REQUEST} field ${field} (${name})`, wireType, WIRE_LENGTH_DELIMITED);
  if (!isUtf8(buf.subarray(start, end))) throw ServiceError.invalidArgument(`${INFER_REQUEST} field ${field} (${name}) is not valid UTF-8`);
}

/**
 * Reads model_name, model_version, id and the sequence parameters from a serialized
 * ModelInferRequest, skipping everything else (tensor bytes included) without copying it.
 */
export function readInferRequestHeader(buf: Buffer): InferRequestHeader {
  const header: InferRequestHeader = { modelName: '', modelVersion: '', id: '', sequenceStart: false, sequenceEnd: false };
  forEachField(buf, 0, buf.length, INFER_REQUEST, (field, wireType, _start, valueStart, end) => {
    if (field === INFER_REQUEST_FIELDS.parameters && wireType === WIRE_LENGTH_DELIMITED) readSequenceParameter(buf, valueStart, end, header);
    if (field > INFER_REQUEST_FIELDS.id) return;
    checkRoutingField(field, wireType, buf, valueStart, end);
    const value = buf.toString('utf8', valueStart, end);
    if (field === INFER_REQUEST_FIELDS.modelName) header.modelName = value;
    else if (field === INFER_REQUEST_FIELDS.modelVersion) header.modelVersion = value;
    else header.id = value;
  });
  return header;
}
