import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metadata, type ServerDuplexStream } from '@grpc/grpc-js';
import { createLogger } from '@infermesh/common';
import type { ModelInferRequest__Output, ModelStreamInferResponse } from '@infermesh/proto';
import { inferenceHandlers } from './inference-service.js';
import type { ModelStore } from './ModelStore.js';

/** A ModelStreamInfer call as grpc-js hands it to the handler, driven by hand. */
function fakeStream() {
  const written: ModelStreamInferResponse[] = [];
  const call = Object.assign(new EventEmitter(), {
    metadata: new Metadata(),
    cancelled: false,
    writableEnded: false,
    getDeadline: () => Date.now() + 60_000,
    pause: () => undefined,
    resume: () => undefined,
    write: (response: ModelStreamInferResponse) => written.push(response),
    end: () => undefined,
  });
  return { call, written, handler: call as unknown as ServerDuplexStream<ModelInferRequest__Output, ModelStreamInferResponse> };
}

/** A store with one version whose requests wait until released; it records each request's signal. */
function heldVersion() {
  const signals: AbortSignal[] = [];
  let release = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const version = {
    name: 'm',
    version: '1',
    metrics: undefined,
    async infer(request: ModelInferRequest__Output, signal: AbortSignal) {
      signals.push(signal);
      await released;
      return { model_name: 'm', model_version: '1', id: request.id, outputs: [] };
    },
  };
  const store = { resolve: () => version } as unknown as ModelStore;
  return { store, signals, release };
}

const request = (id: string) => ({ model_name: 'm', model_version: '', id }) as ModelInferRequest__Output;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ModelStreamInfer', () => {
  it('gives every message of a stream the stream’s one signal, listening to the call once', async () => {
    const { store, signals, release } = heldVersion();
    const { call, written, handler } = fakeStream();
    const warnings = vi.fn();
    process.on('warning', warnings);
    const listenersBefore = call.listenerCount('cancelled');
    inferenceHandlers(store, createLogger('test', 'silent'), () => true, { device: 'cpu' }).ModelStreamInfer!(handler);
    const streamListeners = call.listenerCount('cancelled');
    for (let i = 0; i < 64; i++) call.emit('data', request(String(i)));
    // As many abort listeners as the Batcher adds for a full stream: no MaxListenersExceededWarning.
    for (let i = 0; i < 64; i++) signals[0]!.addEventListener('abort', () => undefined);
    await vi.waitFor(() => expect(signals).toHaveLength(64));
    expect(new Set(signals).size).toBe(1);
    expect(call.listenerCount('cancelled')).toBe(streamListeners);
    release();
    await vi.waitFor(() => expect(written).toHaveLength(64));
    expect(written.map((response) => response.infer_response?.id)).toEqual(signals.map((_, i) => String(i)));
    call.emit('close');
    expect(call.listenerCount('cancelled')).toBe(streamListeners - 1);
    expect(streamListeners).toBeGreaterThan(listenersBefore);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', warnings);
    expect(warnings).not.toHaveBeenCalled();
  });

  it('aborts the stream’s signal when the caller cancels', async () => {
    const { store, signals } = heldVersion();
    const { call, handler } = fakeStream();
    inferenceHandlers(store, createLogger('test', 'silent'), () => true, { device: 'cpu' }).ModelStreamInfer!(handler);
    call.emit('data', request('a'));
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    call.emit('cancelled');
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[0]!.reason).toMatchObject({ code: 1 });
  });
});
