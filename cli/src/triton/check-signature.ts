/**
 * Compares what config.pbtxt says of a model's tensors with the signature the registry
 * read from the ONNX file. Triton's dims leave out the batch dimension when max_batch_size
 * is above 0; -1 on either side matches any size.
 */
import type { TensorSpec__Output } from '@infermesh/proto/registry';
import type { ExpectedTensor } from './map-tensors.js';

const shape = (dims: readonly number[]) => `[${dims.join(',')}]`;

const batchProblem = (kind: string, spec: TensorSpec__Output, maxBatchSize: number) =>
  `${kind} '${spec.name}': max_batch_size ${maxBatchSize} needs a variable first dimension (the batch); the ONNX file ` +
  (spec.shape.length === 0 ? 'makes it a scalar' : `fixes it at ${spec.shape[0]}`);

function compareTensor(kind: string, expected: ExpectedTensor, actual: TensorSpec__Output, maxBatchSize: number): string[] {
  const label = `${kind} '${expected.name}'`;
  const problems: string[] = [];
  if (expected.datatype !== actual.datatype) problems.push(`${label}: config.pbtxt says ${expected.datatype}, the ONNX file ${actual.datatype}`);
  const wanted = maxBatchSize > 0 ? [-1, ...expected.dims] : expected.dims;
  const got = actual.shape.map(Number);
  const hint = expected.reshape ? ` (config.pbtxt reshapes it to ${shape(expected.reshape)}; infermesh does not reshape)` : '';
  if (wanted.length !== got.length) {
    problems.push(`${label}: config.pbtxt gives ${wanted.length} dimensions ${shape(wanted)}, the ONNX file ${got.length} ${shape(got)}${hint}`);
    return problems;
  }
  if (maxBatchSize > 0 && got[0] !== -1) problems.push(batchProblem(kind, actual, maxBatchSize));
  wanted.forEach((dim, i) => {
    if (i === 0 && maxBatchSize > 0) return;
    if (dim !== -1 && got[i] !== -1 && dim !== got[i]) {
      problems.push(`${label}: dimension ${i} is ${dim} in config.pbtxt, ${got[i]} in the ONNX file (${shape(wanted)} vs ${shape(got)})${hint}`);
    }
  });
  return problems;
}

function compareSide(kind: 'input' | 'output', expected: readonly ExpectedTensor[], actual: readonly TensorSpec__Output[], maxBatchSize: number): string[] {
  const problems: string[] = [];
  for (const tensor of expected) {
    const found = actual.find((spec) => spec.name === tensor.name);
    if (found) problems.push(...compareTensor(kind, tensor, found, maxBatchSize));
    else problems.push(`${kind} '${tensor.name}': not in the ONNX file (its ${kind}s: ${actual.map((spec) => spec.name).join(', ')})`);
  }
  for (const spec of actual.filter((spec) => !expected.some((tensor) => tensor.name === spec.name))) {
    // Callers must send every input the file has (when config.pbtxt lists any); outputs it leaves out are only extra.
    if (kind === 'input' && expected.length > 0) problems.push(`input '${spec.name}': in the ONNX file but not in config.pbtxt`);
    // The runner batches along the first dimension of every tensor, listed or not.
    else if (maxBatchSize > 0 && Number(spec.shape[0] ?? 0) !== -1) problems.push(batchProblem(kind, spec, maxBatchSize));
  }
  return problems;
}

/** Every difference between config.pbtxt and the file's signature; empty when they agree. */
export function signatureMismatches(
  expected: { inputs: readonly ExpectedTensor[]; outputs: readonly ExpectedTensor[]; maxBatchSize: number },
  actual: { inputs: readonly TensorSpec__Output[]; outputs: readonly TensorSpec__Output[] },
): string[] {
  return [...compareSide('input', expected.inputs, actual.inputs, expected.maxBatchSize), ...compareSide('output', expected.outputs, actual.outputs, expected.maxBatchSize)];
}
