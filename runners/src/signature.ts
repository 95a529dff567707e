/** A model version's input/output signature in protocol terms, read from its ORT session. */
import { datatypeFromOrt, type Datatype } from '@infermesh/common';
import type { ValueInfo } from './session-protocol.js';

/** One input or output: protocol datatype and shape, -1 for a variable dimension. */
export interface TensorSpec {
  name: string;
  datatype: Datatype;
  /** onnxruntime's element type, which the worker needs to build the tensor. */
  ortType: string;
  shape: number[];
}

/** Inputs and outputs of a model version, in session order. */
export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

function toSpec(value: ValueInfo, kind: 'input' | 'output'): TensorSpec {
  if (!value.isTensor) throw new Error(`${kind} '${value.name}' is not a tensor; infermesh serves tensor inputs and outputs only`);
  const datatype = datatypeFromOrt(value.type);
  if (!datatype) throw new Error(`${kind} '${value.name}' has element type '${value.type}', which the Open Inference Protocol cannot carry`);
  return { name: value.name, datatype, ortType: value.type, shape: value.shape };
}

/** Converts onnxruntime's value metadata; throws when a value cannot be served. */
export function toSignature(inputs: ValueInfo[], outputs: ValueInfo[]): Signature {
  return { inputs: inputs.map((v) => toSpec(v, 'input')), outputs: outputs.map((v) => toSpec(v, 'output')) };
}

/** `[-1,16]`: a shape as messages show it. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** A spec as the protocol's TensorMetadata: the onnxruntime type stays inside the runner. */
export function tensorMetadata({ name, datatype, shape }: TensorSpec): { name: string; datatype: Datatype; shape: number[] } {
  return { name, datatype, shape };
}

/** Why a batched model's signature cannot be batched, or undefined when it can. */
export function unbatchable(signature: Signature, maxBatchSize: number): string | undefined {
  for (const [kind, specs] of [['input', signature.inputs], ['output', signature.outputs]] as const) {
    const bad = specs.find((spec) => spec.shape.length === 0 || spec.shape[0] !== -1);
    if (bad) {
      return `max_batch_size ${maxBatchSize} needs a variable first dimension on every input and output; ${kind} '${bad.name}' has shape ${formatShape(bad.shape)}`;
    }
  }
  return undefined;
}
