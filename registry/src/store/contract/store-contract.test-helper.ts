/**
 * The one contract every registry store keeps, as tests run against each backend (file,
 * etcd, Consul): saves are compare-and-set (a stale save is refused, no acknowledged write is
 * lost), and where several replicas share a store, each follows the others' saves once and in
 * order (also across a cut connection), one replica at a time leads placement and hands over,
 * and the replicas' runners are shared.
 */
import { silentLogger } from '@infermesh/common';
import { pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Leadership } from '../../leadership/Leadership.js';
import { Registry } from '../../Registry.js';
import { StoreConflictError, type RegistryStore, type StoredState } from '../RegistryStore.js';
import { runnerEntry, stateOf as sizedState, tagOf } from '../state-fixtures.test-helper.js';

/** One state the stores of a space share, as replicas of one mesh would. */
export interface StoreSpace {
  /** A store on this space's state; `cuttable`: one {@link cut} cuts off. */
  store(options?: { cuttable?: boolean }): RegistryStore;
  /**
   * Cuts the cuttable stores' connections to the backend, runs `during` (other stores still
   * reach it), then lets them reconnect; undefined where the backend cannot be cut here.
   */
  cut?(during: () => Promise<void>): Promise<void>;
}

/** A backend under test. */
export interface StoreBackendUnderTest {
  /** A fresh, empty state. */
  space(): StoreSpace;
  close(): Promise<void>;
}

/** A small state that says `tag`. */
const stateOf = (tag: string) => sizedState(1, tag);

/** Most candidates leading at once, replayed from their changes in order. */
function mostAtOnce(changes: { who: number; leader: boolean }[]): number {
  const leading = new Set<number>();
  let most = 0;
  for (const { who, leader } of changes) {
    if (leader) leading.add(who);
    else leading.delete(who);
    most = Math.max(most, leading.size);
  }
  return most;
}

/**
 * Registers the contract's tests for the backend `start` starts (in beforeAll). `replicas`:
 * how many registries may share one state (the file store has one, so the tests of several
 * are not its); `skip`: the backend is not here (the gate said why).
 */
