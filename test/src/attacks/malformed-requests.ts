/**
 * Malformed ModelInferRequest messages for the fuzz attack, drawn from a seeded PRNG so a run
 * is reproduced by its seed: random bytes, fields with the wrong wire type, huge, negative and
 * too many dimensions, raw contents whose lengths or count do not match the inputs, unknown
 * datatypes, invalid UTF-8 in every string, many and deeply nested parameters, and random
 * mutations of valid requests (bit flips, inserted, deleted, repeated and cut bytes).
 */
import { int32s } from '@infermesh/testkit';
import {
  END_GROUP,
  fixed32Field,
  fixed64Field,
  inputTensor,
  ld,
  packed,
  parameterEntry,
  START_GROUP,
  tag,
  varint,
  varintField,
  VARINT,
} from './wire-writer.js';

/** A PRNG (mulberry32) with the draws the generators need. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

/** One malformed request: the kind it is, and its bytes (the message, unframed). */
export interface MalformedRequest {
  kind: string;
  bytes: Buffer;
}

/** Byte sequences that are not UTF-8: a lone continuation byte, overlong '/', a surrogate, 0xff. */
const INVALID_UTF8 = [Buffer.from([0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff, 0xfe]), Buffer.from([0x41, 0xe2, 0x82])];
const UNKNOWN_DATATYPES = ['', 'FOO', 'int32', 'INT32 ', 'BF16', 'FP8', 'STRING', 'INT128', '\u0000', 'X'.repeat(10_000)];
const HUGE_DIMS: readonly (number | bigint)[] = [2 ** 31, 2 ** 32, 2 ** 53, 2n ** 62n, 2n ** 63n - 1n, 2n ** 64n - 1n, 1e9];

const simpleInputs = (shape: readonly (number | bigint)[] = [1, 16], extra: Buffer[] = []) => [
  ld(5, inputTensor('INPUT0', 'INT32', shape, extra)),
  ld(5, inputTensor('INPUT1', 'INT32', shape, extra)),
];
const simpleRaw = () => [ld(7, int32s(16, 2)), ld(7, int32s(16, 3))];

/** Valid requests the mutations start from: raw and typed contents, INT32, BYTES and FP32. */
function validRequest(random: Prng): Buffer {
  switch (random.int(4)) {
    case 0:
      return Buffer.concat([ld(1, 'simple'), ld(3, `fuzz-${random.int(1e6)}`), ...simpleInputs(), ...simpleRaw()]);
    case 1: {
      const contents = ld(5, ld(2, packed(Array.from({ length: 16 }, (_, i) => i))));
      return Buffer.concat([ld(1, 'simple'), ...simpleInputs([1, 16], [contents]), ld(6, ld(1, 'OUTPUT0'))]);
    }
    case 2: {
      const contents = ld(5, [ld(8, 'a'), ld(8, 'bc'), ld(8, '')]);
      return Buffer.concat([ld(1, 'strings'), ld(5, inputTensor('INPUT', 'BYTES', [1, 3], [contents]))]);
    }
    default:
      return Buffer.concat([ld(1, 'mlp'), ld(2, '1'), ld(5, inputTensor('input', 'FP32', [1, 64])), ld(7, Buffer.from(new Float32Array(64).fill(0.5).buffer))]);
  }
}

/** `field` written with a wire type it does not have. */
function wrongWireType(random: Prng, field: number): Buffer {
  switch (random.int(5)) {
    case 0:
      return varintField(field, random.pick([0, 1, -1, 2 ** 40]));
    case 1:
      return fixed32Field(field, random.int(2 ** 32));
    case 2:
      return fixed64Field(field, BigInt(random.int(2 ** 32)));
    case 3:
      return Buffer.concat([tag(field, START_GROUP), tag(field, END_GROUP)]);
    default:
      return Buffer.concat([tag(field, random.pick([6, 7])), random.bytes(random.int(8))]);
  }
}

/** `depth` unknown groups nested in each other, closed (or not, when `closed` is false). */
function nestedGroups(depth: number, closed: boolean): Buffer {
  const open = Buffer.alloc(depth, tag(15, START_GROUP)[0]!);
  return closed ? Buffer.concat([open, Buffer.alloc(depth, tag(15, END_GROUP)[0]!)]) : open;
}

/** `depth` unknown length-delimited fields nested in each other. */
function nestedMessages(depth: number): Buffer {
  let inner = varintField(1, 1);
  for (let i = 0; i < depth; i++) inner = ld(15, inner);
  return inner;
}

