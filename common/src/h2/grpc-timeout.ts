/** The `grpc-timeout` header: read into a deadline, written back as what is left of it. */

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/** The deadline (ms since the epoch) a `grpc-timeout` value sets from `now`; Infinity when absent or malformed. */
export function deadlineOf(value: string | string[] | undefined, now: number): number {
  if (typeof value !== 'string') return Infinity;
  const match = /^(\d{1,8})([HMSmun])$/.exec(value);
  if (!match) return Infinity;
  return now + Number(match[1]) * UNIT_MS[match[2]!]!;
}

/** A `grpc-timeout` value for the time left until `deadline`, at least 1 ms. */
export function timeoutHeader(deadline: number, now: number): string {
  return `${Math.max(1, Math.ceil(deadline - now))}m`;
}

/** A call's deadline from its `grpc-timeout` header, and the timer that fires `onExpire` at it (none without one). */
export function startDeadline(value: string | string[] | undefined, onExpire: () => void): { deadline: number; timer: NodeJS.Timeout | undefined } {
  const now = Date.now();
  const deadline = deadlineOf(value, now);
  return { deadline, timer: deadline === Infinity ? undefined : setTimeout(onExpire, deadline - now) };
}
