/**
 * End to end: a stock Python gRPC client (stubs compiled by protoc + grpc_python_plugin
 * from the project's proto, nothing infermesh-specific) against a real gateway.
 * Needs Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePythonStubs, exampleRepository, pythonToolchainAvailable, type PythonStubs } from '@infermesh/testkit';
import { startMesh, type TestMesh } from '../harness/index.js';

const available = pythonToolchainAvailable();

/** What simple_client.py prints. */
interface TensorMetadata {
  name: string;
  datatype: string;
  shape: number[];
}
interface InferResult {
  id: string;
  model_name: string;
  form: 'raw' | 'typed';
  shapes: Record<string, number[]>;
  datatypes: Record<string, string>;
  outputs: Record<string, number[]>;
}
interface ClientReport {
  inputs: { INPUT0: number[]; INPUT1: number[] };
  live: boolean;
  ready: boolean;
  model_ready: boolean;
  metadata: { name: string; versions: string[]; platform: string; inputs: TensorMetadata[]; outputs: TensorMetadata[] };
  raw: InferResult;
  typed: InferResult;
  bad_request: { code: string; details: string };
}

// The inputs simple_client.py sends; computed here independently of the script.
const INPUT0 = Array.from({ length: 16 }, (_, i) => i * 65537);
const INPUT1 = Array.from({ length: 16 }, (_, i) => 100 - 7 * i);
const SUM = INPUT0.map((a, i) => a + INPUT1[i]!);
const DIFFERENCE = INPUT0.map((a, i) => a - INPUT1[i]!);

describe.skipIf(!available)('stock Python gRPC client against the gateway', () => {
  let models: Awaited<ReturnType<typeof exampleRepository>> | undefined;
  let mesh: TestMesh | undefined;
  let stubs: PythonStubs | undefined;
  let report: ClientReport;

  beforeAll(async () => {
    stubs = await compilePythonStubs();
    models = await exampleRepository();
    mesh = await startMesh({ modelRepository: models.dir });
    report = await stubs.run<ClientReport>('simple_client.py', [mesh.gateway, stubs.dir], 60_000);
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await models?.remove();
    await stubs?.remove();
  }, 120_000);

  it('sees the server live and ready and the model ready', () => {
    expect(report.live).toBe(true);
    expect(report.ready).toBe(true);
    expect(report.model_ready).toBe(true);
  });

  it('reads the model metadata', () => {
    expect(report.metadata.name).toBe('simple');
    expect(report.metadata.inputs).toEqual([
      { name: 'INPUT0', datatype: 'INT32', shape: [-1, 16] },
      { name: 'INPUT1', datatype: 'INT32', shape: [-1, 16] },
    ]);
    expect(report.metadata.outputs).toEqual([
      { name: 'OUTPUT0', datatype: 'INT32', shape: [-1, 16] },
      { name: 'OUTPUT1', datatype: 'INT32', shape: [-1, 16] },
    ]);
  });

  it('sent the inputs this test expects', () => {
    expect(report.inputs).toEqual({ INPUT0, INPUT1 });
  });

  it('infers with raw_input_contents and gets the sums and differences back raw', () => {
    expect(report.raw.id).toBe('python-raw-1');
    expect(report.raw.model_name).toBe('simple');
    expect(report.raw.form).toBe('raw');
    expect(report.raw.datatypes).toEqual({ OUTPUT0: 'INT32', OUTPUT1: 'INT32' });
    expect(report.raw.shapes).toEqual({ OUTPUT0: [1, 16], OUTPUT1: [1, 16] });
    expect(report.raw.outputs).toEqual({ OUTPUT0: SUM, OUTPUT1: DIFFERENCE });
  });

  it('infers with typed int_contents and gets the same answer, raw as Triton answers', () => {
    expect(report.typed.id).toBe('python-typed-1');
    expect(report.typed.form).toBe('raw');
    expect(report.typed.datatypes).toEqual({ OUTPUT0: 'INT32', OUTPUT1: 'INT32' });
    expect(report.typed.shapes).toEqual({ OUTPUT0: [1, 16], OUTPUT1: [1, 16] });
    expect(report.typed.outputs).toEqual({ OUTPUT0: SUM, OUTPUT1: DIFFERENCE });
  });

  it('gets INVALID_ARGUMENT naming the input and both datatypes for a wrong datatype', () => {
    expect(report.bad_request.code).toBe('INVALID_ARGUMENT');
    expect(report.bad_request.details).toContain('INPUT0');
    expect(report.bad_request.details).toContain('INT32');
    expect(report.bad_request.details).toContain('FP32');
  });
});
