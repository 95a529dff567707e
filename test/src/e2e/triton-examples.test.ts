/**
 * End to end: Triton's explicit-content example programs (test/python/triton_examples, the
 * flow of triton-inference-server/client's grpc_explicit_*_content_client.py) against a
 * gateway serving Triton's quick-start repository (../shared/triton-model-repository). They
 * send typed contents and read `raw_output_contents[i]`: outputs are always raw, as Triton's.
 * Run twice: against a gateway serving the repository's folder, and as a Triton user would
 * move over: the mesh of `npm start` (`infermesh up`) with the repository imported by
 * `infermesh models import-triton`.
 * Needs Debian's python3-grpcio, python3-protobuf, protobuf-compiler and protobuf-compiler-grpc.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePythonStubs, pythonToolchainAvailable, serviceAvailable, type PythonStubs } from '@infermesh/testkit';
import { startLocalMesh, type LocalMesh } from '../faults/local-mesh.js';
import { mainScript, startMesh, type TestMesh } from '../harness/index.js';

const execFileAsync = promisify(execFile);

const repository = fileURLToPath(new URL('../../../../shared/triton-model-repository', import.meta.url));
const available =
  pythonToolchainAvailable() &&
  serviceAvailable("Triton's quick-start model repository", existsSync(repository), `expected at ${repository} (the shared folder beside the checkout)`);

/** The lines each example prints for its 16 sums and differences of i and 1. */
const expectedLines = (quote: (value: number) => string) =>
  Array.from({ length: 16 }, (_, i) => [`${quote(i)} + ${quote(1)} = ${quote(i + 1)}`, `${quote(i)} - ${quote(1)} = ${quote(i - 1)}`]).flat();

const EXAMPLES: [script: string, pass: string, quote: (value: number) => string][] = [
  ['grpc_explicit_int_content_client.py', 'PASS: explicit int', (value: number) => String(value)],
  ['grpc_explicit_int8_content_client.py', 'PASS: explicit int8', (value: number) => String(value)],
  // The BYTES example prints Python bytes objects: b'3'.
  ['grpc_explicit_byte_content_client.py', 'PASS: explicit byte', (value: number) => `b'${value}'`],
];

/** Runs one example unchanged against `gateway` and checks every line it prints. */
async function runExample(stubs: PythonStubs, gateway: string, [script, pass, quote]: (typeof EXAMPLES)[number]): Promise<void> {
  const stdout = await stubs.output(`triton_examples/${script}`, ['-u', gateway], 60_000);
  const lines = stdout.trim().split('\n');
  expect(lines.at(-1)).toBe(pass);
  expect(lines.slice(0, -1)).toEqual(expectedLines(quote));
}

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

  it.each(EXAMPLES)('%s passes unchanged, reading raw_output_contents', async (...example) => {
    await runExample(stubs!, mesh!.gateway, example);
  });
});

describe.skipIf(!available)("Triton's explicit-content examples against npm start's mesh with the repository imported", () => {
  let mesh: LocalMesh | undefined;
  let stubs: PythonStubs | undefined;
  let imported: { models: { name: string; outcome: string }[] };

  beforeAll(async () => {
    [stubs, mesh] = await Promise.all([compilePythonStubs(), startLocalMesh()]);
    const { stdout } = await execFileAsync(
      process.execPath,
      // npm start's mesh already serves its own `simple` (Triton's quick-start contract, other
      // bytes): importing Triton's as `simple` v1 is refused (a version never changes), so the
      // int example runs against npm start's `simple` and the other two against the imported models.
      [mainScript('@infermesh/cli', 'main.js'), 'models', 'import-triton', repository, '--models', 'simple_int8,simple_string', '--registry', mesh.registry, '-o', 'json'],
      { timeout: 300_000 },
    );
    imported = JSON.parse(stdout) as typeof imported;
  }, 400_000);

  afterAll(async () => {
    await mesh?.stop();
    await stubs?.remove();
  }, 120_000);

  it('imports the quick-start repository\'s other models beside the example models', () => {
    const outcomes = Object.fromEntries(imported.models.map((model) => [model.name, model.outcome]));
    expect(outcomes).toEqual({ simple_int8: 'imported', simple_string: 'imported' });
  });

  it.each(EXAMPLES)('%s passes unchanged', async (...example) => {
    await runExample(stubs!, mesh!.gateway, example);
  });
});
