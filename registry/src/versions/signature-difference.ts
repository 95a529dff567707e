/**
 * Whether a version can take the calls another one takes: the same input and output names,
 * the same datatypes, and dimensions that are equal or variable (-1) on either side. A canary
 * or a new stable version that is not refuses callers' requests that stable answers.
 */
import type { TensorSpecRecord } from '../state/registry-state.js';

/** The parts of a version its signature is read from. */
interface Signed {
  version: number;
  inputs: readonly TensorSpecRecord[];
  outputs: readonly TensorSpecRecord[];
}

const shape = (spec: TensorSpecRecord) => `[${spec.shape.join(',')}]`;

const dimsCompatible = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((dim, i) => dim === b[i] || dim === -1 || b[i] === -1);

function tensorDifference(kind: 'input' | 'output', from: Signed, to: Signed): string | undefined {
  const key = `${kind}s` as const;
  for (const spec of from[key]) {
    const other = to[key].find((candidate) => candidate.name === spec.name);
    const was = `${kind} '${spec.name}' is ${spec.datatype} ${shape(spec)} in v${from.version}`;
    if (!other) return `${was} but v${to.version} has no such ${kind}`;
    if (other.datatype !== spec.datatype) return `${was} but ${other.datatype} ${shape(other)} in v${to.version}`;
    if (!dimsCompatible(spec.shape, other.shape)) return `${was} but ${other.datatype} ${shape(other)} in v${to.version}`;
  }
  const extra = to[key].find((candidate) => !from[key].some((spec) => spec.name === candidate.name));
  if (extra) return `v${to.version} has ${kind} '${extra.name}' (${extra.datatype} ${shape(extra)}), which v${from.version} has not`;
  return undefined;
}

/** The first difference that makes `to` refuse what `from` takes (inputs first), or undefined when it would not. */
export function signatureDifference(from: Signed, to: Signed): string | undefined {
  return tensorDifference('input', from, to) ?? tensorDifference('output', from, to);
}
