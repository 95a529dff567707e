/**
 * Debian's Go toolchain for tests that call the gateway as Go users do: grpc-go and the
 * protobuf runtime from Debian's golang-* packages (GOPATH mode: nothing is downloaded),
 * stubs compiled from proto/inference by protoc-gen-go and protoc-gen-go-grpc.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { serviceAvailable } from './service-gate.js';

const execFileAsync = promisify(execFile);

/** golang-github-golang-protobuf-1-5-dev: grpc-go's codec must be the APIv2-backed github.com/golang/protobuf that protoc-gen-go's messages need. */
const DEBIAN_PACKAGES = 'golang-go golang-google-grpc-dev golang-google-protobuf-dev golang-github-golang-protobuf-1-5-dev protoc-gen-go protoc-gen-go-grpc protobuf-compiler';
/** Where Debian installs Go libraries' sources. */
const DEBIAN_GOPATH = '/usr/share/gocode';
/** The import path the stubs get; a Go import path needs a dot in its first element. */
export const GO_STUBS_PACKAGE = 'example.com/inference';

const protoDir = fileURLToPath(new URL('../../proto/inference/', import.meta.url));
const succeeds = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;

/** True when the toolchain is here; otherwise the test skips with what to install (or fails in CI). */
export function goToolchainAvailable(): boolean {
  const missing = [
    ...(succeeds('go', ['version']) ? [] : ['go']),
    ...(succeeds('protoc', ['--version']) ? [] : ['protoc']),
    ...(succeeds('sh', ['-c', 'command -v protoc-gen-go && command -v protoc-gen-go-grpc']) ? [] : ['protoc-gen-go, protoc-gen-go-grpc']),
    ...(existsSync(`${DEBIAN_GOPATH}/src/google.golang.org/grpc`) ? [] : [`grpc-go in ${DEBIAN_GOPATH}`]),
    // v1.3 (APIv1) panics on protoc-gen-go's messages; v1.4 and later have registry.go.
    ...(existsSync(`${DEBIAN_GOPATH}/src/github.com/golang/protobuf/proto/registry.go`) ? [] : ['github.com/golang/protobuf v1.5']),
  ];
  return serviceAvailable(`The Go gRPC toolchain (${missing.join(', ')})`, missing.length === 0, `install the Debian packages: apt-get install ${DEBIAN_PACKAGES}`);
}

/** A GOPATH holding the inference stubs, where Go programs importing them build. */
export interface GoWorkspace {
  /** Builds and runs `source` (a `package main` file); resolves with its stdout, rejects when it fails. */
  run(source: string, timeoutMs?: number): Promise<string>;
  remove(): Promise<void>;
}

export async function goWorkspace(): Promise<GoWorkspace> {
  const root = await mkdtemp(join(tmpdir(), 'infermesh-go-'));
  const stubs = join(root, 'src', GO_STUBS_PACKAGE);
  await mkdir(stubs, { recursive: true });
  const mapping = `Mgrpc_service.proto=${GO_STUBS_PACKAGE},Mmodel_config.proto=${GO_STUBS_PACKAGE}`;
  await execFileAsync('protoc', [
    `-I${protoDir}`,
    `--go_out=paths=source_relative,${mapping}:${stubs}`,
    `--go-grpc_out=paths=source_relative,${mapping}:${stubs}`,
    'grpc_service.proto',
    'model_config.proto',
  ]);
  const env = { ...process.env, GO111MODULE: 'off', GOPATH: `${root}:${DEBIAN_GOPATH}`, GOCACHE: join(root, 'cache'), GOFLAGS: '' };
  let programs = 0;
  return {
    async run(source, timeoutMs = 180_000) {
      const dir = join(root, 'src', `program${++programs}`);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'main.go'), source);
      const binary = join(root, `program${programs}`);
      await execFileAsync('go', ['build', '-o', binary, '.'], { cwd: dir, env, timeout: timeoutMs });
      const { stdout } = await execFileAsync(binary, [], { timeout: timeoutMs });
      return stdout;
    },
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
