/**
 * The messages of a runner's multiplexed ModelInfer stream (`RunnerInfer.Exchange` in
 * runner.proto), encoded and read by hand: the ModelInfer request or response each carries
 * is never copied. An encoded message is its gRPC frame header and every field before its
 * payload; the payload's own bytes follow it on the stream as they are.
 */
import { FRAME_HEADER_BYTES } from '../h2/GrpcFrameReader.js';
import { expectWireType, forEachField, readVarint, varintSize, WIRE_LENGTH_DELIMITED, WIRE_VARINT, writeVarint } from './protobuf-wire.js';

/** One call as the runner reads it off the stream. */
export interface ExchangeRequest {
  call: number;
  /** The ModelInferRequest: a view into the message read. */
  request: Buffer;
  /** The call's deadline in microseconds from now; 0: none. */
  timeoutUs: number;
  /** Request metadata, lowercase names. */
  headers: Record<string, string>;
  /** True for a cancel of `call`. */
  cancel: boolean;
}

/** One answer as the gateway reads it off the stream. */
export interface ExchangeResponse {
  call: number;
  /** A gRPC status code. */
  code: number;
  details: string;
  /** The ModelInferResponse, with code 0: a view into the message read. */
  response: Buffer | undefined;
}

/**
 * Room for a message's own fields around its payload (call number, status and details, or
 * deadline and headers): an Exchange message may be this much larger than the largest
 * ModelInfer message, at both ends.
 */
export const EXCHANGE_FIELDS_BYTES = 64 * 1024;

const REQUEST = 'infermesh.runner.v1.ExchangeRequest';
const RESPONSE = 'infermesh.runner.v1.ExchangeResponse';

/** Writes protobuf fields into a buffer sized beforehand. */
class FieldWriter {
  offset = FRAME_HEADER_BYTES;
  constructor(readonly buf: Buffer) {}

  varint(value: number): void {
    this.offset = writeVarint(this.buf, this.offset, value);
  }

  /** A varint field; nothing for 0, as proto3 has it. */
  uint(field: number, value: number): void {
    if (value === 0) return;
    this.varint(field * 8 + WIRE_VARINT);
    this.varint(value);
  }

  /** The tag and length of a length-delimited field whose `length` bytes follow. */
  lengthOf(field: number, length: number): void {
    this.varint(field * 8 + WIRE_LENGTH_DELIMITED);
    this.varint(length);
  }

  string(field: number, value: string): void {
    const length = Buffer.byteLength(value);
    this.lengthOf(field, length);
    this.offset += this.buf.write(value, this.offset, length, 'utf8');
  }
}

const uintFieldLength = (field: number, value: number) => (value === 0 ? 0 : varintSize(field * 8) + varintSize(value));
const lengthFieldLength = (field: number, length: number) => varintSize(field * 8) + varintSize(length) + length;

/** A frame of `messageLength` bytes in all, of which `head` holds the header and the first fields. */
function frameHead(headFieldsLength: number, messageLength: number): FieldWriter {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + headFieldsLength);
  buf[0] = 0;
  buf.writeUInt32BE(messageLength, 1);
  return new FieldWriter(buf);
}

/**
 * The frame of an ExchangeRequest up to its request field, whose `requestLength` bytes (the
 * ModelInferRequest) must follow it on the stream.
 */
export function exchangeRequestHead(call: number, timeoutUs: number, headers: readonly (readonly [string, string])[], requestLength: number): Buffer {
  let fields = uintFieldLength(1, call) + uintFieldLength(3, timeoutUs);
  const entries: number[] = [];
  for (const [name, value] of headers) {
    const entry = lengthFieldLength(1, Buffer.byteLength(name)) + lengthFieldLength(2, Buffer.byteLength(value));
    entries.push(entry);
    fields += lengthFieldLength(4, entry);
  }
  const requestTag = varintSize(2 * 8) + varintSize(requestLength);
  const writer = frameHead(fields + requestTag, fields + requestTag + requestLength);
  writer.uint(1, call);
  writer.uint(3, timeoutUs);
  headers.forEach(([name, value], i) => {
    writer.lengthOf(4, entries[i]!);
    writer.string(1, name);
    writer.string(2, value);
  });
  writer.lengthOf(2, requestLength);
  return writer.buf;
}

