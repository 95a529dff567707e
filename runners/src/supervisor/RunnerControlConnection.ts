/** The supervisor's RunnerControl client for one runner process, with promises and deadlines. */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, unaryCall } from '@infermesh/common';
import {
  runnerProto,
  type LoadModelRequest__Output,
  type RunnerControlClient,
  type StatusResponse__Output,
} from '@infermesh/proto';

/** RunnerControl messages are small; Status of a runner with many versions stays far below this. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export class RunnerControlConnection {
  private readonly client: RunnerControlClient;
  private readonly calls = new Set<grpc.ClientUnaryCall>();

  constructor(address: string, credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure()) {
    this.client = new runnerProto.RunnerControl(address, credentials, {
      ...clientChannelOptions(MAX_MESSAGE_BYTES),
      // One channel per runner process: a restarted runner must not inherit the reconnect
      // backoff that a shared subchannel built up while the old one was down.
      'grpc.use_local_subchannel_pool': 1,
    });
  }

  /** Status; fails fast when the runner is unreachable. */
  status(timeoutMs: number): Promise<StatusResponse__Output> {
    return this.unary((done) => this.client.Status({}, { deadline: Date.now() + timeoutMs }, done));
  }

  /** LoadModel; waits for the connection (the runner has just started) up to the deadline. */
  loadModel(request: LoadModelRequest__Output, timeoutMs: number): Promise<unknown> {
    const metadata = new grpc.Metadata({ waitForReady: true });
    return this.unary((done) => this.client.LoadModel(request, metadata, { deadline: Date.now() + timeoutMs }, done));
  }

  /** Cancels the calls still running and closes the channel. */
  close(): void {
    for (const call of this.calls) call.cancel();
    this.client.close();
  }

  private unary<T>(start: (done: (error: grpc.ServiceError | null, value?: T) => void) => grpc.ClientUnaryCall): Promise<T> {
    // Tracked, so that close() cancels calls still waiting for a runner that is gone.
    return unaryCall<T>((done) => {
      const call = start((error, value) => {
        this.calls.delete(call);
        done(error, value);
      });
      this.calls.add(call);
    });
  }
}
