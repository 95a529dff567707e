/**
 * Triton's `sequence_batching` onto the runner's: `max_sequence_idle_microseconds`, the
 * `control_input`s by kind (START, END, READY, CORRID) and the implicit `state` pairs. The
 * runner feeds 0/1 (and the sequence id for CORRID) in each input's own datatype, and runs a
 * sequence's calls one at a time, so the strategy (`direct`, `oldest`) is listed, not mapped.
 */
import { MODEL_CONFIG_LIMITS } from '@infermesh/common';
import { ImportRefusal, type ImportNotes } from './import-notes.js';
import type { MessageReader } from './message-reader.js';
import type { RunnerConfig } from './runner-config.js';
import { ignoreField, listUnread } from './unsupported-fields.js';

type ControlKind = 'start' | 'end' | 'ready' | 'corrid';
interface SequenceConfig {
  max_sequence_idle_us?: number;
  control_inputs: Partial<Record<ControlKind, string>>;
  states: { input: string; output: string }[];
}

const KINDS = {
  CONTROL_SEQUENCE_START: 'start',
  CONTROL_SEQUENCE_END: 'end',
  CONTROL_SEQUENCE_READY: 'ready',
  CONTROL_SEQUENCE_CORRID: 'corrid',
} as const satisfies Record<string, ControlKind>;

/** How each control says what to feed; the runner feeds 0/1 or the id in the input's datatype. */
const CONTROL_VALUE_FIELDS = ['int32_false_true', 'fp32_false_true', 'bool_false_true', 'data_type'];
/** A state's datatype and dims are the model file's. */
const STATE_SHAPE_FIELDS = ['data_type', 'dims'];

const fail = (reason: string) => new ImportRefusal('failed', reason);

function required(reader: MessageReader, name: string): string {
  const value = reader.string(name);
  if (!value) throw fail(`${reader.pathOf(name)}: required`);
  return value;
}

export function mapSequenceBatching(sequence: MessageReader, notes: ImportNotes): Pick<RunnerConfig, 'sequence_batching'> {
  const mapped: SequenceConfig = { control_inputs: {}, states: [] };
  const idle = sequence.integer('max_sequence_idle_microseconds');
  if (idle !== undefined) {
    if (idle < 1 || idle > MODEL_CONFIG_LIMITS.maxSequenceIdleUs) {
      throw fail(`${sequence.pathOf('max_sequence_idle_microseconds')}: ${idle} is not within infermesh's 1..${MODEL_CONFIG_LIMITS.maxSequenceIdleUs}`);
    }
    mapped.max_sequence_idle_us = idle;
  }
  for (const input of sequence.messages('control_input')) {
    const name = required(input, 'name');
    for (const control of input.messages('control')) {
      const kind = control.enumValue('kind', Object.keys(KINDS) as (keyof typeof KINDS)[]);
      if (kind === undefined) throw fail(`${control.pathOf('kind')}: required`);
      for (const field of CONTROL_VALUE_FIELDS) control.markRead(field);
      listUnread(control, notes);
      mapped.control_inputs[KINDS[kind]] = name;
    }
    listUnread(input, notes);
  }
  for (const state of sequence.messages('state')) {
    for (const field of STATE_SHAPE_FIELDS) state.markRead(field);
    if (state.has('initial_state')) ignoreField(state, 'initial_state', notes);
    mapped.states.push({ input: required(state, 'input_name'), output: required(state, 'output_name') });
    listUnread(state, notes);
  }
  for (const strategy of ['direct', 'oldest']) {
    if (sequence.has(strategy)) {
      sequence.markRead(strategy);
      notes.note(`${sequence.pathOf(strategy)}: infermesh runs each sequence's calls one at a time on the runner that holds it`);
    }
  }
  listUnread(sequence, notes);
  return { sequence_batching: mapped };
}
