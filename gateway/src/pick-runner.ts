/** Power of two choices: of two runners drawn at random, the one with fewer calls in flight. */
import type { RunnerEndpoint } from './RunnerEndpoint.js';

/**
 * Picks among `candidates` (at least one). Two random draws keep the choice cheap and avoid
 * the herd that "least loaded of all" makes when many gateways see the same counts.
 */
export function pickLeastLoaded(candidates: readonly RunnerEndpoint[]): RunnerEndpoint {
  const first = candidates[Math.floor(Math.random() * candidates.length)]!;
  const second = candidates[Math.floor(Math.random() * candidates.length)]!;
  return first.outstanding <= second.outstanding ? first : second;
}
