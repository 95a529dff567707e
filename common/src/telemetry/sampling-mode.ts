/**
 * Whether any span of this process can be sampled at all. `startTelemetry` knows when none
 * can (the SDK is disabled, or it has nowhere to export and no sampler was asked for); the
 * hot paths then skip span objects, context extraction and trace headers altogether, and a
 * caller's own trace headers pass through untouched. Until told otherwise, spans may record.
 */

let neverSampled = false;

/** False when no span started in this process can ever be sampled. */
export function spansCanRecord(): boolean {
  return !neverSampled;
}

/**
 * Declares that no span of this process will ever be sampled. Called once at start-up by
 * `startTelemetry`; tests that install a tracer provider of their own leave it unset.
 */
export function declareSpansNeverSampled(never = true): void {
  neverSampled = never;
}
