/**
 * Shadow copies take only spare capacity: a runner sheds a copy (SHADOW_CALL_HEADER) while
 * another version has no room for a call (calls waiting, or every instance taken), and takes
 * it otherwise, on either server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { SHADOW_CALL_HEADER, SHADOW_SHED_DETAILS } from '@infermesh/common';
import { waitFor, quickInput, slowInput, slowModel } from '@infermesh/testkit';
import { startRunnerWith, type RunnerFixture } from './runner-fixture.test-helper.js';

const SHADOW = { metadata: { [SHADOW_CALL_HEADER]: '1' } };

describe.each(['http2', 'grpc-js'] as const)('shadow copies on the %s server', (server) => {
  let fixture: RunnerFixture;
  beforeAll(async () => {
    // `slow` v1 is what callers use; `slow` v2 and `candidate` v1 are what copies go to.
    const bytes = slowModel();
    fixture = await startRunnerWith([{ name: 'slow', bytes }, { name: 'slow', version: 2, bytes }, { name: 'candidate', bytes }], 'cpu', { server });
  }, 120_000);
  afterAll(() => fixture?.close());

  const slow = () => fixture.runner.store.resolve('slow', '1');
  const settled = (promise: Promise<unknown>) => promise.then(() => ({ code: status.OK, details: '' }), (error: { code: number; details: string }) => ({ code: error.code, details: error.details }));

  it('runs a copy while every other version has room, and sheds it while one has calls waiting', async () => {
    expect(await settled(fixture.client.infer('slow', quickInput(), { ...SHADOW, version: '2' }))).toEqual({ code: status.OK, details: '' });
    // Fill v1's instance (two runs) and queue two more behind them.
    const primary = Array.from({ length: 4 }, () => fixture.client.infer('slow', slowInput(2048), { version: '1' }));
    await waitFor(async () => slow().queueDepth === 2, 30_000, 'two v1 calls to wait');
    // Another version of the same model, and another model: both shed at once, without running.
    for (const [model, version] of [['slow', '2'], ['candidate', '1']] as const) {
      const started = performance.now();
      expect(await settled(fixture.client.infer(model, quickInput(), { ...SHADOW, version }))).toEqual({ code: status.RESOURCE_EXHAUSTED, details: SHADOW_SHED_DETAILS });
      expect(performance.now() - started, `${model} v${version} shed without waiting for v1`).toBeLessThan(1_000);
    }
    // The same calls without the header are ordinary calls and run.
    expect(await settled(fixture.client.infer('candidate', quickInput()))).toEqual({ code: status.OK, details: '' });
    // A copy for the version whose own calls wait is not shed: only other versions' calls count.
    const own = settled(fixture.client.infer('slow', quickInput(), { ...SHADOW, version: '1' }));
    await Promise.all(primary);
    expect(await own).toEqual({ code: status.OK, details: '' });
    expect(slow().queueDepth).toBe(0);
    expect(await settled(fixture.client.infer('candidate', quickInput(), SHADOW))).toEqual({ code: status.OK, details: '' });
  }, 120_000);
});
