/**
 * How far two answers to the same call agree, output by output: byte for byte for integer,
 * BOOL and BYTES outputs; by largest difference and per-row argmax for float outputs.
 * Reads the raw bytes in place; a caller comparing many calls passes one result to refill.
 */
import { decodeContents, encodeRaw, isDatatype, TensorDataError } from '@infermesh/client';
import type { ModelInferResponse__Output } from '@infermesh/proto';
import { FLOAT_BYTES, isFloatDatatype, readFloat, type FloatDatatype } from './float-reader.js';

type Output = ModelInferResponse__Output['outputs'][number];

/** The comparison of one call's two answers. */
export interface ResponseComparison {
  /** Same outputs (name, datatype, shape) with the same bytes. */
  exact: boolean;
  /**
   * The call agrees: nothing mismatched, integer/BOOL/BYTES outputs identical and every row of
   * every float output has the same argmax (last axis).
   */
  agrees: boolean;
  /** Why the answers could not be compared (an output missing, a datatype or shape different), or null. */
  mismatch: string | null;
  /** Largest absolute difference over the float elements (Infinity where only one side is NaN). */
  maxAbsDiff: number;
  /** Largest |a − b| / max(|a|, |b|) over the float elements. */
  maxRelDiff: number;
  /** Rows of float outputs compared by argmax (elements over the last axis's size). */
  argmaxRows: number;
  /** Of those, rows whose argmax is the same. */
  argmaxAgreeingRows: number;
}

/** A comparison to fill, for {@link compareResponses}. */
export function emptyComparison(): ResponseComparison {
  return { exact: true, agrees: true, mismatch: null, maxAbsDiff: 0, maxRelDiff: 0, argmaxRows: 0, argmaxAgreeingRows: 0 };
}

/**
 * Compares `candidate`'s outputs with `primary`'s, matched by name, and writes the result
 * into `into` (a fresh one when left out), which it returns.
 */
export function compareResponses(
  primary: ModelInferResponse__Output,
  candidate: ModelInferResponse__Output,
  into: ResponseComparison = emptyComparison(),
): ResponseComparison {
  into.exact = true;
  into.agrees = true;
  into.mismatch = null;
  into.maxAbsDiff = 0;
  into.maxRelDiff = 0;
  into.argmaxRows = 0;
  into.argmaxAgreeingRows = 0;
  if (primary.outputs.length !== candidate.outputs.length) {
    return mismatched(into, `${primary.outputs.length} outputs against ${candidate.outputs.length}`);
  }
  for (let i = 0; i < primary.outputs.length; i++) {
    const a = primary.outputs[i] as Output;
    const j = indexOfOutput(candidate, a.name, i);
    if (j < 0) return mismatched(into, `output '${a.name}' missing`);
    const b = candidate.outputs[j] as Output;
    if (a.datatype !== b.datatype) return mismatched(into, `output '${a.name}': datatype ${a.datatype} against ${b.datatype}`);
    if (!sameShape(a.shape, b.shape)) {
      return mismatched(into, `output '${a.name}': shape [${a.shape.join(',')}] against [${b.shape.join(',')}]`);
    }
    const aBytes = outputBytes(primary, i);
    const bBytes = outputBytes(candidate, j);
    if (aBytes === null || bBytes === null) return mismatched(into, `output '${a.name}': no readable data`);
    if (isFloatDatatype(a.datatype)) {
      const problem = compareFloats(a.datatype, a.shape, aBytes, bBytes, into);
      if (problem !== null) return mismatched(into, `output '${a.name}': ${problem}`);
    } else if (!Buffer.from(aBytes.buffer, aBytes.byteOffset, aBytes.byteLength).equals(bBytes)) {
      into.exact = false;
      into.agrees = false;
    }
  }
  if (into.argmaxAgreeingRows !== into.argmaxRows) into.agrees = false;
  return into;
}

function mismatched(into: ResponseComparison, reason: string): ResponseComparison {
  into.exact = false;
  into.agrees = false;
  into.mismatch = reason;
  return into;
}

/** The candidate's output named `name`, looked for first where the primary has it. */
function indexOfOutput(response: ModelInferResponse__Output, name: string, hint: number): number {
  if (response.outputs[hint]?.name === name) return hint;
  return response.outputs.findIndex((output) => output.name === name);
}

function sameShape(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (String(a[i]) !== String(b[i])) return false;
  return true;
}

function elements(shape: readonly string[]): number {
  let count = 1;
  for (const dim of shape) count *= Number(dim);
  return count;
}

/** Output `index`'s raw bytes; typed contents (rare in answers) are encoded to raw form. */
function outputBytes(response: ModelInferResponse__Output, index: number): Uint8Array | null {
  if (response.raw_output_contents.length > 0) return response.raw_output_contents[index] ?? null;
  const output = response.outputs[index] as Output;
  if (output.contents === null || !isDatatype(output.datatype)) return null;
  try {
    return encodeRaw(decodeContents(output.name, output.datatype, elements(output.shape), output.contents));
  } catch (error) {
    if (error instanceof TensorDataError) return null;
    throw error;
  }
}

/** Adds one float output's differences to `into`; returns what made it unreadable, or null. */
function compareFloats(
  datatype: FloatDatatype,
  shape: readonly string[],
  aBytes: Uint8Array,
  bBytes: Uint8Array,
  into: ResponseComparison,
): string | null {
  const count = elements(shape);
  const expected = count * FLOAT_BYTES[datatype];
  if (aBytes.byteLength !== expected || bBytes.byteLength !== expected) {
    return `${expected} bytes expected, got ${aBytes.byteLength} and ${bBytes.byteLength}`;
  }
  const aView = new DataView(aBytes.buffer, aBytes.byteOffset, aBytes.byteLength);
  const bView = new DataView(bBytes.buffer, bBytes.byteOffset, bBytes.byteLength);
  const width = shape.length === 0 ? 1 : Number(shape[shape.length - 1]);
  for (let row = 0; width > 0 && row < count / width; row++) {
    let aBest = 0;
    let bBest = 0;
    let aMax = -Infinity;
    let bMax = -Infinity;
    for (let column = 0; column < width; column++) {
      const index = row * width + column;
      const a = readFloat(aView, datatype, index);
      const b = readFloat(bView, datatype, index);
      if (a > aMax) {
        aMax = a;
        aBest = column;
      }
      if (b > bMax) {
        bMax = b;
        bBest = column;
      }
      if (Object.is(a, b) || a === b) continue;
      into.exact = false;
      const abs = Number.isNaN(a) || Number.isNaN(b) ? Infinity : Math.abs(a - b);
      const rel = abs === Infinity ? Infinity : abs / Math.max(Math.abs(a), Math.abs(b));
      if (abs > into.maxAbsDiff) into.maxAbsDiff = abs;
      if (rel > into.maxRelDiff) into.maxRelDiff = rel;
    }
    into.argmaxRows++;
    if (aBest === bBest) into.argmaxAgreeingRows++;
  }
  return null;
}
