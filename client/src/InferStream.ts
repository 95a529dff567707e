/**
 * One ModelStreamInfer stream as promises: each `infer` sends a request and resolves with its
 * response. The server answers in request order, so answers settle the oldest waiting call;
 * a response with `error_message` rejects only its own call, and the stream goes on.
 */
import type * as grpc from '@grpc/grpc-js';
import type { GRPCInferenceServiceClient, ModelInferRequest, ModelStreamInferResponse__Output } from '@infermesh/proto';
import { callOptionsOf, metadataOf, type CallControl } from './call-control.js';
import { buildInferRequest, decodeInferResponse, type InferOptions, type InferResult, type InputTensor } from './infer-messages.js';

/** A request of the stream that the server answered with an error; the stream goes on. */
export class StreamInferError extends Error {
  override readonly name = 'StreamInferError';

  constructor(
    message: string,
    /** The request's id, as the server echoed it. */
    readonly requestId: string,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve(result: InferResult): void;
  reject(error: unknown): void;
}

export class InferStream {
  private readonly call: grpc.ClientDuplexStream<ModelInferRequest, ModelStreamInferResponse__Output>;
  private readonly waiting: Waiting[] = [];
  /** Set once the stream failed or ended: every later `infer` rejects with it. */
  private finished: unknown;

  constructor(stub: GRPCInferenceServiceClient, control: CallControl) {
    control.signal?.throwIfAborted();
    this.call = stub.ModelStreamInfer(metadataOf(control), callOptionsOf(control));
    this.call.on('data', (response: ModelStreamInferResponse__Output) => this.answer(response));
    this.call.on('error', (error) => this.finish(error));
    this.call.on('end', () => this.finish(new Error('the server ended the stream')));
    control.signal?.addEventListener(
      'abort',
      () => {
        this.call.cancel();
        this.finish(control.signal!.reason);
      },
      { once: true },
    );
  }

  /** Sends one request; resolves with its response, rejects with {@link StreamInferError} or the stream's error. */
  infer(model: string, inputs: Record<string, InputTensor>, options: Omit<InferOptions, keyof CallControl> = {}): Promise<InferResult> {
    if (this.finished !== undefined) return Promise.reject(this.finished);
    const request = buildInferRequest(model, inputs, options);
    return new Promise<InferResult>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.call.write(request);
    });
  }

  /** Half-closes the stream once every sent request is answered; resolves when the server ends it. */
  async end(): Promise<void> {
    if (this.finished === undefined) {
      const ended = new Promise<void>((resolve) => this.call.once('status', () => resolve()));
      this.call.end();
      await ended;
    }
  }

  private answer(response: ModelStreamInferResponse__Output): void {
    const waiting = this.waiting.shift();
    if (!waiting) return;
    const requestId = response.infer_response?.id ?? '';
    if (response.error_message) waiting.reject(new StreamInferError(response.error_message, requestId));
    else if (!response.infer_response) waiting.reject(new StreamInferError('the server answered with neither a response nor an error', requestId));
    else {
      try {
        waiting.resolve(decodeInferResponse(response.infer_response));
      } catch (error) {
        waiting.reject(error);
      }
    }
  }

  private finish(error: unknown): void {
    if (this.finished !== undefined) return;
    this.finished = error;
    for (const waiting of this.waiting.splice(0)) waiting.reject(error);
  }
}
