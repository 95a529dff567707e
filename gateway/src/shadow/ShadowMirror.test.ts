import * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { SessionPool, shadowSchema, silentLogger, type ShadowConfig } from '@infermesh/common';
import { inferenceProto } from '@infermesh/proto';
import { describe, expect, it } from 'vitest';
import { metadataCallHeaders } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { RegistryRouter } from '../registry/RegistryRouter.js';
import { RunnerPool } from '../RunnerPool.js';
import { ShadowMirror } from './ShadowMirror.js';
import { ShadowStats } from './ShadowStats.js';

const method = inferenceProto.GRPCInferenceService.service.ModelInfer;

/** A router that has `mlp` v1 stable with v2 as its shadow, which no runner has ready yet. */
function shadowedRouter(shadowShareBp = 10_000): RegistryRouter {
  const router = new RegistryRouter(new RunnerPool([], 1 << 20, 60_000), '127.0.0.1:1');
  router.apply({
    revision: '1',
    full: true,
    removed: [],
    stats_report_ms: 0,
    models: [
      {
        model: 'mlp',
        stable_version: 1,
        canary_version: 0,
        canary_weight_bp: 0,
        rules: [],
        sticky_header: '',
        versions: [{ version: 1, runners: ['127.0.0.1:1'] }],
        known_versions: [1, 2],
        shadow_version: 2,
        shadow_share_bp: shadowShareBp,
      },
    ],
  });
  return router;
}

const answered = (i: number, modelName = 'mlp'): InferEvent => ({
  modelName,
  requestedVersion: '',
  version: '1',
  requestId: `r-${i}`,
  runner: '127.0.0.1:1',
  code: grpc.status.OK,
  details: '',
  latencyMs: 1,
  receivedAt: 1_000 + i,
  headers: metadataCallHeaders(new grpc.Metadata()),
  request: method.requestSerialize({ model_name: modelName, id: `r-${i}` }),
  response: method.responseSerialize({ model_name: modelName, model_version: '1', id: `r-${i}` }),
  responseBytes: 0,
  traceparent: '',
});

function mirrorOf(router: RegistryRouter, config: Partial<ShadowConfig>) {
  const stats = new ShadowStats(new Registry(), () => 0);
  const published: InferEvent[] = [];
  const sessions = new SessionPool(silentLogger(), undefined, true);
  const mirror = new ShadowMirror({
    routes: router,
    stats,
    config: { ...shadowSchema.parse({}), ...config },
    logger: silentLogger(),
    sessions,
    maxMessageBytes: 1 << 20,
    publish: (event) => published.push(event),
  });
  return { mirror, stats, published, close: () => sessions.close() };
}

describe('ShadowMirror', () => {
  it('drops and counts the copies a full queue cannot take, at once, and sends the rest later', async () => {
    const { mirror, stats, published, close } = mirrorOf(shadowedRouter(), { maxQueued: 2, concurrency: 1 });
    const started = performance.now();
    for (let i = 0; i < 5; i++) mirror.onInfer(answered(i));
    // Nothing was sent in the caller's turn: two wait, three were dropped. The bound is loose
    // (a loaded CI machine can pause a process for tens of milliseconds); sending or encoding a
    // copy in the caller's turn would show in the queue count below, not only in the time.
    expect(performance.now() - started).toBeLessThan(500);
    expect(mirror.queued).toBe(2);
    expect(stats.droppedCount('mlp')).toBe(3);
    expect(await mirror.idle(5_000)).toBe(true);
    // v2 is on no runner: each copy fails UNAVAILABLE, counted, and its record says so.
    expect(stats.summaries()).toMatchObject([{ model: 'mlp', version: '2', calls: 2, errors: 2, errorRate: 1 }]);
    expect(published.map((e) => [e.requestId, e.version, e.code, e.receivedAt, e.shadow?.primaryVersion, e.shadow?.comparison])).toEqual([
      ['r-0', '2', grpc.status.UNAVAILABLE, 1_000, '1', undefined],
      ['r-1', '2', grpc.status.UNAVAILABLE, 1_001, '1', undefined],
    ]);
    close();
  });

  it('drops a copy that would take the queue over its bytes', () => {
    const { mirror, stats, close } = mirrorOf(shadowedRouter(), { maxQueuedBytes: 1024 });
    const big = answered(0);
    mirror.onInfer({ ...big, request: Buffer.alloc(1_000) });
    mirror.onInfer({ ...answered(1), request: Buffer.alloc(100) });
    expect(mirror.queued).toBe(1);
    expect(stats.droppedCount('mlp')).toBe(1);
    close();
  });

  it('copies nothing of failed calls, other models, calls the shadow answered, or a share of 0; records none with records: none', async () => {
    const { mirror, stats, published, close } = mirrorOf(shadowedRouter(), { records: 'none' });
    mirror.onInfer({ ...answered(0), code: grpc.status.INTERNAL });
    mirror.onInfer(answered(1, 'simple'));
    mirror.onInfer({ ...answered(2), version: '2' });
    expect(mirror.queued).toBe(0);
    mirror.onInfer(answered(3));
    expect(await mirror.idle(5_000)).toBe(true);
    expect(stats.summaries()).toMatchObject([{ calls: 1 }]);
    expect(published).toEqual([]);
    const off = mirrorOf(shadowedRouter(0), {});
    off.mirror.onInfer(answered(4));
    expect(off.mirror.queued).toBe(0);
    close();
    off.close();
  });
});
