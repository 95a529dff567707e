/**
 * Entry point of a model instance's worker thread. onnxruntime-node's `run` executes
 * synchronously on the thread that calls it, so every session lives here and never on the
 * thread that serves gRPC.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { executionProviders, explainLoadFailure } from './execution-providers.js';
import { ownedBuffer, type RunRequest, type ValueInfo, type WireTensor, type WorkerInit, type WorkerReply } from './session-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

function valueInfo(meta: ort.InferenceSession.ValueMetadata): ValueInfo {
  if (!meta.isTensor) return { name: meta.name, isTensor: false, type: '', shape: [] };
  return {
    name: meta.name,
    isTensor: true,
    type: meta.type,
    shape: meta.shape.map((dim) => (typeof dim === 'number' && dim >= 0 ? dim : -1)),
  };
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(init.modelPath, {
      executionProviders: executionProviders(init.device),
      graphOptimizationLevel: init.graphOptimizationLevel,
      ...(init.intraOpThreads > 0 ? { intraOpNumThreads: init.intraOpThreads } : {}),
      interOpNumThreads: 1,
    });
  } catch (error) {
    reply({ kind: 'load-failed', ...explainLoadFailure(init.device, (error as Error).message) });
    return;
  }
  reply({ kind: 'ready', inputs: session.inputMetadata.map(valueInfo), outputs: session.outputMetadata.map(valueInfo) });

  port.on('message', (request: RunRequest) => {
    void run(session, request);
  });
}

async function run(session: ort.InferenceSession, request: RunRequest): Promise<void> {
  try {
    const inputStarted = process.hrtime.bigint();
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(request.feeds)) {
      feeds[name] = new ort.Tensor(tensor.type, tensor.data, tensor.dims);
    }
    const started = process.hrtime.bigint();
    const results = await session.run(feeds, request.fetches);
    const finished = process.hrtime.bigint();
    const outputs: Record<string, WireTensor> = {};
    const transfer: ArrayBuffer[] = [];
    for (const name of request.fetches) {
      const tensor = results[name]!;
      const data = tensor.data as WireTensor['data'];
      outputs[name] = { type: tensor.type as WireTensor['type'], data, dims: [...tensor.dims] };
      const buffer = ownedBuffer(data);
      if (buffer) transfer.push(buffer);
    }
    const inputNs = Number(started - inputStarted);
    const computeNs = Number(finished - started);
    const outputNs = Number(process.hrtime.bigint() - finished);
    reply({ kind: 'result', id: request.id, outputs, inputNs, computeNs, outputNs }, transfer);
  } catch (error) {
    reply({ kind: 'run-failed', id: request.id, message: (error as Error).message });
  }
}

await main();
