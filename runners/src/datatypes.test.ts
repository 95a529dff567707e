import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { datatypeInfo, type Datatype, type TensorData } from '@infermesh/common';
import { modelInfer } from '@infermesh/testkit';
import { startRunnerFixture, type RunnerFixture } from './runner-fixture.test-helper.js';

let fixture: RunnerFixture;
beforeAll(async () => {
  fixture = await startRunnerFixture();
}, 60_000);
afterAll(() => fixture?.close());

/** Edge values of each datatype that onnxruntime-node holds, shape [2,3]. */
const samples: Record<Exclude<Datatype, 'BF16'>, () => TensorData> = {
  BOOL: () => Uint8Array.of(1, 0, 1, 1, 0, 0),
  UINT8: () => Uint8Array.of(0, 1, 127, 128, 254, 255),
  UINT16: () => Uint16Array.of(0, 1, 300, 32768, 65534, 65535),
  UINT32: () => Uint32Array.of(0, 1, 70000, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1),
  UINT64: () => BigUint64Array.of(0n, 1n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n),
  INT8: () => Int8Array.of(-128, -1, 0, 1, 126, 127),
  INT16: () => Int16Array.of(-32768, -1, 0, 1, 32766, 32767),
  INT32: () => Int32Array.of(-(2 ** 31), -1, 0, 1, 2 ** 31 - 2, 2 ** 31 - 1),
  INT64: () => BigInt64Array.of(-(2n ** 63n), -(2n ** 53n) - 1n, 0n, 1n, 2n ** 53n + 1n, 2n ** 63n - 1n),
  FP16: () => Uint16Array.of(0x3c00, 0xbc00, 0x0000, 0x7bff, 0x0001, 0x7c00),
  FP32: () => Float32Array.of(-1.5, 0, 3.25, 1e-30, -3.4e38, Infinity),
  FP64: () => Float64Array.of(-1e300, 0, Math.PI, 5e-324, Number.MAX_VALUE, -Infinity),
  BYTES: () => ['', 'a', 'héllo', '日本', 'x'.repeat(1000), 'tab\tnewline\n'],
};

const values = (data: TensorData) => Array.from(data as ArrayLike<unknown>);

describe('every datatype onnxruntime-node supports, through a real Identity model', () => {
  const cases = Object.keys(samples) as (keyof typeof samples)[];

  it.each(cases)('%s round-trips as raw bytes', async (datatype) => {
    const data = samples[datatype]();
    const result = await fixture.client.infer(`identity_${datatype.toLowerCase()}`, {
      INPUT: { datatype, shape: [2, 3], data },
    });
    expect(result.outputs.OUTPUT!.datatype).toBe(datatype);
    expect(result.outputs.OUTPUT!.shape).toEqual([2, 3]);
    expect(values(result.outputs.OUTPUT!.data)).toEqual(values(data));
  });

  it.each(cases.filter((d) => datatypeInfo(d).contentsField !== null))(
    '%s round-trips as typed contents',
    async (datatype) => {
      const data = samples[datatype]();
      const result = await fixture.client.infer(
        `identity_${datatype.toLowerCase()}`,
        { INPUT: { datatype, shape: [2, 3], data } },
        { typedContents: true },
      );
      expect(values(result.outputs.OUTPUT!.data)).toEqual(values(data));
    },
  );

  it('FP16 sent as typed contents is refused: the protocol carries it raw only', async () => {
    const outcome = await modelInfer(fixture.client, {
      model_name: 'identity_fp16',
      inputs: [{ name: 'INPUT', datatype: 'FP16', shape: [1, 1], contents: { fp32_contents: [1] } }],
    });
    expect(outcome).toEqual({
      ok: false,
      code: status.INVALID_ARGUMENT,
      details: "input 'INPUT': FP16 data can only be sent in raw_input_contents",
    });
  });

  it('typed values outside a narrow integer type are refused, not wrapped', async () => {
    const outcome = await modelInfer(fixture.client, {
      model_name: 'identity_uint8',
      inputs: [{ name: 'INPUT', datatype: 'UINT8', shape: [1, 2], contents: { uint_contents: [1, 256] } }],
    });
    expect(outcome).toEqual({
      ok: false,
      code: status.INVALID_ARGUMENT,
      details: "input 'INPUT': element 1 is 256, outside the UINT8 range 0..255",
    });
  });

  it('a BF16 model fails to load with a reason that says why, and the rest keep serving', async () => {
    const outcome = await modelInfer(fixture.client, { model_name: 'identity_bf16', inputs: [] });
    expect(outcome).toEqual({
      ok: false,
      code: status.UNAVAILABLE,
      details:
        "model 'identity_bf16' has no ready version (1: failed (the model has BF16 (bfloat16) inputs or outputs, which onnxruntime-node cannot hold))",
    });
    expect(await fixture.client.modelReady('identity_fp32')).toBe(true);
  });

  it('a zero-size batch is valid and returns an empty tensor', async () => {
    const result = await fixture.client.infer('identity_fp32', {
      INPUT: { datatype: 'FP32', shape: [0, 3], data: new Float32Array(0) },
    });
    expect(result.outputs.OUTPUT!.shape).toEqual([0, 3]);
    expect(result.outputs.OUTPUT!.data.length).toBe(0);
  });
});
