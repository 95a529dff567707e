import { describe, expect, it } from 'vitest';
import { FREE, REPLY, REPLY_PREFIX_BYTES, REQUEST, RunSlots, SLOT_COUNT, allocateSlots } from './RunSlots.js';
import type { WireTensor } from './session-protocol.js';

describe('RunSlots', () => {
  it('carries numeric tensors of every width through a slot, as arrays of their own', () => {
    const slots = new RunSlots(allocateSlots());
    const tensors: WireTensor[] = [
      { type: 'bool', dims: [3], data: Uint8Array.of(1, 0, 1) },
      { type: 'int32', dims: [1, 2], data: Int32Array.of(-7, 2 ** 31 - 1) },
      { type: 'int64', dims: [2], data: BigInt64Array.of(-(2n ** 62n), 5n) },
      { type: 'float16', dims: [1], data: Uint16Array.of(0x3c00) },
      { type: 'float64', dims: [0, 4], data: new Float64Array(0) },
      { type: 'float32', dims: [2, 1], data: Float32Array.of(1.5, -0.25) },
    ];
    const region = slots.region(3, false);
    expect(slots.writeTensors(region, 0, [42, 1, 0], tensors.map((tensor, index) => ({ index: index * 2, tensor })))).toBe(true);
    expect([0, 1, 2].map((word) => slots.headerWord(region, 0, word))).toEqual([42, 1, 0]);
    const read = slots.readTensors(region, 0, 3);
    expect(read.map(({ index }) => index)).toEqual([0, 2, 4, 6, 8, 10]);
    read.forEach(({ tensor }, i) => {
      expect(tensor).toEqual(tensors[i]);
      expect((tensor.data as Uint8Array).buffer).toBeInstanceOf(ArrayBuffer);
    });
  });

  it('reads a view of a larger buffer as the view alone', () => {
    const slots = new RunSlots(allocateSlots());
    const backing = Int32Array.of(9, 9, 1, 2, 3, 9);
    const region = slots.region(0, true);
    expect(slots.writeTensors(region, REPLY_PREFIX_BYTES, [7], [{ index: 0, tensor: { type: 'int32', dims: [3], data: backing.subarray(2, 5) } }])).toBe(true);
    slots.writeTimings(0, 1, 2, 3);
    expect(slots.readTensors(region, REPLY_PREFIX_BYTES, 1)[0]!.tensor.data).toEqual(Int32Array.of(1, 2, 3));
    expect([slots.timing(0, 0), slots.timing(0, 1), slots.timing(0, 2)]).toEqual([1, 2, 3]);
  });

  it('refuses what does not fit: strings, data over the slot size, a header too long', () => {
    const slots = new RunSlots(allocateSlots());
    const region = slots.region(0, false);
    expect(slots.writeTensors(region, 0, [1], [{ index: 0, tensor: { type: 'string', dims: [1], data: ['a'] } }])).toBe(false);
    expect(slots.writeTensors(region, 0, [1], [{ index: 0, tensor: { type: 'float32', dims: [8192], data: new Float32Array(8192) } }])).toBe(false);
    const manyDims = { type: 'float32' as const, dims: new Array<number>(300).fill(1), data: new Float32Array(1) };
    expect(slots.writeTensors(region, 0, [1], [{ index: 0, tensor: manyDims }])).toBe(false);
  });

  it('hands slots over through their state words and counters', async () => {
    const slots = new RunSlots(allocateSlots());
    expect(Array.from({ length: SLOT_COUNT }, (_, slot) => slots.state(slot))).toEqual(new Array(SLOT_COUNT).fill(FREE));
    const seen = slots.requestsWritten();
    const woken = slots.waitFor('requests', seen);
    slots.publishRequest(5);
    expect(slots.state(5)).toBe(REQUEST);
    await woken;
    expect(slots.waitFor('requests', seen)).toBeUndefined();
    const replies = slots.repliesWritten();
    slots.publishReply(5);
    expect(slots.state(5)).toBe(REPLY);
    expect(slots.repliesWritten()).toBe(replies + 1);
  });
});
