/**
 * End to end: Triton's explicit-content example programs (test/python/triton_examples, the
 * flow of triton-inference-server/client's grpc_explicit_*_content_client.py) against a
 * gateway serving Triton's quick-start repository (../shared/triton-model-repository). They
 * send typed contents and read `raw_output_contents[i]`: outputs are always raw, as Triton's.
 * Needs Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePythonStubs, pythonToolchainAvailable, serviceAvailable, type PythonStubs } from '@infermesh/testkit';
import { startMesh, type TestMesh } from '../harness/index.js';

const repository = fileURLToPath(new URL('../../../../shared/triton-model-repository', import.meta.url));
const available =
  pythonToolchainAvailable() &&
  serviceAvailable("Triton's quick-start model repository", existsSync(repository), `expected at ${repository} (the shared folder beside the checkout)`);

/** The lines each example prints for its 16 sums and differences of i and 1. */
const expectedLines = (quote: (value: number) => string) =>
  Array.from({ length: 16 }, (_, i) => [`${quote(i)} + ${quote(1)} = ${quote(i + 1)}`, `${quote(i)} - ${quote(1)} = ${quote(i - 1)}`]).flat();

describe.skipIf(!available)("Triton's explicit-content examples against the gateway", () => {
  let mesh: TestMesh | undefined;
  let stubs: PythonStubs | undefined;

  beforeAll(async () => {
    stubs = await compilePythonStubs();
    mesh = await startMesh({ modelRepository: repository });
  }, 120_000);

  afterAll(async () => {
    await mesh?.stop();
    await stubs?.remove();
  }, 120_000);

  it.each([
    ['grpc_explicit_int_content_client.py', 'PASS: explicit int', (value: number) => String(value)],
    ['grpc_explicit_int8_content_client.py', 'PASS: explicit int8', (value: number) => String(value)],
    // The BYTES example prints Python bytes objects: b'3'.
    ['grpc_explicit_byte_content_client.py', 'PASS: explicit byte', (value: number) => `b'${value}'`],
  ])('%s passes unchanged, reading raw_output_contents', async (script, pass, quote) => {
    const stdout = await stubs!.output(`triton_examples/${script}`, ['-u', mesh!.gateway], 60_000);
    const lines = stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(pass);
    expect(lines.slice(0, -1)).toEqual(expectedLines(quote));
  });
});
