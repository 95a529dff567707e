/**
 * Shadow traffic: after a caller has its answer, a copy of its call goes to the rollout's
 * shadow version, whose answer is compared with the primary's and recorded, never returned.
 * The observer's part, on the caller's path, is a size check of the shadow table (nothing
 * more for meshes without shadows), a share draw and a push onto a bounded queue; the copy
 * is decoded, sent and compared later, a few at a time, each with its own deadline. A full
 * queue drops the copy and counts it: the caller never waits for, or fails by, a shadow.
 * Copies take only spare capacity: a runner with no room for other versions' calls sheds a copy
 * (SHADOW_CALL_HEADER), counted as dropped `busy`, and the model's next copies are dropped
 * the same way, unsent, for {@link SHED_HOLD_MS}, so a saturated runner costs one probe then.
 */
import { constants, type OutgoingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import {
  compareResponses,
  FRAME_HEADER_BYTES,
  framePieces,
  SHADOW_CALL_HEADER,
  SHADOW_SHED_DETAILS,
  type Logger, type ResponseComparison, type SessionPool, type ShadowConfig } from '@infermesh/common';
import { inferenceProto, MODEL_INFER_PATH, type ModelInferResponse__Output } from '@infermesh/proto';
import { answerMessage, exchange } from '../h2/runner-exchange.js';
import type { InferEvent, InferObserver } from '../InferObserver.js';
import type { ShadowTarget } from '../registry/RegistryRouter.js';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { modelVersionParts } from '../wire.js';
import type { ShadowStats } from './ShadowStats.js';

/** What the mirror needs of routing: the shadow table and a runner for a version. */
export interface ShadowRoutes {
  readonly shadows: ReadonlyMap<string, ShadowTarget>;
  pickRunner(model: string, version: string, exclude: ReadonlySet<RunnerEndpoint>): RunnerEndpoint;
}

/** How a mirror is set up. */
export interface ShadowMirrorOptions {
  routes: ShadowRoutes;
  stats: ShadowStats;
  config: ShadowConfig;
  logger: Logger;
  /** HTTP/2 sessions to the runners, shared with the forwarding path. */
  sessions: SessionPool;
  /** Largest answer taken from a runner (the gateway's message limit). */
  maxMessageBytes: number;
  /** Where shadow answers go as records (the sink publisher); none without a sink. */
  publish?: (event: InferEvent) => void;
}

/** A copy waiting to be sent: the primary call's event and the shadow version. */
interface Copy {
  event: InferEvent;
  version: string;
  /** What it counts for in `gateway.shadow.maxQueuedBytes`. */
  bytes: number;
}

const NONE: ReadonlySet<RunnerEndpoint> = new Set();
/**
 * After a runner shed a copy, how long the model's copies are dropped unsent: long beside a
 * call (a probe every 20 ms costs a saturated runner next to nothing), short enough that
 * copies flow again soon after its queues empty.
 */
export const SHED_HOLD_MS = 20;
/** Past its deadline, a shadow call the runner has not answered is cancelled after this grace. */
const DEADLINE_GRACE_MS = 1_000;
const inferMethod = inferenceProto.GRPCInferenceService.service.ModelInfer;
const decodeResponse = (bytes: Buffer) => inferMethod.responseDeserialize(bytes) as ModelInferResponse__Output;

export class ShadowMirror implements InferObserver {
  private readonly queue: Copy[] = [];
  /** Bytes of requests and answers the queue holds. */
  private queuedBytes = 0;
  private running = 0;
  private scheduled = false;
  private closed = false;
  private readonly idleWaiters = new Set<() => void>();
  /** Per model, until when (performance.now()) its copies are dropped as `busy`: a runner shed one. */
  private readonly heldUntil = new Map<string, number>();

  constructor(private readonly options: ShadowMirrorOptions) {}

  /** Copies waiting now. */
  get queued(): number {
    return this.queue.length;
  }

  onInfer(event: InferEvent): void {
    const shadows = this.options.routes.shadows;
    if (shadows.size === 0 || event.code !== grpc.status.OK || event.shadow) return;
    const target = shadows.get(event.modelName);
    if (!target || target.version === event.version) return;
    if (target.shareBp < 10_000 && Math.random() * 10_000 >= target.shareBp) return;
    if (this.closed) return this.options.stats.dropped(event.modelName, 'closing');
    if (this.held(event.modelName)) return this.options.stats.dropped(event.modelName, 'busy');
    const bytes = event.request.byteLength + event.responseBytes;
    if (this.queue.length >= this.options.config.maxQueued || this.queuedBytes + bytes > this.options.config.maxQueuedBytes) {
      return this.options.stats.dropped(event.modelName, 'queue_full');
    }
    this.queuedBytes += bytes;
    this.queue.push({ event, version: target.version, bytes });
    if (!this.scheduled) {
      this.scheduled = true;
      // The next turn of the event loop: the caller's answer is on its way first.
      setImmediate(() => this.pump());
    }
  }

  /** Sends no more copies; drops those waiting and waits up to `timeoutMs` for those in flight. */
  async close(timeoutMs = 2_000): Promise<void> {
    this.closed = true;
    for (const copy of this.queue.splice(0)) this.options.stats.dropped(copy.event.modelName, 'closing');
    this.queuedBytes = 0;
    await this.idle(timeoutMs);
  }

  /** Resolves once nothing waits and nothing is in flight, or at the timeout; for tests and close. */
  idle(timeoutMs = 10_000): Promise<boolean> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters.delete(done);
        resolve(false);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.add(done);
    });
  }

  /** Whether a runner shed one of `model`'s copies less than SHED_HOLD_MS ago. */
  private held(model: string): boolean {
    const until = this.heldUntil.get(model);
    if (until === undefined) return false;
    if (performance.now() < until) return true;
    this.heldUntil.delete(model);
    return false;
  }

  private pump(): void {
    this.scheduled = false;
    while (this.running < this.options.config.concurrency && this.queue.length > 0) {
      const copy = this.queue.shift()!;
      this.queuedBytes -= copy.bytes;
      if (this.held(copy.event.modelName)) {
        this.options.stats.dropped(copy.event.modelName, 'busy');
        continue;
      }
      this.running++;
      this.send(copy);
    }
    if (this.running === 0 && this.queue.length === 0) for (const done of this.idleWaiters) done();
  }

  private send(copy: Copy): void {
    const { event, version } = copy;
    const started = performance.now();
    let runner: RunnerEndpoint;
    try {
      runner = this.options.routes.pickRunner(event.modelName, version, NONE);
    } catch (error) {
      this.settle(copy, '', grpc.status.UNAVAILABLE, (error as Error).message, undefined, performance.now() - started);
      return;
    }
    const outgoing: OutgoingHttpHeaders = {
      ':method': 'POST',
      ':path': MODEL_INFER_PATH,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-timeout': `${this.options.config.timeoutMs}m`,
      [SHADOW_CALL_HEADER]: '1',
    };
    let timer: NodeJS.Timeout | undefined;
    runner.outstanding++;
    try {
      const body = framePieces(modelVersionParts(event.request, version));
      const stream = exchange(this.options.sessions.get(runner.address), outgoing, body, this.options.maxMessageBytes + FRAME_HEADER_BYTES, (answer) => {
        clearTimeout(timer);
        runner.outstanding--;
        this.settle(copy, runner.address, answer.code, answer.details, answer.code === grpc.status.OK ? answerMessage(answer) : undefined, performance.now() - started);
      });
      // The runner keeps the deadline it was sent; this is for one that stopped answering.
      timer = setTimeout(() => stream.close(constants.NGHTTP2_CANCEL), this.options.config.timeoutMs + DEADLINE_GRACE_MS);
    } catch (error) {
      runner.outstanding--;
      this.settle(copy, runner.address, grpc.status.UNAVAILABLE, (error as Error).message, undefined, performance.now() - started);
    }
  }

  /** Whether `gateway.shadow.records` keeps this answer's record. */
  private wantsRecord(code: grpc.status, comparison: ResponseComparison | undefined): boolean {
    const { records } = this.options.config;
    if (!this.options.publish || records === 'none') return false;
    return records === 'all' || code !== grpc.status.OK || comparison?.agrees !== true;
  }

  /** Compares, counts and publishes one shadow answer, then lets the next copy go. */
  private settle(copy: Copy, runner: string, code: grpc.status, details: string, response: Buffer | undefined, latencyMs: number): void {
    const { event, version } = copy;
    if (code === grpc.status.RESOURCE_EXHAUSTED && details === SHADOW_SHED_DETAILS) {
      this.heldUntil.set(event.modelName, performance.now() + SHED_HOLD_MS);
      this.options.stats.dropped(event.modelName, 'busy');
      this.running--;
      this.pump();
      return;
    }
    let comparison: ResponseComparison | undefined;
    try {
      const primary = event.response;
      if (code === grpc.status.OK && response && primary) comparison = compareResponses(decodeResponse(primary), decodeResponse(response));
    } catch (error) {
      this.options.logger.warn({ model: event.modelName, version, err: error }, 'a shadow answer could not be compared');
    }
    this.options.stats.record(event.modelName, version, code, latencyMs, comparison);
    if (code !== grpc.status.OK) this.options.logger.debug({ model: event.modelName, version, code: grpc.status[code], details }, 'a shadow call failed');
    if (this.wantsRecord(code, comparison)) {
      this.options.publish!({
        ...event,
        version,
        runner,
        code,
        details,
        latencyMs,
        response,
        responseBytes: response?.byteLength ?? 0,
        shadow: { primaryVersion: event.version, comparison },
      });
    }
    this.running--;
    this.pump();
  }
}
