/**
 * Worker thread that loads one .onnx file with onnxruntime and posts back its signature.
 * Loading a large model blocks the thread that does it, and the registry's own thread must
 * keep answering heartbeats and route watches meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { SignatureReply, ValueSpec } from './signature-protocol.js';

function spec(meta: ort.InferenceSession.ValueMetadata): ValueSpec {
  if (!meta.isTensor) return { name: meta.name, isTensor: false, type: '', shape: [] };
  return { name: meta.name, isTensor: true, type: meta.type, shape: meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)) };
}

async function read(file: string): Promise<SignatureReply> {
  try {
    // Only the signature is needed: skip graph optimisation, which can take long.
    const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
    const reply: SignatureReply = { ok: true, inputs: session.inputMetadata.map(spec), outputs: session.outputMetadata.map(spec) };
    await session.release();
    return reply;
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

parentPort!.postMessage(await read(workerData as string));
