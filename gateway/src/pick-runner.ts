/** Power of two choices: of two runners drawn at random, the one with fewer calls in flight. */
import type { RunnerEndpoint } from './RunnerEndpoint.js';

/**
 * Picks among `candidates` (at least one), leaving out runners ejected as outliers unless
 * every candidate is. Two random draws keep the choice cheap and avoid the herd that "least
 * loaded of all" makes when many gateways see the same counts.
 */
export function pickLeastLoaded(candidates: readonly RunnerEndpoint[]): RunnerEndpoint {
  const usable = candidates.some((runner) => runner.outlier.ejected) ? candidates.filter((runner) => !runner.outlier.ejected) : candidates;
  const pool = usable.length > 0 ? usable : candidates;
  const first = pool[Math.floor(Math.random() * pool.length)]!;
  const second = pool[Math.floor(Math.random() * pool.length)]!;
  return first.outstanding <= second.outstanding ? first : second;
}
