/** Checks on what callers send the registry; each error names the field and its limit. */
import { MODEL_NAME_RULE, ServiceError } from '@infermesh/common';

/** A gRPC metadata key a rule may match on: lowercase, not reserved, not binary. */
const HEADER_KEY = /^[0-9a-z_.-]{1,128}$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,62}$/;
/** Devices a version may ask for. */
const DEVICE = /^(any|cpu|cuda|cuda:\d{1,4})$/;

/** Largest per-version runner config, the runner's own limit. */
export const MAX_CONFIG_YAML_BYTES = 64 * 1024;
export const MAX_LABELS = 64;
export const MAX_LABEL_VALUE_CHARS = 256;
export const MAX_ARTIFACT_CHARS = 4096;
export const MAX_RULES = 32;
export const MAX_RULE_VALUE_CHARS = 256;

/** INVALID_ARGUMENT unless `name` is a valid model name. */
export function checkModelName(name: string, field = 'model'): void {
  if (!MODEL_NAME_RULE.test(name)) {
    throw ServiceError.invalidArgument(`${field}: expected a model name (letters, digits, _ . -; at most 128 characters), got '${name.slice(0, 200)}'`);
  }
}

/** INVALID_ARGUMENT unless `text` is at most `max` characters. */
export function checkLength(text: string, max: number, field: string): void {
  if (text.length > max) throw ServiceError.invalidArgument(`${field}: ${text.length} characters is over the limit of ${max}`);
}

/** INVALID_ARGUMENT unless `header` may be matched by a routing rule. */
export function checkHeaderKey(header: string, field: string): void {
  if (!HEADER_KEY.test(header) || header.startsWith('grpc-') || header.endsWith('-bin')) {
    throw ServiceError.invalidArgument(
      `${field}: expected a lowercase gRPC metadata key (a-z 0-9 _ . -, at most 128, not grpc-*, not *-bin), got '${header.slice(0, 200)}'`,
    );
  }
}

/** The device a version asks for, normalised ('' → any). */
export function checkDevice(device: string): string {
  const value = device === '' ? 'any' : device;
  if (!DEVICE.test(value)) throw ServiceError.invalidArgument(`device: expected any, cpu, cuda or cuda:N, got '${device.slice(0, 100)}'`);
  return value;
}

/** Checks labels: at most 64, keys like `team` or `app.kubernetes.io/name`, values at most 256 characters. */
export function checkLabels(labels: Record<string, string>): void {
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) throw ServiceError.invalidArgument(`labels: ${entries.length} labels is over the limit of ${MAX_LABELS}`);
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key)) throw ServiceError.invalidArgument(`labels: '${key.slice(0, 100)}' is not a valid label key (letters, digits, _ . / -; at most 63)`);
    checkLength(value, MAX_LABEL_VALUE_CHARS, `labels.${key}`);
  }
}
