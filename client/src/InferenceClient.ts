/** Typed TypeScript client for the Open Inference Protocol (gateway or runner). */
import type * as grpc from '@grpc/grpc-js';
import {
  inferenceProto,
  type GRPCInferenceServiceClient,
  type ModelInferResponse__Output,
  type ModelMetadataResponse__Output,
} from '@infermesh/proto';
import { clientSecurity, type ClientSecurity } from './grpc/bearer-token.js';
import { clientChannelOptions } from './grpc/client-options.js';
import { unaryCall as unary } from './grpc/unary-call.js';
import { buildInferRequest, decodeInferResponse, type InferOptions, type InferResult, type InputTensor } from './infer-messages.js';
import { InferStream } from './InferStream.js';
import { callOptionsOf, metadataOf, rejectOnAbort, type CallControl } from './call-control.js';

/** Client options: `credentials` for TLS (plaintext without), `token` sent as a bearer token. */
export interface InferenceClientOptions extends ClientSecurity {
  /** Largest message in either direction; default 64 MiB. */
  maxMessageBytes?: number;
  /** More grpc-js channel options, applied last (e.g. a `grpc.service_config` with `round_robin` over an `ipv4:a,b` target). */
  channelOptions?: grpc.ChannelOptions;
}

export class InferenceClient {
  /** The generated stub, for calls this class does not wrap. */
  readonly stub: GRPCInferenceServiceClient;

  constructor(address: string, options: InferenceClientOptions = {}) {
    const { credentials, options: secure } = clientSecurity(options);
    this.stub = new inferenceProto.GRPCInferenceService(address, credentials, {
      ...clientChannelOptions(options.maxMessageBytes ?? 64 * 1024 * 1024),
      ...secure,
      ...options.channelOptions,
    });
  }

  async serverLive(control: CallControl = {}): Promise<boolean> {
    return (await this.unaryCall<{ live: boolean }>(control, (metadata, options, done) => this.stub.ServerLive({}, metadata, options, done))).live;
  }

  async serverReady(control: CallControl = {}): Promise<boolean> {
    return (await this.unaryCall<{ ready: boolean }>(control, (metadata, options, done) => this.stub.ServerReady({}, metadata, options, done))).ready;
  }

  async modelReady(name: string, version = '', control: CallControl = {}): Promise<boolean> {
    return (await this.unaryCall<{ ready: boolean }>(control, (metadata, options, done) => this.stub.ModelReady({ name, version }, metadata, options, done))).ready;
  }

  serverMetadata(control: CallControl = {}): Promise<{ name: string; version: string; extensions: string[] }> {
    return this.unaryCall(control, (metadata, options, done) => this.stub.ServerMetadata({}, metadata, options, done));
  }

  modelMetadata(name: string, version = '', control: CallControl = {}): Promise<ModelMetadataResponse__Output> {
    return this.unaryCall(control, (metadata, options, done) => this.stub.ModelMetadata({ name, version }, metadata, options, done));
  }

  /**
   * Runs one inference; rejects with the server's gRPC error (`code`, `details`), or with the
   * signal's reason once `signal` aborts (the call is cancelled on the server too).
   */
  async infer(model: string, inputs: Record<string, InputTensor>, options: InferOptions = {}): Promise<InferResult> {
    const request = buildInferRequest(model, inputs, options);
    const response = await this.unaryCall<ModelInferResponse__Output>(options, (metadata, callOptions, done) =>
      this.stub.ModelInfer(request, metadata, callOptions, done),
    );
    return decodeInferResponse(response);
  }

  /**
   * Opens a ModelStreamInfer stream: `infer` on it sends one request and resolves with its
   * response (the server answers in request order); `end` half-closes it. The stream's
   * deadline, signal and metadata are `control`'s.
   */
  openStream(control: CallControl = {}): InferStream {
    return new InferStream(this.stub, control);
  }

  close(): void {
    this.stub.close();
  }

  private unaryCall<T>(
    control: CallControl,
    start: (metadata: grpc.Metadata, options: grpc.CallOptions, done: (error: grpc.ServiceError | null, value?: T) => void) => grpc.ClientUnaryCall,
  ): Promise<T> {
    control.signal?.throwIfAborted();
    let call: grpc.ClientUnaryCall | undefined;
    const answer = unary<T>((done) => (call = start(metadataOf(control), callOptionsOf(control), done)));
    return rejectOnAbort(answer, control.signal, () => call?.cancel());
  }
}
