/**
 * The status snapshot from real counts: calls routed by the real sticky chooser are counted by
 * GatewayStats, and the page must show the share they really got beside the configured one;
 * a canary's errors and latency are set against its rollback policy.
 */
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { NO_CALL_HEADERS } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { chooseVersion, type RolloutRules } from '../registry/choose-version.js';
import { RunnerPool } from '../RunnerPool.js';
import { canaryDistance } from './canary-distance.js';
import { GatewayStats } from './GatewayStats.js';
import type { PolicyView } from './RegistryView.js';
import { statusHtml } from './status-html.js';
import { statusSnapshot } from './status-snapshot.js';

const call = (model: string, version: string, code = status.OK, latencyMs = 1): InferEvent => ({
  modelName: model,
  requestedVersion: '',
  version,
  requestId: '',
  runner: '127.0.0.1:1',
  code,
  details: '',
  latencyMs,
  receivedAt: Date.now(),
  headers: NO_CALL_HEADERS,
  request: Buffer.alloc(0),
  response: undefined,
  responseBytes: 0,
  traceparent: '',
});

const rollout = { model: 'mlp', stable: '1', canary: '2', canaryWeightBps: 1_000 };
const policy: PolicyView = { enabled: true, maxErrorRate: 0.05, maxP99Ratio: 2, minRequests: 100, windowMs: 60_000 };

describe('status snapshot', () => {
  it('shows the share a sticky split really gave each version beside the configured 10 %', () => {
    const stats = new GatewayStats(new RunnerPool([], 1 << 20, 1_000));
    const rules: RolloutRules = { ...rollout, canaryWeightBp: 1_000, rules: [], stickyHeader: 'x-user', isServing: () => true };
    const got = new Map<string, number>([['1', 0], ['2', 0]]);
    // 50 customers, three calls each: every call of a customer goes to that customer's version.
    for (let user = 0; user < 50; user++) {
      for (let i = 0; i < 3; i++) {
        const version = chooseVersion(rules, (name) => (name === 'x-user' ? `customer-${user}` : undefined))!;
        got.set(version, got.get(version)! + 1);
        stats.onInfer(call('mlp', version));
      }
    }
    const snapshot = statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [rollout] });
    const [v1, v2] = snapshot.models.find((m) => m.name === 'mlp')!.versions;
    expect(v1).toMatchObject({ version: '1', configuredShare: 0.9, calls: got.get('1'), observedShare: got.get('1')! / 150 });
    expect(v2).toMatchObject({ version: '2', configuredShare: 0.1, calls: got.get('2'), observedShare: got.get('2')! / 150 });
    // These 50 keys do not split 90/10 (9 of them hash below the weight): the page must say
    // what happened, not what was asked.
    expect(v2!.observedShare).toBeCloseTo(0.18);
    const html = statusHtml(snapshot);
    expect(html).toContain('10.0 % (canary)');
    expect(html).toContain(`${((got.get('2')! / 150) * 100).toFixed(1)} % (${got.get('2')} calls)`);
  });

  it('puts a canary beside its rollback limits, counting only the version’s own errors', () => {
    const stats = new GatewayStats(new RunnerPool([], 1 << 20, 1_000));
    for (let i = 0; i < 300; i++) stats.onInfer(call('mlp', '1', status.OK, 2));
    for (let i = 0; i < 40; i++) stats.onInfer(call('mlp', '2', status.OK, 2));
    // The caller's bad input is not the canary's error; UNAVAILABLE is.
    for (let i = 0; i < 8; i++) stats.onInfer(call('mlp', '2', status.INVALID_ARGUMENT, 2));
    for (let i = 0; i < 2; i++) stats.onInfer(call('mlp', '2', status.UNAVAILABLE, 2));
    const registry = { address: 'r', connected: true, revision: '3', policies: { mlp: policy }, history: [] };
    const early = statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [rollout], registry }).models[0]!.canary!;
    expect(early).toMatchObject({ canary: '2', stable: '1', calls: 50, minRequests: 100, errorRate: 2 / 50, maxErrorRate: 0.05, maxP99Ratio: 2, over: [] });
    expect(early.p99Ratio).toBeCloseTo(1);
    expect(statusHtml(statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [rollout], registry }))).toContain('not judged yet: 50 calls to go');

    // 50 more slow calls, 5 of them failing: judged, and over both limits.
    for (let i = 0; i < 45; i++) stats.onInfer(call('mlp', '2', status.OK, 40));
    for (let i = 0; i < 5; i++) stats.onInfer(call('mlp', '2', status.INTERNAL, 40));
    const late = statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [rollout], registry }).models[0]!.canary!;
    expect(late.calls).toBe(100);
    expect(late.errorRate).toBeCloseTo(7 / 100);
    expect(late.p99Ratio!).toBeGreaterThan(2);
    expect(late.over).toEqual(['error_rate', 'p99_ratio']);
  });

  it('judges latency only when the policy checks it, and says nothing of a ratio without stable calls', () => {
    const window = (calls: number, serverErrors: number, p99Ms: number) => ({ calls, serverErrors, p99Ms });
    expect(canaryDistance({ version: '2', window: window(200, 0, 50) }, { version: '1', window: window(200, 0, 5) }, { ...policy, maxP99Ratio: 0 }).over).toEqual([]);
    expect(canaryDistance({ version: '2', window: window(200, 0, 50) }, { version: '1', window: window(0, 0, 0) }, policy)).toMatchObject({ p99Ratio: undefined, over: [] });
    expect(canaryDistance({ version: '2', window: window(200, 11, 5) }, { version: '1', window: window(10, 0, 5) }, policy).over).toEqual(['error_rate']);
  });

  it('draws the last minute as SVG points and escapes what callers name', () => {
    const stats = new GatewayStats(new RunnerPool([], 1 << 20, 1_000));
    for (let i = 0; i < 5; i++) stats.onInfer(call('<b>m', '1', status.OK, 3));
    const html = statusHtml(statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [] }));
    expect(html).not.toContain('<b>m');
    expect(html).toContain('&lt;b&gt;m');
    const chart = /<svg id="chart"[^]*?<polyline[^>]*points="([^"]+)"/.exec(html)![1]!.split(' ');
    expect(chart).toHaveLength(60);
    // One second (the last, or the one before when the clock just ticked) holds the calls: its point alone is above the rest.
    const ys = chart.map((point) => Number(point.split(',')[1]));
    expect(ys.filter((y) => y < ys[0]!)).toHaveLength(1);
    expect(ys.slice(58).some((y) => y < ys[0]!)).toBe(true);
    expect(html).toContain('100.0 % (5 calls)');
  });

  it('says when the discovery backend cannot be reached, and that the routes are the ones last heard', () => {
    const stats = new GatewayStats(new RunnerPool([], 1 << 20, 1_000));
    const discovery = { backend: 'etcd', reachable: false, sinceMs: Date.now() - 3_000, error: 'watch of infermesh-registry: 14 UNAVAILABLE' };
    const snapshot = statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [], discovery });
    expect(snapshot.discovery).toEqual(discovery);
    const html = statusHtml(snapshot);
    expect(html).toContain('<table id="discovery">');
    expect(html).toContain('no: watch of infermesh-registry: 14 UNAVAILABLE');
    expect(html).toContain('last heard, kept');
    expect(statusHtml(statusSnapshot({ runners: [], traffic: stats.traffic(), rollouts: [] }))).not.toContain('id="discovery"');
  });
});
