/**
 * The Dockerfile, checked without a Docker engine (none runs here, so the image is not built in
 * these tests): what each stage copies exists in the build context or is built by `npm run
 * build`, every workspace's package.json reaches `npm ci`, the runtime has the built code of
 * every service the manifests start, the onnxruntime CUDA download is skipped, and the image runs
 * as a numeric non-root user.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { GATEWAY_NODE_FLAGS } from '@infermesh/common';
import { argsOf, copiesOf, dockerIgnores, parseDockerfile, type Stage } from './dockerfile.test-helper.js';
import { scriptOf } from './k8s-objects.test-helper.js';
import { K8S_ROOT, REPO_ROOT } from './repository.test-helper.js';

const dockerfile = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const dockerignore = readFileSync(path.join(REPO_ROOT, '.dockerignore'), 'utf8');
const build = dockerfile.find((stage) => stage.name === 'build')!;
const runtime = dockerfile.at(-1)!;

interface PackageJson {
  name: string;
  workspaces?: string[];
  dependencies?: Record<string, string>;
}

const readPackage = (folder: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, folder, 'package.json'), 'utf8')) as PackageJson;
const workspaces = readPackage('.').workspaces!;
const folderOf = new Map(workspaces.map((folder) => [readPackage(folder).name, folder]));

/** The workspace folders `npm ci --omit=dev --workspace=…` installs: the named ones and their workspace dependencies. */
function installedWorkspaces(names: string[]): Set<string> {
  const folders = new Set<string>();
  const visit = (name: string) => {
    const folder = folderOf.get(name);
    if (!folder || folders.has(folder)) return;
    folders.add(folder);
    for (const dependency of Object.keys(readPackage(folder).dependencies ?? {})) visit(dependency);
  };
  names.forEach(visit);
  return folders;
}

/** The RUN lines of a stage that run `npm ci`. */
function npmCiRuns(stage: Stage): string[] {
  return argsOf(stage, 'RUN').filter((run) => /\bnpm ci\b/.test(run));
}

/** What the runtime stage copies from the build stage, as repository paths. */
function runtimeCopiesFromBuild(): string[] {
  return copiesOf(runtime)
    .filter((copy) => copy.from === build.name)
    .flatMap((copy) => copy.sources.map((source) => path.posix.relative('/app', source)));
}

