/**
 * Triton's quick-start model repository (../shared/triton-model-repository: real models
 * nobody here wrote, with Triton's config.pbtxt) served as it is, through a gateway.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceClient } from '@infermesh/client';
import { serviceAvailable } from '@infermesh/testkit';
import { startMesh, type TestMesh } from '../harness/index.js';

const repository = fileURLToPath(new URL('../../../../shared/triton-model-repository', import.meta.url));
const available = serviceAvailable(
  "Triton's quick-start model repository",
  existsSync(repository),
  `expected at ${repository} (the shared folder beside the checkout)`,
);

describe.skipIf(!available)("Triton's model repository, unchanged", () => {
  let mesh: TestMesh;
  let client: InferenceClient;
  beforeAll(async () => {
    mesh = await startMesh({ modelRepository: repository });
    client = new InferenceClient(mesh.gateway);
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await mesh?.stop();
  });

  const a = Array.from({ length: 16 }, (_, i) => i - 5);
  const b = Array.from({ length: 16 }, (_, i) => 3 * i);

  it('simple: INT32 sum and difference', async () => {
    const result = await client.infer('simple', {
      INPUT0: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from(a) },
      INPUT1: { datatype: 'INT32', shape: [1, 16], data: Int32Array.from(b) },
    });
    expect([...(result.outputs.OUTPUT0!.data as Int32Array)]).toEqual(a.map((v, i) => v + b[i]!));
    expect([...(result.outputs.OUTPUT1!.data as Int32Array)]).toEqual(a.map((v, i) => v - b[i]!));
  });

  it('simple_int8: INT8 sum and difference', async () => {
    const result = await client.infer('simple_int8', {
      INPUT0: { datatype: 'INT8', shape: [1, 16], data: Int8Array.from(a) },
      INPUT1: { datatype: 'INT8', shape: [1, 16], data: Int8Array.from(b) },
    });
    expect([...(result.outputs.OUTPUT0!.data as Int8Array)]).toEqual(a.map((v, i) => v + b[i]!));
    expect([...(result.outputs.OUTPUT1!.data as Int8Array)]).toEqual(a.map((v, i) => v - b[i]!));
  });

  it('simple_string: BYTES numbers in, BYTES sums and differences out', async () => {
    const result = await client.infer('simple_string', {
      INPUT0: { datatype: 'BYTES', shape: [1, 16], data: a.map(String) },
      INPUT1: { datatype: 'BYTES', shape: [1, 16], data: b.map(String) },
    });
    expect(result.outputs.OUTPUT0!.data).toEqual(a.map((v, i) => String(v + b[i]!)));
    expect(result.outputs.OUTPUT1!.data).toEqual(a.map((v, i) => String(v - b[i]!)));
  });

  it('reports the signature from the ONNX files', async () => {
    expect(await client.modelMetadata('simple_string')).toMatchObject({
      inputs: [
        { name: 'INPUT0', datatype: 'BYTES', shape: ['-1', '16'] },
        { name: 'INPUT1', datatype: 'BYTES', shape: ['-1', '16'] },
      ],
    });
  });
});
