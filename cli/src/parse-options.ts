/** Parsers for option values; a bad value stops the command with a message saying what is expected. */
import { readFileSync, statSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { modelConfigYamlProblems } from '@infermesh/common';

/** A whole number ≥ `min`. */
export const integer = (min: number) => (value: string) => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min) throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
  return parsed;
};

/** A version number, or `none` (0) where the option allows clearing it. */
export const versionOrNone = (value: string) => (value === 'none' ? 0 : integer(1)(value));

/** A percentage 0..100 with at most two decimals, as basis points. */
export const percentage = (value: string) => {
  const parsed = Number(value.replace(/%$/, ''));
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0 || parsed > 100 || Math.round(parsed * 100) !== Number((parsed * 100).toFixed(6))) {
    throw new InvalidArgumentError('expected a percentage from 0 to 100 (at most two decimals), e.g. 10 or 2.5');
  }
  return Math.round(parsed * 100);
};

/** A non-negative number. */
export const positiveNumber = (value: string) => {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return parsed;
};

/** `key=value`, collected into a record. */
export const label = (value: string, previous: Record<string, string> = {}) => {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
};

/** A header rule: `header[=value]:version` or `header[=value]:canary`, collected into a list. */
export interface RuleOption {
  header: string;
  value: string;
  version: number;
  canary: boolean;
}
export const rule = (spec: string, previous: RuleOption[] = []) => {
  const match = /^([^=:\s]+)(?:=([^:]*))?:(canary|\d+)$/.exec(spec);
  if (!match) throw new InvalidArgumentError("expected header[=value]:version or header[=value]:canary, e.g. x-pin=beta:2 or x-canary:canary");
  const [, header, value = '', target] = match;
  return [...previous, { header: header!, value, version: target === 'canary' ? 0 : Number(target), canary: target === 'canary' }];
};

/** The text of a runner model config file (at most 64 KiB), valid by the runners' schema. */
export const configFile = (file: string) => {
  let bytes: number;
  try {
    bytes = statSync(file).size;
  } catch {
    throw new InvalidArgumentError(`no file at '${file}'`);
  }
  if (bytes > 64 * 1024) throw new InvalidArgumentError(`'${file}' is ${bytes} bytes; a model config is at most 64 KiB`);
  const text = readFileSync(file, 'utf8');
  // The runners' schema: a config they would refuse at load is refused before anything is uploaded.
  const problems = modelConfigYamlProblems(text);
  if (problems.length > 0) throw new InvalidArgumentError(`${file}: ${problems.join('; ')}`);
  return text;
};
