/**
 * Entry point of a model instance's worker thread. onnxruntime-node's `run` executes
 * synchronously on the thread that calls it, so every session lives here and never on the
 * thread that serves gRPC.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { executionProviders, explainLoadFailure } from './execution-providers.js';
import { fromOrtTensor, toOrtTensor } from './ort-tensor.js';
import { REPLY_PREFIX_BYTES, REQUEST, RUNNING, RunSlots, SLOT_COUNT, type SlotTensor } from './RunSlots.js';
import { ownedBuffer, type RunRequest, type ValueInfo, type WireTensor, type WorkerInit, type WorkerReply } from './session-protocol.js';

const init = workerData as WorkerInit;
const port = parentPort!;
const slots = new RunSlots(init.slots);
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

  const inputNames = session.inputMetadata.map((meta) => meta.name);
  const outputNames = session.outputMetadata.map((meta) => meta.name);
  port.on('message', (request: RunRequest) => {
    void run(session, request.id, -1, request.feeds, request.fetches);
  });
  // Takes every run written into a slot. It waits for the gRPC thread to write another only
  // when it has nothing left to run: a waiting worker costs the gRPC thread a wake-up per
  // run, a busy one looks at the slots again as each run finishes.
  let running = 0;
  let waiting = false;
  const finished = (): void => {
    running--;
    if (!waiting) poll();
  };
  const poll = (): void => {
    for (;;) {
      const seen = slots.requestsWritten();
      for (let slot = 0; slot < SLOT_COUNT; slot++) {
        if (slots.state(slot) !== REQUEST) continue;
        slots.setState(slot, RUNNING);
        running++;
        void run(session, ...readRun(slot, inputNames, outputNames)).then(finished);
      }
      if (running > 0 || waiting) return;
      const written = slots.waitFor('requests', seen);
      if (written) {
        waiting = true;
        void written.then(() => {
          waiting = false;
          poll();
        });
        return;
      }
    }
  };
  poll();
}

/** A slot's run as `run` takes it. onnxruntime refuses shared memory, so the feeds are copied out (on this thread, not the gRPC one). */
function readRun(slot: number, inputNames: readonly string[], outputNames: readonly string[]): [number, number, Record<string, WireTensor>, string[]] {
  const region = slots.region(slot, false);
  const id = slots.headerWord(region, 0, 0);
  const fetchCount = slots.headerWord(region, 0, 1);
  const fetches: string[] = [];
  for (let i = 0; i < fetchCount; i++) fetches.push(outputNames[slots.headerWord(region, 0, 2 + i)]!);
  const feeds: Record<string, WireTensor> = {};
  for (const { index, tensor } of slots.readTensors(region, 0, 2 + fetchCount)) feeds[inputNames[index]!] = tensor;
  return [id, slot, feeds, fetches];
}

async function run(
  session: ort.InferenceSession,
  id: number,
  slot: number,
  wireFeeds: Record<string, WireTensor>,
  fetches: readonly string[],
): Promise<void> {
  try {
    const inputStarted = process.hrtime.bigint();
    const feeds: Record<string, ort.Tensor> = {};
    for (const [name, tensor] of Object.entries(wireFeeds)) {
      feeds[name] = toOrtTensor(tensor);
    }
    const started = process.hrtime.bigint();
    const results = await session.run(feeds, fetches);
    const finished = process.hrtime.bigint();
    const outputs: Record<string, WireTensor> = {};
    const inSlot: SlotTensor[] = [];
    for (let index = 0; index < fetches.length; index++) {
      const name = fetches[index]!;
      const tensor = results[name]!;
      const wire = fromOrtTensor(tensor);
      outputs[name] = wire;
      inSlot.push({ index, tensor: wire });
    }
    const inputNs = Number(started - inputStarted);
    const computeNs = Number(finished - started);
    if (slot >= 0 && slots.writeTensors(slots.region(slot, true), REPLY_PREFIX_BYTES, [id], inSlot)) {
      slots.writeTimings(slot, inputNs, computeNs, Number(process.hrtime.bigint() - finished));
      slots.publishReply(slot);
      return;
    }
    const transfer: ArrayBuffer[] = [];
    for (const { data } of Object.values(outputs)) {
      const buffer = ownedBuffer(data);
      if (buffer) transfer.push(buffer);
    }
    const outputNs = Number(process.hrtime.bigint() - finished);
    reply({ kind: 'result', id, slot, outputs, inputNs, computeNs, outputNs }, transfer);
  } catch (error) {
    reply({ kind: 'run-failed', id, slot, message: (error as Error).message });
  }
}

await main();
