/**
 * Typed, tracked reading of one parsed message: each getter checks the kind of value and
 * marks the field read, so that whatever the mapping did not read can be listed rather than
 * dropped. Errors name the field and its line and column.
 */
import { PbtxtError } from './pbtxt-error.js';
import type { PbField, PbMessage, PbScalar, PbValue } from './pbtxt.js';

const TRUE = new Set(['true', 'True', 't']);
const FALSE = new Set(['false', 'False', 'f']);

const shown = (value: PbValue) =>
  value.kind === 'message' ? 'a message' : value.kind === 'string' ? `the string "${value.value.slice(0, 40)}"` : `'${value.kind === 'number' ? value.text : value.value}'`;

/** Reads one message's fields by kind and remembers which were read. */
export class MessageReader {
  private readonly read = new Set<string>();

  /**
   * @param parsed the parsed message
   * @param path how messages name it: `dynamic_batching`, `input[INPUT0]` ('' at the top)
   * @param key the schema path without positions, `input`, for the table of unsupported fields
   */
  constructor(
    readonly parsed: PbMessage,
    readonly path = '',
    readonly key = '',
  ) {}

  /** The name a field of this message goes by in messages: `dynamic_batching.preferred_batch_size`. */
  pathOf(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  /** The schema key of a field: `input.reshape`. */
  keyOf(name: string): string {
    return this.key === '' ? name : `${this.key}.${name}`;
  }

  /** Whether the field is written at all (an empty list counts). */
  has(name: string): boolean {
    return this.parsed.fields.some((field) => field.name === name);
  }

  /** Every value of a repeated field, lists flattened, in the order written. */
  values(name: string): PbValue[] {
    this.read.add(name);
    return this.parsed.fields.filter((field) => field.name === name).flatMap((field) => (Array.isArray(field.value) ? field.value : [field.value]));
  }

  /** Whole numbers of a repeated field. */
  integers(name: string): number[] {
    return this.values(name).map((value) => this.toInteger(name, value));
  }

  /** The messages of a repeated field, each read on its own and named by its `name` field when it has one. */
  messages(name: string): MessageReader[] {
    return this.values(name).map((value, index) => {
      if (value.kind !== 'message') throw this.error(name, value, 'expected a message { ... }');
      const label = value.fields.find((field) => field.name === 'name' && !Array.isArray(field.value) && field.value.kind === 'string')?.value as PbScalar | undefined;
      return new MessageReader(value, `${this.pathOf(name)}[${label?.kind === 'string' ? label.value : index}]`, this.keyOf(name));
    });
  }

  /** A singular message field, or undefined when absent. */
  message(name: string): MessageReader | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if (value.kind !== 'message') throw this.error(name, value, 'expected a message { ... }');
    return new MessageReader(value, this.pathOf(name), this.keyOf(name));
  }

  /** A singular whole number, or undefined. */
  integer(name: string): number | undefined {
    const value = this.single(name);
    return value === undefined ? undefined : this.toInteger(name, value);
  }

  /** A singular string, or undefined. */
  string(name: string): string | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if (value.kind !== 'string') throw this.error(name, value, 'expected a quoted string');
    return value.value;
  }

  /** A singular boolean, or undefined. */
  boolean(name: string): boolean | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if (value.kind === 'identifier' && TRUE.has(value.value)) return true;
    if (value.kind === 'identifier' && FALSE.has(value.value)) return false;
    if (value.kind === 'number' && (value.text === '0' || value.text === '1')) return value.text === '1';
    throw this.error(name, value, 'expected true or false');
  }

  /** A singular enum value (its name), or undefined; one outside `allowed` is an error. */
  enumValue<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.single(name);
    if (value === undefined) return undefined;
    if (value.kind !== 'identifier' || !allowed.includes(value.value as T)) throw this.error(name, value, `expected one of ${allowed.join(', ')}`);
    return value.value as T;
  }

  /** Marks a field read without looking at it (its meaning is decided elsewhere). */
  markRead(name: string): void {
    this.read.add(name);
  }

  /** The first occurrence of every field nothing has read, in the order written. */
  unread(): PbField[] {
    const seen = new Set<string>();
    return this.parsed.fields.filter((field) => !this.read.has(field.name) && !seen.has(field.name) && seen.add(field.name));
  }

  /** An error at a value of one of this message's fields. */
  error(name: string, value: { at: PbValue['at'] }, reason: string): PbtxtError {
    return new PbtxtError(value.at, `${this.pathOf(name)}: ${reason}`);
  }

  private single(name: string): PbValue | undefined {
    this.read.add(name);
    const occurrences = this.parsed.fields.filter((field) => field.name === name);
    if (occurrences.length === 0) return undefined;
    if (occurrences.length > 1) {
      const first = occurrences[0]!.at;
      throw new PbtxtError(occurrences[1]!.at, `${this.pathOf(name)}: given again (first at line ${first.line}, column ${first.column}); it takes one value`);
    }
    const { value } = occurrences[0]!;
    if (Array.isArray(value)) throw new PbtxtError(occurrences[0]!.at, `${this.pathOf(name)}: takes one value, not a list`);
    return value;
  }

  private toInteger(name: string, value: PbValue): number {
    const scalar = value as PbScalar;
    if (scalar.kind !== 'number' || !/^-?(0[xX][0-9A-Fa-f]+|\d+)$/.test(scalar.text) || !Number.isSafeInteger(scalar.value)) {
      throw this.error(name, value, `expected a whole number, got ${shown(value)}`);
    }
    return scalar.value;
  }
}