/** The whole frame of an ExchangeRequest that cancels `call`. */
export function exchangeCancel(call: number): Buffer {
  const fields = uintFieldLength(1, call) + uintFieldLength(5, 1);
  const writer = frameHead(fields, fields);
  writer.uint(1, call);
  writer.uint(5, 1);
  return writer.buf;
}

/** Reads an ExchangeRequest; throws INVALID_ARGUMENT on bytes that are not one. */
export function readExchangeRequest(message: Buffer): ExchangeRequest {
  const read: ExchangeRequest = { call: 0, request: message.subarray(0, 0), timeoutUs: 0, headers: {}, cancel: false };
  forEachField(message, 0, message.length, REQUEST, (field, wireType, _start, valueStart, valueEnd) => {
    switch (field) {
      case 1:
        expectWireType('call', wireType, WIRE_VARINT);
        read.call = readVarint(message, valueStart, valueEnd, REQUEST)[0];
        break;
      case 2:
        expectWireType('request', wireType, WIRE_LENGTH_DELIMITED);
        read.request = message.subarray(valueStart, valueEnd);
        break;
      case 3:
        expectWireType('timeout_us', wireType, WIRE_VARINT);
        read.timeoutUs = readVarint(message, valueStart, valueEnd, REQUEST)[0];
        break;
      case 4: {
        expectWireType('headers', wireType, WIRE_LENGTH_DELIMITED);
        let name = '';
        let value = '';
        forEachField(message, valueStart, valueEnd, REQUEST, (entryField, entryWireType, _entryStart, entryValueStart, entryValueEnd) => {
          if (entryField !== 1 && entryField !== 2) return;
          expectWireType(entryField === 1 ? 'header name' : 'header value', entryWireType, WIRE_LENGTH_DELIMITED);
          const text = message.toString('utf8', entryValueStart, entryValueEnd);
          if (entryField === 1) name = text;
          else value = text;
        });
        read.headers[name] = value;
        break;
      }
      case 5:
        expectWireType('cancel', wireType, WIRE_VARINT);
        read.cancel = readVarint(message, valueStart, valueEnd, REQUEST)[0] !== 0;
        break;
    }
  });
  return read;
}

/**
 * The frame of an ExchangeResponse up to its response field; with `responseLength`, the
 * ModelInferResponse's bytes must follow it on the stream.
 */
export function exchangeResponseHead(call: number, code: number, details: string, responseLength?: number): Buffer {
  const detailsLength = Buffer.byteLength(details);
  const fields = uintFieldLength(1, call) + uintFieldLength(2, code) + (detailsLength === 0 ? 0 : lengthFieldLength(3, detailsLength));
  const responseTag = responseLength === undefined ? 0 : varintSize(4 * 8) + varintSize(responseLength);
  const writer = frameHead(fields + responseTag, fields + responseTag + (responseLength ?? 0));
  writer.uint(1, call);
  writer.uint(2, code);
  if (detailsLength > 0) writer.string(3, details);
  if (responseLength !== undefined) writer.lengthOf(4, responseLength);
  return writer.buf;
}

/** Reads an ExchangeResponse; throws INVALID_ARGUMENT on bytes that are not one. */
export function readExchangeResponse(message: Buffer): ExchangeResponse {
  const read: ExchangeResponse = { call: 0, code: 0, details: '', response: undefined };
  forEachField(message, 0, message.length, RESPONSE, (field, wireType, _start, valueStart, valueEnd) => {
    switch (field) {
      case 1:
        expectWireType('call', wireType, WIRE_VARINT);
        read.call = readVarint(message, valueStart, valueEnd, RESPONSE)[0];
        break;
      case 2:
        expectWireType('code', wireType, WIRE_VARINT);
        read.code = readVarint(message, valueStart, valueEnd, RESPONSE)[0];
        break;
      case 3:
        expectWireType('details', wireType, WIRE_LENGTH_DELIMITED);
        read.details = message.toString('utf8', valueStart, valueEnd);
        break;
      case 4:
        expectWireType('response', wireType, WIRE_LENGTH_DELIMITED);
        read.response = message.subarray(valueStart, valueEnd);
        break;
    }
  });
  return read;
}