export function describeStoreContract(name: string, start: () => Promise<StoreBackendUnderTest>, options: { replicas: 'one' | 'many'; skip?: boolean }): void {
  describe.skipIf(options.skip ?? false)(`the store contract: ${name}`, () => {
    let backend: StoreBackendUnderTest;
    const opened: RegistryStore[] = [];
    const closing: (() => Promise<void>)[] = [];
    const storeIn = (space: StoreSpace, cuttable = false) => {
      const store = space.store({ cuttable });
      opened.push(store);
      return store;
    };

    beforeAll(async () => {
      backend = await start();
    }, 120_000);
    afterAll(async () => {
      for (const close of closing) await close();
      await Promise.all(opened.map((store) => store.close()));
      await backend?.close();
    });

    it('reads back what it saved, and refuses a save from a revision that is no longer the stored one', async () => {
      const space = backend.space();
      const store = storeIn(space);
      expect(await store.load()).toBeUndefined();
      const first = await store.save(stateOf('a'), 0);
      expect(first).toBeGreaterThan(0);
      expect(await store.load()).toEqual({ state: stateOf('a'), revision: first });
      const second = await store.save(stateOf('b'), first);
      expect(second).toBeGreaterThan(first);
      // Both a create over an existing state and an update from an older revision are conflicts.
      await expect(store.save(stateOf('c'), 0)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(store.save(stateOf('c'), first)).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.load()).toEqual({ state: stateOf('b'), revision: second });
    });

    it(`keeps every acknowledged write of 100 made concurrently through ${options.replicas === 'one' ? 'its one registry' : 'two registry replicas'}`, async () => {
      const space = backend.space();
      const registries = await Promise.all(
        Array.from({ length: options.replicas === 'one' ? 1 : 2 }, () => Registry.open(storeIn(space), silentLogger())),
      );
      registries.forEach((registry) => registry.follow());
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          registries[i % registries.length]!.mutate((draft) => {
            draft.runners[`w${i}`] = runnerEntry(`w${i}`);
          }),
        ),
      );
      registries.forEach((registry) => registry.close());
      const stored = (await storeIn(space).load())!.state;
      const lost = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' && !stored.runners[`w${i}`] ? [i] : []));
      const phantom = outcomes.flatMap((outcome, i) => (outcome.status === 'rejected' && stored.runners[`w${i}`] ? [i] : []));
      expect(lost, 'acknowledged writes missing from the stored state').toEqual([]);
      expect(phantom, 'refused writes found in the stored state').toEqual([]);
      expect(outcomes.filter((outcome) => outcome.status === 'rejected').length).toBeLessThan(5);
    });

    if (options.replicas === 'one') return;

    it("hands another replica's saves to a follower once each, in order", async () => {
      const space = backend.space();
      const writer = storeIn(space);
      const follower = storeIn(space);
      await follower.load();
      const seen: StoredState[] = [];
      const stop = follower.watch!((stored) => seen.push(stored));
      closing.push(async () => stop());
      let revision = 0;
      const tags = Array.from({ length: 8 }, (_, i) => `f${i}`);
      for (const tag of tags) {
        revision = await writer.save(stateOf(tag), revision);
        const saved = revision;
        await pollUntil(() => seen.at(-1)?.revision === saved, { timeoutMs: 20_000, what: `the follower to see ${tag}` });
      }
      expect(seen.map(tagOf)).toEqual(tags);
    });

    it('follows on across a cut connection: ends on the newest save, nothing twice, nothing out of order', async (context) => {
      const space = backend.space();
      if (!space.cut) return context.skip('this backend cannot be cut off here (a real Consul agent)');
      const writer = storeIn(space);
      const follower = storeIn(space, true);
      let revision = await writer.save(stateOf('before'), 0);
      await follower.load();
      const seen: StoredState[] = [];
      const stop = follower.watch!((stored) => seen.push(stored));
      closing.push(async () => stop());
      revision = await writer.save(stateOf('x0'), revision);
      await pollUntil(() => seen.length === 1, { timeoutMs: 20_000, what: 'the follower to see x0' });
      await space.cut(async () => {
        for (const tag of ['x1', 'x2', 'x3']) revision = await writer.save(stateOf(tag), revision);
      });
      const last = revision;
      await pollUntil(() => seen.at(-1)?.revision === last, { timeoutMs: 30_000, what: 'the follower to catch up after the cut' });
      const revisions = seen.map((stored) => stored.revision);
      expect(revisions).toEqual([...new Set(revisions)].sort((x, y) => x - y));
      expect(seen[0] && tagOf(seen[0])).toBe('x0');
      expect(seen.at(-1)?.state).toEqual(stateOf('x3'));
    }, 60_000);

    it('lets one replica lead placement at a time, and hands the lead over when it closes', async () => {
      const space = backend.space();
      const changes: { who: number; leader: boolean }[] = [];
      const candidates: Leadership[] = [0, 1].map((who) => {
        const leadership = storeIn(space).leadership!(`replica-${who}:1`, silentLogger());
        leadership.onChange((leader) => changes.push({ who, leader }));
        closing.push(() => leadership.close());
        return leadership;
      });
      candidates.forEach((candidate) => candidate.start());
      await pollUntil(() => candidates.some((candidate) => candidate.isLeader), { timeoutMs: 20_000, what: 'one candidate to lead' });
      // A few renewals pass: still exactly one.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(candidates.filter((candidate) => candidate.isLeader)).toHaveLength(1);
      const leader = candidates.findIndex((candidate) => candidate.isLeader);
      await candidates[leader]!.close();
      await pollUntil(() => candidates[1 - leader]!.isLeader, { timeoutMs: 20_000, what: 'the other candidate to lead once the leader closed' });
      expect(mostAtOnce(changes)).toBe(1);
    }, 60_000);

    it("shares each replica's runners with the others, until it stops", async () => {
      const space = backend.space();
      const heard: Set<string>[] = [];
      const [a, b] = [0, 1].map((who) => storeIn(space).presence!(`replica-${who}:1`, silentLogger()));
      closing.push(() => b!.close());
      a!.start(() => undefined);
      b!.start((runners) => heard.push(runners));
      a!.publish(['cpu-1', 'cpu-2']);
      await pollUntil(() => [...(heard.at(-1) ?? [])].sort().join() === 'cpu-1,cpu-2', { timeoutMs: 20_000, what: "B to hear A's runners" });
      a!.publish(['cpu-2']);
      await pollUntil(() => [...(heard.at(-1) ?? [])].join() === 'cpu-2', { timeoutMs: 20_000, what: "B to hear A's runners change" });
      await a!.close();
      await pollUntil(() => heard.at(-1)?.size === 0, { timeoutMs: 20_000, what: "B to hear A's runners go with A" });
    }, 60_000);
  });
}
