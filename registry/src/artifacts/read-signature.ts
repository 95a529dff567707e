/** Reads a model's signature by loading it with onnxruntime, in a worker thread. */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { datatypeFromOrt, ServiceError } from '@infermesh/common';
import type { TensorSpecRecord } from '../state/registry-state.js';
import type { SignatureReply, ValueSpec } from './signature-protocol.js';

/** A model's inputs and outputs in protocol terms. */
export interface Signature {
  inputs: TensorSpecRecord[];
  outputs: TensorSpecRecord[];
}

/**
 * The worker's compiled script. Under vitest this module runs from src/*.ts and Node cannot
 * start a TypeScript worker, so it points at the build output (tests run after the build).
 */
const WORKER_SCRIPT = fileURLToPath(
  import.meta.url.endsWith('.ts')
    ? new URL('../../dist/artifacts/signature-worker.js', import.meta.url)
    : new URL('./signature-worker.js', import.meta.url),
);

function toSpec(value: ValueSpec, kind: string): TensorSpecRecord {
  if (!value.isTensor) throw ServiceError.invalidArgument(`artifact: ${kind} '${value.name}' is not a tensor; infermesh serves tensors only`);
  const datatype = datatypeFromOrt(value.type);
  if (!datatype) {
    throw ServiceError.invalidArgument(`artifact: ${kind} '${value.name}' has element type '${value.type}', which the Open Inference Protocol cannot carry`);
  }
  return { name: value.name, datatype, shape: value.shape };
}

/** Loads `file` with onnxruntime; INVALID_ARGUMENT when it is not a model onnxruntime can load. */
export async function readSignature(file: string, timeoutMs = 120_000): Promise<Signature> {
  const worker = new Worker(WORKER_SCRIPT, { workerData: file });
  const reply = await new Promise<SignatureReply>((resolve) => {
    const timer = setTimeout(() => resolve({ ok: false, message: `loading took longer than ${timeoutMs} ms` }), timeoutMs);
    worker.once('message', (message: SignatureReply) => {
      clearTimeout(timer);
      resolve(message);
    });
    worker.once('error', (error) => {
      clearTimeout(timer);
      resolve({ ok: false, message: error.message });
    });
  });
  await worker.terminate();
  if (!reply.ok) throw ServiceError.invalidArgument(`artifact: not a model onnxruntime can load: ${reply.message}`);
  return { inputs: reply.inputs.map((v) => toSpec(v, 'input')), outputs: reply.outputs.map((v) => toSpec(v, 'output')) };
}
