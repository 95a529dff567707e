/**
 * Debian's Python gRPC toolchain for tests that call the gateway as Python users do: stubs
 * compiled from proto/inference by protoc + grpc_python_plugin, run by /usr/bin/python3.
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serviceAvailable } from './service-gate.js';

const execFileAsync = promisify(execFile);

// Debian's interpreter: the first `python3` on PATH may be another build without grpc.
const PYTHON = '/usr/bin/python3';
const GRPC_PYTHON_PLUGIN = '/usr/bin/grpc_python_plugin';
const DEBIAN_PACKAGES = 'python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const protoDir = join(repoRoot, 'proto', 'inference');

const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** True when the toolchain is here; otherwise the test skips with what to install (or fails in CI). */
export function pythonToolchainAvailable(): boolean {
  const missing = [
    ...(succeeds(PYTHON, ['-c', 'import grpc, google.protobuf']) ? [] : [`${PYTHON} with grpc and protobuf`]),
    ...(succeeds('protoc', ['--version']) ? [] : ['protoc']),
    ...(executable(GRPC_PYTHON_PLUGIN) ? [] : [GRPC_PYTHON_PLUGIN]),
  ];
  return serviceAvailable(
    `The Python gRPC toolchain (${missing.join(', ')})`,
    missing.length === 0,
    `install the Debian packages: apt-get install ${DEBIAN_PACKAGES}`,
  );
}

/** Python stubs compiled from the project's protos, in a temporary folder. */
export interface PythonStubs {
  dir: string;
  /** Runs `test/python/<script>` with `args` and parses the JSON it prints. */
  run<T>(script: string, args: readonly string[], timeoutMs?: number): Promise<T>;
  /** Runs `test/python/<script>` with `args` and the stubs on PYTHONPATH; resolves with its stdout, rejects when it exits non-zero. */
  output(script: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  remove(): Promise<void>;
}

export async function compilePythonStubs(): Promise<PythonStubs> {
  const dir = await mkdtemp(join(tmpdir(), 'infermesh-pystubs-'));
  // Compiling from proto/inference with bare file names gives top-level modules, so
  // grpc_service_pb2_grpc.py's `import grpc_service_pb2` resolves from the stubs folder.
  await execFileAsync('protoc', [
    `-I${protoDir}`,
    `--python_out=${dir}`,
    `--grpc_out=${dir}`,
    `--plugin=protoc-gen-grpc=${GRPC_PYTHON_PLUGIN}`,
    'grpc_service.proto',
    'model_config.proto',
  ]);
  const output = async (script: string, args: readonly string[], timeoutMs = 120_000): Promise<string> => {
    const { stdout } = await execFileAsync(PYTHON, [join(repoRoot, 'test', 'python', script), ...args], {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: dir },
    });
    return stdout;
  };
  return {
    dir,
    output,
    run: async <T>(script: string, args: readonly string[], timeoutMs?: number): Promise<T> => JSON.parse(await output(script, args, timeoutMs)) as T,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
