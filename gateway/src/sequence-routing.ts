/**
 * Routing of Triton sequences (requests with a `sequence_id`): every call of a sequence goes
 * to one runner, picked by rendezvous hashing of the sequence id over the runners that serve
 * its version, so every gateway replica with the same route table picks the same runner
 * without talking to the others. A sequence's calls are never retried on another runner: its
 * state lives on one, and a failure there is UNAVAILABLE naming the sequence.
 */
import { ServiceError, type SequenceParameters } from '@infermesh/common';
import { hash32 } from './registry/choose-version.js';
import type { RunnerEndpoint } from './RunnerEndpoint.js';

/** How long a gateway remembers a sequence's version after its last call. */
const PIN_IDLE_MS = 10 * 60_000;
/** Sequences a gateway remembers at most; the oldest are forgotten first. */
const MAX_PINS = 100_000;

/** The runner of a sequence among `candidates` (the version's runners): the highest hash of id and address. */
export function pickSequenceRunner(
  candidates: readonly RunnerEndpoint[],
  model: string,
  version: string,
  sequenceId: string,
  exclude: ReadonlySet<RunnerEndpoint>,
): RunnerEndpoint {
  if (exclude.size > 0) {
    const failed = [...exclude].map((runner) => runner.address).join(', ');
    throw ServiceError.unavailable(
      `sequence '${sequenceId}' of model '${model}' version ${version}: its runner ${failed} failed; the sequence's state was on it only and is lost: start the sequence again (sequence_start)`,
    );
  }
  let best: RunnerEndpoint | undefined;
  let bestScore = -1;
  for (const runner of candidates) {
    const score = hash32(`${sequenceId}\u0000${runner.address}`);
    if (score > bestScore) [best, bestScore] = [runner, score];
  }
  if (!best) throw ServiceError.unavailable(`sequence '${sequenceId}': model '${model}' version ${version} is not ready on any runner`);
  return best;
}

/**
 * The version each live sequence started on, so a rollout change never moves a sequence to
 * another version mid-way (this gateway's memory; other replicas pick the same version by the
 * sequence id's sticky hash while the rollout is unchanged).
 */
export class SequencePins {
  private readonly pins = new Map<string, { version: string; lastUsedMs: number }>();

  /** The pinned version of a sequence's call, or undefined when it starts or is not pinned here. */
  pinned(model: string, sequence: SequenceParameters): string | undefined {
    if (sequence.sequenceId === undefined || sequence.sequenceStart) return undefined;
    const pin = this.pins.get(this.key(model, sequence.sequenceId));
    if (!pin || Date.now() - pin.lastUsedMs > PIN_IDLE_MS) return undefined;
    return pin.version;
  }

  /** Records the version a sequence's call runs; the last call (sequence_end) forgets it. */
  record(model: string, sequence: SequenceParameters, version: string): void {
    if (sequence.sequenceId === undefined) return;
    const key = this.key(model, sequence.sequenceId);
    this.pins.delete(key);
    if (sequence.sequenceEnd) return;
    this.pins.set(key, { version, lastUsedMs: Date.now() });
    // Map order is insertion order, and a used pin is re-inserted: the first is the stalest.
    if (this.pins.size > MAX_PINS) this.pins.delete(this.pins.keys().next().value!);
  }

  private key(model: string, sequenceId: string): string {
    return `${model}\u0000${sequenceId}`;
  }
}
