/**
 * A ModelInferRequest in its common raw form (names, datatypes, shapes, requested outputs and
 * raw_input_contents; no parameters, no typed contents) read straight off the wire into the
 * object protobufjs would make, its raw contents views of the received buffer, not copies.
 * Anything else, malformed input included, is left to protobufjs, so that every request gets
 * the answer it got before.
 */
import type { ModelInferRequest__Output } from '@infermesh/proto';

type InputTensor = ModelInferRequest__Output['inputs'][number];
type OutputTensor = ModelInferRequest__Output['outputs'][number];

const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Thrown inside the reader when the request is not in the form it reads; never escapes. */
const DECLINE = Symbol('decline');

class Reader {
  offset: number;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.offset = start;
  }

  /** A varint up to 2^53; longer, negative or cut-off ones decline. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.offset >= this.end) throw DECLINE;
      const byte = this.buf[this.offset++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw DECLINE;
  }

  /** The end of a length-delimited value that starts here. */
  lengthEnd(): number {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.end) throw DECLINE;
    return end;
  }

  string(): string {
    const end = this.lengthEnd();
    const value = end === this.offset ? '' : this.buf.toString('utf8', this.offset, end);
    this.offset = end;
    return value;
  }

  /** A tag whose wire type must be `wireType`; returns its field number. */
  field(wireType: number): number {
    const tag = this.varint();
    if ((tag & 7) !== wireType) throw DECLINE;
    return tag >>> 3;
  }
}

function readShape(reader: Reader, shape: string[], wireType: number): void {
  if (wireType === VARINT) {
    shape.push(String(reader.varint()));
    return;
  }
  const end = reader.lengthEnd();
  const packed = new Reader(reader.buf, reader.offset, end);
  while (packed.offset < end) shape.push(String(packed.varint()));
  reader.offset = end;
}

function readInput(reader: Reader): InputTensor {
  const input: InputTensor = { name: '', datatype: '', shape: [], parameters: {}, contents: null };
  const end = reader.lengthEnd();
  const inner = new Reader(reader.buf, reader.offset, end);
  while (inner.offset < end) {
    const tag = inner.varint();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 3 && (wireType === VARINT || wireType === LENGTH_DELIMITED)) readShape(inner, input.shape, wireType);
    else if (wireType !== LENGTH_DELIMITED) throw DECLINE;
    else if (field === 1) input.name = inner.string();
    else if (field === 2) input.datatype = inner.string();
    else throw DECLINE;
  }
  reader.offset = end;
  return input;
}

function readOutput(reader: Reader): OutputTensor {
  const output: OutputTensor = { name: '', parameters: {} };
  const end = reader.lengthEnd();
  const inner = new Reader(reader.buf, reader.offset, end);
  while (inner.offset < end) {
    if (inner.field(LENGTH_DELIMITED) !== 1) throw DECLINE;
    output.name = inner.string();
  }
  reader.offset = end;
  return output;
}

/** The request as protobufjs would decode it, or undefined when it is not in the raw form this reader takes. */
export function readInferRequest(buf: Buffer): ModelInferRequest__Output | undefined {
  const request: ModelInferRequest__Output = {
    model_name: '',
    model_version: '',
    id: '',
    parameters: {},
    inputs: [],
    outputs: [],
    raw_input_contents: [],
  };
  const reader = new Reader(buf, 0, buf.length);
  try {
    while (reader.offset < buf.length) {
      switch (reader.field(LENGTH_DELIMITED)) {
        case 1:
          request.model_name = reader.string();
          break;
        case 2:
          request.model_version = reader.string();
          break;
        case 3:
          request.id = reader.string();
          break;
        case 5:
          request.inputs.push(readInput(reader));
          break;
        case 6:
          request.outputs.push(readOutput(reader));
          break;
        case 7: {
          const end = reader.lengthEnd();
          request.raw_input_contents.push(buf.subarray(reader.offset, end));
          reader.offset = end;
          break;
        }
        default:
          return undefined;
      }
    }
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
  return request;
}
