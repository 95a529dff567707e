/**
 * Checks a Prometheus text exposition as `promtool check metrics` does (its promlint rules),
 * plus the format itself, so tests can hold every /metrics page to them without promtool.
 * Returns one line per problem; [] when the page is clean.
 */

interface Family {
  type?: string;
  help?: string;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** promlint's MetricTypeInName, UnitAbbreviations and MetricUnits (non-base units) rules. */
const TYPE_IN_NAME = /_(counter|gauge|histogram|summary|untyped)(_|$)/;
const ABBREVIATED_UNIT = /_(s|ms|us|ns|sec|b|kb|mb|gb|tb|pb|m|h|d)(_|$)/;
const NON_BASE_UNIT = /_(milliseconds|microseconds|nanoseconds|minutes|hours|days|weeks|millis|kilobytes|megabytes|gigabytes|terabytes|petabytes|bits|celsius|fahrenheit|percent)(_|$)/;
const SNAKE_CASE = /^[a-z_:][a-z0-9_:]*$/;

/** The family a sample belongs to: `x_bucket` → `x` for a histogram `x`, and so on. */
function familyOf(name: string, families: Map<string, Family>): string {
  for (const suffix of ['_bucket', '_count', '_sum']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && (families.get(base)?.type === 'histogram' || (suffix !== '_bucket' && families.get(base)?.type === 'summary'))) return base;
  }
  return name;
}

/** A sample value as Prometheus's parser (Go's ParseFloat) reads it: NaN and ±Inf in any case. */
function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  return lower === 'nan' ? NaN : Number(text);
}

function parseLabels(text: string): Record<string, string> | undefined {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(text);
    if (!match || LABEL.lastIndex === start) return undefined;
    labels[match[1]!] = match[2]!;
  }
  return labels;
}

export function lintExposition(text: string): string[] {
  const problems: string[] = [];
  const families = new Map<string, Family>();
  const family = (name: string) => families.get(name) ?? families.set(name, {}).get(name)!;
  const histograms = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  const sampled = new Set<string>();
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const at = `line ${index + 1}`;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) problems.push(`${at}: ${name}: not a valid metric name`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) problems.push(`${at}: ${name}: unknown type '${rest}'`);
        if (family(name).type !== undefined) problems.push(`${at}: ${name}: second TYPE line`);
        if (sampled.has(name)) problems.push(`${at}: ${name}: TYPE after its samples`);
        family(name).type = rest;
      } else {
        family(name).help = rest;
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) {
      problems.push(`${at}: not a sample line: ${line}`);
      continue;
    }
    const [, name, labelText, valueText] = sample as unknown as [string, string, string | undefined, string];
    const labels = labelText === undefined ? {} : parseLabels(labelText);
    if (!labels) {
      problems.push(`${at}: ${name}: malformed labels {${labelText}}`);
      continue;
    }
    const value = parseValue(valueText);
    if (Number.isNaN(value) && valueText.toLowerCase() !== 'nan') problems.push(`${at}: ${name}: value '${valueText}' is not a number`);
    const base = familyOf(name, families);
    sampled.add(base);
    const type = families.get(base)?.type;
    if (type === undefined) problems.push(`${at}: ${name}: sample without a TYPE line`);
    for (const label of Object.keys(labels)) {
      if (!SNAKE_CASE.test(label)) problems.push(`${at}: ${name}: label name '${label}' should be snake_case`);
      if (label === 'le' && !(type === 'histogram' && name.endsWith('_bucket'))) problems.push(`${at}: ${name}: 'le' is reserved for histogram buckets`);
      if (label === 'quantile' && type !== 'summary') problems.push(`${at}: ${name}: 'quantile' is reserved for summaries`);
    }
    if (type === 'histogram') {
      const { le, ...rest } = labels;
      const key = `${base}${JSON.stringify(Object.entries(rest).sort())}`;
      const series = histograms.get(key) ?? histograms.set(key, { buckets: [] }).get(key)!;
      if (name.endsWith('_bucket')) series.buckets.push([parseValue(le ?? ''), value]);
      if (name.endsWith('_count')) series.count = value;
    }
  }
  for (const [name, { type, help }] of families) {
    if (help === undefined || help.trim() === '') problems.push(`${name}: no help text`);
    if (type === 'counter' && !name.endsWith('_total')) problems.push(`${name}: counter metrics should have "_total" suffix`);
    if (type !== 'counter' && type !== 'untyped' && name.endsWith('_total')) problems.push(`${name}: non-counter metrics should not have "_total" suffix`);
    if (type !== 'histogram' && name.endsWith('_bucket')) problems.push(`${name}: non-histogram metrics should not have "_bucket" suffix`);
    if (type !== 'histogram' && type !== 'summary' && /_(count|sum)$/.test(name)) problems.push(`${name}: non-histogram and non-summary metrics should not have "_count" or "_sum" suffix`);
    if (!SNAKE_CASE.test(name)) problems.push(`${name}: metric names should be written in snake_case`);
    if (name.includes(':')) problems.push(`${name}: metric names should not contain ':'`);
    if (TYPE_IN_NAME.test(name)) problems.push(`${name}: metric name should not include its type`);
    if (ABBREVIATED_UNIT.test(name)) problems.push(`${name}: metric names should not contain abbreviated units`);
    if (NON_BASE_UNIT.test(name)) problems.push(`${name}: use base units (seconds, bytes, ratio)`);
  }
  for (const [key, { buckets, count }] of histograms) {
    const inf = buckets.find(([le]) => le === Infinity);
    if (!inf) problems.push(`${key}: histogram without a +Inf bucket`);
    else if (count !== undefined && inf[1] !== count) problems.push(`${key}: +Inf bucket ${inf[1]} differs from _count ${count}`);
    const sorted = [...buckets].sort(([a], [b]) => a - b);
    if (sorted.some(([, v], i) => i > 0 && v < sorted[i - 1]![1])) problems.push(`${key}: bucket counts are not cumulative`);
  }
  return problems;
}