/** The script node runs in every container of deploy/k8s. */
function manifestScripts(): string[] {
  const files = readdirSync(K8S_ROOT, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml') && !file.endsWith('infermesh.yaml'));
  const scripts: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    if (Array.isArray(record.containers)) {
      for (const container of record.containers as { args?: string[] }[]) {
        const script = scriptOf(container.args);
        if (script) scripts.push(script);
      }
    }
    Object.values(record).forEach(walk);
  };
  for (const file of files) for (const document of parseAllDocuments(readFileSync(path.join(K8S_ROOT, file), 'utf8'))) walk(document.toJS());
  return scripts;
}

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim in two stages: npm ci and npm run build, then npm ci --omit=dev', () => {
    expect(dockerfile.map((stage) => stage.image)).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    const buildRuns = argsOf(build, 'RUN');
    expect(buildRuns.findIndex((run) => /^npm ci\b/.test(run))).toBeLessThan(buildRuns.indexOf('npm run build'));
    expect(buildRuns.indexOf('npm run build')).toBeGreaterThanOrEqual(0);
    const runtimeRuns = argsOf(runtime, 'RUN');
    expect(npmCiRuns(runtime)).toHaveLength(1);
    expect(npmCiRuns(runtime)[0]).toContain('--omit=dev');
    expect(runtimeRuns.some((run) => run.includes('npm run build'))).toBe(false);
    // The runtime takes sources from the context only as package manifests and .npmrc.
    const contextSources = copiesOf(runtime).filter((copy) => !copy.from).flatMap((copy) => copy.sources);
    expect(contextSources.filter((source) => !/(^|\/)package(-lock)?\.json$|^\.npmrc$/.test(source))).toEqual([]);
  });

  it('skips onnxruntime-node\'s CUDA download in both stages unless asked (ONNXRUNTIME_NODE_INSTALL, .npmrc)', () => {
    expect(readFileSync(path.join(REPO_ROOT, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
    for (const stage of dockerfile) {
      expect(argsOf(stage, 'ARG')).toContain('ONNXRUNTIME_NODE_INSTALL=skip');
      expect(argsOf(stage, 'ENV').some((env) => env.includes('ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL}'))).toBe(true);
      expect(copiesOf(stage).some((copy) => !copy.from && copy.sources.includes('.npmrc'))).toBe(true);
    }
  });

  it('copies only what the build context has (present in the repository, not left out by .dockerignore)', () => {
    for (const stage of dockerfile) {
      for (const copy of copiesOf(stage).filter((candidate) => !candidate.from)) {
        for (const source of copy.sources.filter((candidate) => candidate !== '.')) {
          expect(existsSync(path.join(REPO_ROOT, source)), `COPY ${source}`).toBe(true);
          expect(dockerIgnores(dockerignore, source), `COPY ${source} is left out by .dockerignore`).toBe(false);
        }
      }
    }
  });

  it('gives npm ci every workspace\'s package.json in each stage, before it runs', () => {
    for (const stage of dockerfile) {
      const npmCi = stage.instructions.findIndex((instruction) => instruction.keyword === 'RUN' && /\bnpm ci\b/.test(instruction.args));
      const copiedBefore = copiesOf({ ...stage, instructions: stage.instructions.slice(0, npmCi) }).filter((copy) => !copy.from).flatMap((copy) => copy.sources);
      for (const file of ['package.json', 'package-lock.json', ...workspaces.map((folder) => `${folder}/package.json`)]) {
        expect(copiedBefore, `${stage.name ?? stage.image} before npm ci`).toContain(file);
      }
    }
  });

  it('leaves out of the context what the image builds or must not hold', () => {
    for (const file of ['node_modules/x', 'gateway/node_modules/x', 'gateway/dist/main.js', 'proto/src/gen/x.ts', '.infermesh/registry', '.git/HEAD', 'sink/x.tsbuildinfo']) {
      expect(dockerIgnores(dockerignore, file), file).toBe(true);
    }
    for (const file of ['gateway/src/main.ts', 'proto/inference/grpc_service.proto', 'package-lock.json', '.npmrc', 'tsconfig.base.json']) {
      expect(dockerIgnores(dockerignore, file), file).toBe(false);
    }
  });

  it('ships the built code and .proto files of every service the manifests start, from paths npm run build produces', () => {
    const copied = runtimeCopiesFromBuild();
    for (const source of copied) {
      expect(existsSync(path.join(REPO_ROOT, source)), `${source} after npm run build`).toBe(true);
      // From the build stage, a path is there if the context had it or the build made it.
      expect(!dockerIgnores(dockerignore, source) || /(^|\/)dist$/.test(source), `${source} is in the build stage`).toBe(true);
    }
    expect(copied).toEqual(expect.arrayContaining(['proto/inference', 'proto/infermesh']));
    const installArgs = npmCiRuns(runtime)[0]!;
    const named = [...installArgs.matchAll(/--workspace=(\S+)/g)].map((match) => match[1]!);
    const installed = installedWorkspaces(named);
    for (const folder of installed) expect(copied, `${folder} is installed, so its dist must be there`).toContain(`${folder}/dist`);
    const scripts = manifestScripts();
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const script of new Set(scripts)) {
      expect(installed.has(script.split('/')[0]!), `${script}'s workspace gets its dependencies`).toBe(true);
      expect(copied.some((source) => script.startsWith(`${source}/`)), `${script} is in the image`).toBe(true);
    }
  });

  it('runs node as a numeric non-root user, with a default command the build produces', () => {
    const last = runtime.instructions.at(-1)!;
    const users = argsOf(runtime, 'USER');
    expect(users).toHaveLength(1);
    // Kubernetes' runAsNonRoot can verify only a numeric user.
    const [uid] = users[0]!.split(':');
    expect(uid).toMatch(/^\d+$/);
    expect(Number(uid)).toBeGreaterThan(0);
    const userAt = runtime.instructions.findIndex((instruction) => instruction.keyword === 'USER');
    expect(runtime.instructions.slice(userAt).some((instruction) => instruction.keyword === 'RUN')).toBe(false);
    expect(argsOf(runtime, 'ENTRYPOINT')).toEqual(['["node"]']);
    expect(last.keyword).toBe('CMD');
    // The gateway, started with the heap `infermesh up` gives it.
    const command = JSON.parse(last.args) as string[];
    expect(command).toEqual([...GATEWAY_NODE_FLAGS, 'gateway/dist/main.js']);
    const script = scriptOf(command)!;
    expect(existsSync(path.join(REPO_ROOT, script)), `${script} after npm run build`).toBe(true);
  });
});
