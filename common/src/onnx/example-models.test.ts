import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, identityModel, writeExampleModels, writeModel } from './index.js';

let repo: string;
const modelFile = (name: string, version = 1) => path.join(repo, name, String(version), 'model.onnx');
const open = (file: string) => ort.InferenceSession.create(file);

beforeAll(async () => {
  repo = await mkdtemp(path.join(os.tmpdir(), 'infermesh-models-'));
});
afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('example models', () => {
  beforeAll(async () => {
    expect(await writeExampleModels(repo)).toHaveLength(5);
  });

  it('simple adds and subtracts INT32 [batch,16]', async () => {
    const s = await open(modelFile('simple'));
    const a = Int32Array.from({ length: 32 }, (_, i) => i);
    const b = Int32Array.from({ length: 32 }, (_, i) => 100 - 3 * i);
    const out = await s.run({ INPUT0: new ort.Tensor('int32', a, [2, 16]), INPUT1: new ort.Tensor('int32', b, [2, 16]) });
    expect(out['OUTPUT0']?.dims).toEqual([2, 16]);
    expect(Array.from(out['OUTPUT0']?.data as Int32Array)).toEqual(Array.from(a, (v, i) => v + b[i]!));
    expect(Array.from(out['OUTPUT1']?.data as Int32Array)).toEqual(Array.from(a, (v, i) => v - b[i]!));
  });

  it('mlp v1 and v2 give finite [batch,10] outputs that differ', async () => {
    const x = Float32Array.from({ length: 3 * 64 }, (_, i) => Math.sin(i));
    const run = async (v: number) => {
      const out = await (await open(modelFile('mlp', v))).run({ input: new ort.Tensor('float32', x, [3, 64]) });
      expect(out['output']?.dims).toEqual([3, 10]);
      return Array.from(out['output']?.data as Float32Array);
    };
    const [v1, v2] = [await run(1), await run(2)];
    expect([...v1, ...v2].every(Number.isFinite)).toBe(true);
    expect(v1).not.toEqual(v2);
  });

  it('heavy gives a finite, non-trivial [batch,512] output', async () => {
    const x = Float32Array.from({ length: 4 * 512 }, (_, i) => Math.cos(i));
    const out = await (await open(modelFile('heavy'))).run({ input: new ort.Tensor('float32', x, [4, 512]) });
    const y = out['output']?.data as Float32Array;
    expect(out['output']?.dims).toEqual([4, 512]);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(y.some((v) => v > 0)).toBe(true);
  });

  it('strings round-trips STRING [batch,n]', async () => {
    const input = ['a', 'héllo', ''];
    const out = await (await open(modelFile('strings'))).run({ INPUT: new ort.Tensor('string', input, [1, 3]) });
    expect(out['OUTPUT']?.dims).toEqual([1, 3]);
    expect(out['OUTPUT']?.data).toEqual(input);
  });
});

describe('identityModel', () => {
  // [ONNX elem type, onnxruntime tensor type, 2×3 sample data]
  const cases: [DataType, ort.Tensor.Type, ort.Tensor.DataType][] = [
    [DataType.BOOL, 'bool', Uint8Array.of(1, 0, 1, 0, 0, 1)],
    [DataType.UINT8, 'uint8', Uint8Array.of(0, 1, 2, 127, 128, 255)],
    [DataType.INT8, 'int8', Int8Array.of(-128, -1, 0, 1, 2, 127)],
    [DataType.UINT16, 'uint16', Uint16Array.of(0, 1, 2, 3, 40000, 65535)],
    [DataType.INT16, 'int16', Int16Array.of(-32768, -1, 0, 1, 2, 32767)],
    [DataType.INT32, 'int32', Int32Array.of(-(2 ** 31), -1, 0, 1, 2, 2 ** 31 - 1)],
    [DataType.INT64, 'int64', BigInt64Array.of(-(2n ** 63n), -1n, 0n, 1n, 2n ** 40n, 2n ** 63n - 1n)],
    [DataType.UINT32, 'uint32', Uint32Array.of(0, 1, 2, 3, 2 ** 31, 2 ** 32 - 1)],
    [DataType.UINT64, 'uint64', BigUint64Array.of(0n, 1n, 2n, 3n, 2n ** 63n, 2n ** 64n - 1n)],
    // float16 bit patterns: 1.0, -2.0, 0, 65504 (max), 0.5, -0
    [DataType.FLOAT16, 'float16', Uint16Array.of(0x3c00, 0xc000, 0x0000, 0x7bff, 0x3800, 0x8000)],
    [DataType.FLOAT, 'float32', Float32Array.of(-1.5, 0, 1, 3.25, 1e30, -1e-30)],
    [DataType.DOUBLE, 'float64', Float64Array.of(-1.5, 0, 1, Math.PI, 1e300, -1e-300)],
    [DataType.STRING, 'string', ['a', '', 'héllo', 'b c', '日本', 'z']],
  ];

  it.each(cases)('elem type %i (%s) round-trips through Identity', async (elemType, type, data) => {
    const file = await writeModel(repo, `identity_${type}`, 1, identityModel(elemType));
    const s = await open(file);
    for (const meta of [...s.inputMetadata, ...s.outputMetadata]) {
      expect(meta.isTensor && meta.type).toBe(type);
    }
    const input = new ort.Tensor(type, data, [2, 3]);
    // Where the engine has Float16Array (Node 24), onnxruntime-common wraps FP16 bit patterns in
    // one, which the native binding cannot read: keep the Uint16Array, as runners/src/ort-tensor.ts does.
    if (type === 'float16') (input as unknown as { cpuData: unknown }).cpuData = data;
    const out = await s.run({ INPUT: input });
    expect(out['OUTPUT']?.type).toBe(type);
    expect(out['OUTPUT']?.dims).toEqual([2, 3]);
    const output = out['OUTPUT']!.data as ArrayLike<unknown> & Partial<ArrayBufferView>;
    // FP16 comes back as Uint16Array or (Node 24) Float16Array: the same bytes either way.
    const values = type === 'float16' ? Array.from(new Uint16Array(output.buffer!, output.byteOffset, 6)) : Array.from(output);
    expect(values).toEqual(Array.from(data as ArrayLike<unknown>));
  });

  it('builds BFLOAT16 (not run: onnxruntime-node may not support it)', () => {
    expect(identityModel(DataType.BFLOAT16).byteLength).toBeGreaterThan(0);
  });
});

describe('writeExampleModels', () => {
  it('skips existing files unless force is set', async () => {
    const dir = path.join(repo, 'rewrite');
    expect(await writeExampleModels(dir)).toHaveLength(5);
    const file = path.join(dir, 'simple', '1', 'model.onnx');
    const before = (await stat(file)).mtimeMs;
    expect(await writeExampleModels(dir)).toEqual([]);
    expect((await stat(file)).mtimeMs).toBe(before);

    await writeModel(dir, 'simple', 1, Uint8Array.of(1, 2, 3));
    const forced = await writeExampleModels(dir, { force: true });
    expect(forced.map((p) => path.relative(dir, p))).toEqual(
      ['simple/1', 'mlp/1', 'mlp/2', 'heavy/1', 'strings/1'].map((p) => path.join(p, 'model.onnx')),
    );
    expect((await readFile(file)).byteLength).toBeGreaterThan(3);
  });
});