const generators: Record<string, (random: Prng) => Buffer> = {
  'random bytes': (random) => random.bytes(random.pick([0, 1, 2, 5, 17, 64, 512, 4096])),
  'wrong wire types': (random) => {
    const fields = [ld(1, 'simple'), ...simpleInputs(), ...simpleRaw()];
    if (random.next() < 0.5) {
      // A top-level field (routing fields, parameters, inputs, outputs, raw contents).
      fields.splice(random.int(fields.length + 1), 0, wrongWireType(random, 1 + random.int(7)));
    } else {
      // A field inside an input or its contents.
      const inner = random.next() < 0.5 ? wrongWireType(random, 1 + random.int(5)) : ld(5, wrongWireType(random, 1 + random.int(8)));
      fields[1] = ld(5, [inputTensor('INPUT0', 'INT32', [1, 16]), inner]);
    }
    return Buffer.concat(fields);
  },
  'huge or negative shapes': (random) => {
    const shapes: (number | bigint)[][] = [
      [-1, 16],
      [1, -16],
      [-(2 ** 40)],
      [random.pick(HUGE_DIMS), 16],
      [random.pick(HUGE_DIMS), random.pick(HUGE_DIMS)],
      [2 ** 26, 2 ** 26, 2 ** 26],
      Array.from({ length: 65 + random.int(1000) }, () => 1),
      [],
      [0, 16],
      [1, 16, 0, 2 ** 40],
    ];
    const shape = random.pick(shapes);
    const withRaw = random.next() < 0.5 ? simpleRaw() : [];
    return Buffer.concat([ld(1, random.pick(['simple', 'strings', 'mlp'])), ...simpleInputs(shape), ...withRaw]);
  },
  'mismatched raw lengths': (random) => {
    const raws = [
      [ld(7, int32s(15)), ld(7, int32s(16))],
      [ld(7, Buffer.alloc(63)), ld(7, int32s(16))],
      [ld(7, int32s(16))],
      [ld(7, int32s(16)), ld(7, int32s(16)), ld(7, int32s(16))],
      [ld(7, Buffer.alloc(0)), ld(7, Buffer.alloc(0))],
      [ld(7, int32s(16)), ld(7, Buffer.alloc(1 << 20))],
      [ld(7, int32s(16 * 1024)), ld(7, int32s(16))],
    ];
    const contents = random.next() < 0.3 ? [ld(5, ld(2, packed([1, 2, 3])))] : [];
    return Buffer.concat([ld(1, 'simple'), ...simpleInputs([1, 16], contents), ...random.pick(raws)]);
  },
  'unknown datatypes': (random) => {
    const datatype = random.pick(UNKNOWN_DATATYPES);
    const model = random.pick(['simple', 'strings', 'mlp']);
    return Buffer.concat([ld(1, model), ld(5, inputTensor('INPUT0', datatype, [1, 16])), ld(5, inputTensor('INPUT1', 'INT32', [1, 16])), ...simpleRaw()]);
  },
  'invalid UTF-8': (random) => {
    const bad = Buffer.concat([Buffer.from(random.pick(['', 'simple', 'INPUT0'])), random.pick(INVALID_UTF8)]);
    const fields = [ld(1, 'simple'), ...simpleInputs(), ...simpleRaw()];
    switch (random.int(6)) {
      case 0:
        fields[0] = ld(1, bad);
        break;
      case 1:
        fields.push(ld(2, bad));
        break;
      case 2:
        fields.push(ld(3, bad));
        break;
      case 3:
        fields[1] = ld(5, inputTensor(bad, 'INT32', [1, 16]));
        break;
      case 4:
        fields[1] = ld(5, inputTensor('INPUT0', bad, [1, 16]));
        break;
      default:
        fields.push(random.next() < 0.5 ? ld(6, ld(1, bad)) : parameterEntry(4, bad, ld(3, bad)));
    }
    return Buffer.concat(fields);
  },
  'many or deep parameters': (random) => {
    const many = (count: number, field: number) => Array.from({ length: count }, (_, i) => parameterEntry(field, `p${i}`, varintField(2, i)));
    const choice = random.int(6);
    if (choice === 0) return Buffer.concat([ld(1, 'simple'), ...many(200 + random.int(2000), 4), ...simpleInputs(), ...simpleRaw()]);
    if (choice === 1) return Buffer.concat([ld(1, 'simple'), ld(5, [inputTensor('INPUT0', 'INT32', [1, 16]), ...many(300, 4)]), ...simpleInputs().slice(1), ...simpleRaw()]);
    if (choice === 2) return Buffer.concat([ld(1, 'simple'), ...simpleInputs(), ...simpleRaw(), ...Array.from({ length: 300 }, () => ld(6, [ld(1, 'OUTPUT0'), ...many(1, 2)]))]);
    // A parameter's value holding deeply nested unknown groups or messages, or a value of the wrong kind.
    const depth = random.pick([100, 10_000, 100_000]);
    const value = [nestedGroups(depth, true), nestedGroups(depth, false), nestedMessages(Math.min(depth, 5_000)), Buffer.concat([tag(3, VARINT), varint(5)]), fixed64Field(1, 7n)][choice - 3 + random.int(3)]!;
    const entry = random.next() < 0.5 ? parameterEntry(4, 'deep', value) : ld(5, [inputTensor('INPUT0', 'INT32', [1, 16]), parameterEntry(4, 'deep', value)]);
    return Buffer.concat([ld(1, 'simple'), ...simpleInputs(), ...simpleRaw(), entry]);
  },
  'mutated valid request': (random) => {
    let bytes = validRequest(random);
    for (let mutations = 1 + random.int(4); mutations > 0; mutations--) {
      const at = random.int(bytes.length);
      switch (random.int(6)) {
        case 0:
          bytes[at] ^= 1 << random.int(8);
          break;
        case 1:
          bytes[at] = random.int(256);
          break;
        case 2:
          bytes = Buffer.concat([bytes.subarray(0, at), random.bytes(1 + random.int(8)), bytes.subarray(at)]);
          break;
        case 3:
          bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + random.int(16))]);
          break;
        case 4:
          bytes = Buffer.concat([bytes, bytes.subarray(at, at + 1 + random.int(64))]);
          break;
        default:
          bytes = bytes.subarray(0, at);
      }
    }
    return Buffer.from(bytes);
  },
};

/** The kinds of malformed request, in the order they are drawn. */
export const MALFORMED_KINDS = Object.keys(generators);

/** The `index`th malformed request: kinds in turn, each drawn from `random`. */
export function malformedRequest(random: Prng, index: number): MalformedRequest {
  const kind = MALFORMED_KINDS[index % MALFORMED_KINDS.length]!;
  return { kind, bytes: generators[kind]!(random) };
}
