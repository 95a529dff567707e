/** Consul's duration strings (`10s`, `1m30s`, `500ms`), as its HTTP API takes them in `wait`, `TTL`, `Interval`... */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a Go duration string; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const parts = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text) ? text.match(/\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)/g) : null;
  if (!parts) return undefined;
  return parts.reduce((sum, part) => {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(.+)$/.exec(part)!;
    return sum + Number(amount) * UNIT_MS[unit!]!;
  }, 0);
}

/** `15s`, `2.5s`, `100ms`: how Consul prints a duration back. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return ms >= 1_000 ? `${ms / 1_000}s` : `${ms}ms`;
}
