/** What a ModelInfer forwarded at the HTTP/2 level needs from the gateway. */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Logger, RetryPolicy } from '@infermesh/common';
import type { ObserverNotifier } from '../notify-observers.js';
import type { Router } from '../Router.js';
import type { RunnerHeaders } from '../runner-headers.js';
import type { RunnerExchanges } from './RunnerExchanges.js';
import { type ReadSoFar, type SessionPool } from '@infermesh/common';

export interface H2InferDeps {
  router: Router;
  /** Shared with the grpc-js path: one budget for all calls. */
  retry: RetryPolicy;
  /** Which of the caller's headers reach a runner. */
  runnerHeaders: RunnerHeaders;
  /** Sessions to the runners. */
  sessions: SessionPool;
  /** The Exchange streams ModelInfer calls go on; without, each call is a stream of its own. */
  exchanges?: RunnerExchanges;
  maxMessageBytes: number;
  logger: Logger;
  /** Asked to admit each call, then told about it when it has finished. */
  observers: ObserverNotifier;
  /** Hands a call to the grpc-js server as it came (a compressed message). */
  fallback(downstream: ServerHttp2Stream, headers: IncomingHttpHeaders, read: ReadSoFar): void;
}
