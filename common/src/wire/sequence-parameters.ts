/**
 * Triton's sequence parameters of a ModelInferRequest (`sequence_id`, uint64/int64 or string;
 * `sequence_start`, `sequence_end`, bool) read off the wire from its `parameters` map, for the
 * gateway to route a sequence's calls to one runner without decoding the request.
 */
import { ServiceError } from '../errors/ServiceError.js';
import { expectWireType, forEachField, malformed, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-wire.js';

/** A request's place in a sequence. */
export interface SequenceParameters {
  /** The sequence id as text (`42`, or a string id as given); undefined outside a sequence. */
  sequenceId?: string;
  sequenceStart: boolean;
  sequenceEnd: boolean;
}

/** InferParameter's oneof fields. */
const BOOL_PARAM = 1;
const INT64_PARAM = 2;
const STRING_PARAM = 3;
const UINT64_PARAM = 5;
const WHAT = 'ModelInferRequest parameters';
const MAX_SEQUENCE_ID_CHARS = 256;

/** A varint as an unsigned 64-bit decimal string (exact beyond 2^53). */
function varintText(buf: Buffer, start: number, end: number): string {
  let value = 0n;
  let shift = 0n;
  for (let offset = start; offset < end; offset++) {
    const byte = buf[offset]!;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if ((byte & 0x80) === 0) return BigInt.asUintN(64, value).toString();
  }
  throw malformed(WHAT);
}

/** An InferParameter's value: the id's text, or the bool. */
function parameterValue(buf: Buffer, start: number, end: number, name: string): string | boolean | undefined {
  let value: string | boolean | undefined;
  forEachField(buf, start, end, WHAT, (field, wireType, _fieldStart, valueStart, valueEnd) => {
    if (field === BOOL_PARAM) {
      expectWireType(`parameter '${name}' bool_param`, wireType, WIRE_VARINT);
      value = varintText(buf, valueStart, valueEnd) !== '0';
    } else if (field === INT64_PARAM || field === UINT64_PARAM) {
      expectWireType(`parameter '${name}'`, wireType, WIRE_VARINT);
      // int64 ids are taken as their unsigned bits, as Triton's CORRID does.
      value = varintText(buf, valueStart, valueEnd);
    } else if (field === STRING_PARAM) {
      expectWireType(`parameter '${name}' string_param`, wireType, WIRE_LENGTH_DELIMITED);
      value = buf.toString('utf8', valueStart, valueEnd);
    }
  });
  return value;
}

/** Adds what one `parameters` map entry (`buf[start, end)`) says about the sequence to `into`. */
export function readSequenceParameter(buf: Buffer, start: number, end: number, into: SequenceParameters): void {
  let key = '';
  let valueAt: [number, number] | undefined;
  forEachField(buf, start, end, WHAT, (field, wireType, _fieldStart, valueStart, valueEnd) => {
    if (field === 1 && wireType === WIRE_LENGTH_DELIMITED) key = buf.toString('utf8', valueStart, valueEnd);
    else if (field === 2 && wireType === WIRE_LENGTH_DELIMITED) valueAt = [valueStart, valueEnd];
  });
  if (!key.startsWith('sequence_') || !valueAt) return;
  const value = parameterValue(buf, valueAt[0], valueAt[1], key);
  if (key === 'sequence_id') {
    if (typeof value !== 'string' || value === '' || value.length > MAX_SEQUENCE_ID_CHARS) {
      throw ServiceError.invalidArgument(`parameter 'sequence_id': expected a uint64, int64 or non-empty string of at most ${MAX_SEQUENCE_ID_CHARS} characters`);
    }
    // Triton: 0 means the request is not part of a sequence.
    if (value !== '0') into.sequenceId = value;
  } else if (key === 'sequence_start' || key === 'sequence_end') {
    if (typeof value !== 'boolean') throw ServiceError.invalidArgument(`parameter '${key}': expected a bool_param`);
    if (key === 'sequence_start') into.sequenceStart = value;
    else into.sequenceEnd = value;
  }
}
