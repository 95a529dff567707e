// `npm run test:loaded`: the whole suite on a busy machine. Starts CPU-bound processes beside
// `npm test` (two by default, INFERMESH_LOAD_PROCESSES to change), runs it, stops them, and
// exits with the suite's status. The suite must pass here as it does on a quiet machine.
import { spawn } from 'node:child_process';

const count = Number(process.env.INFERMESH_LOAD_PROCESSES ?? 2);
if (!Number.isInteger(count) || count < 0 || count > 64) {
  console.error(`INFERMESH_LOAD_PROCESSES: expected an integer 0..64, got '${process.env.INFERMESH_LOAD_PROCESSES}'`);
  process.exit(2);
}

// Each burner spins on the CPU until it is killed, allocating a little so the GC runs too.
const BURN = 'let x = 0; for (;;) { for (let i = 0; i < 1e6; i++) x = (x + Math.sqrt(i)) % 1e9; if (x < 0) console.log([x]); }';
const burners = Array.from({ length: count }, () => spawn(process.execPath, ['-e', BURN], { stdio: 'ignore' }));
const stopBurners = () => {
  for (const burner of burners) burner.kill('SIGKILL');
};
process.on('exit', stopBurners);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopBurners();
    process.exit(130);
  });
}

console.log(`test:loaded: ${count} CPU-bound process(es) running beside npm test (pids ${burners.map((b) => b.pid).join(', ')})`);
const suite = spawn('npm', ['test', ...process.argv.slice(2)], { stdio: 'inherit' });
suite.on('exit', (code, signal) => {
  stopBurners();
  console.log(`test:loaded: npm test ${code === 0 ? 'passed' : `failed (${signal ?? `exit ${code}`})`} with ${count} CPU-bound process(es) beside it`);
  process.exit(code ?? 1);
});
