/**
 * The sequence scheduler of a stateful model version (config `sequence_batching`, Triton's
 * sequence batcher): one slot per live sequence holding its state tensors. A sequence's calls
 * run one at a time in arrival order; each gets the control inputs the model declares (START,
 * END, READY, CORRID) and the state its previous call left, and leaves its state outputs for
 * the next. `sequence_end` frees the slot, and so does `max_sequence_idle_us` without a call.
 */
import { ServiceError, type ModelConfig, type OrtElementType, type TensorData } from '@infermesh/common';
import type { InferParameter__Output, ModelInferRequest__Output } from '@infermesh/proto';
import { KeyedLock } from './KeyedLock.js';
import type { WireTensor } from './session-protocol.js';
import type { Signature, TensorSpec } from './signature.js';

type SequenceConfig = NonNullable<ModelConfig['sequence_batching']>;

/** A call's place in its sequence, from Triton's request parameters. */
export interface SequenceCall {
  id: string;
  start: boolean;
  end: boolean;
}

interface Slot {
  state: Record<string, WireTensor>;
  timer: NodeJS.Timeout;
}

/** FP16's bit pattern of 1.0. */
const FP16_ONE = 0x3c00;

/** The typed array of each element type whose values are plain numbers. */
const NUMBER_ARRAYS = {
  bool: Uint8Array,
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const satisfies Partial<Record<OrtElementType, new (length: number) => TensorData>>;

/** A tensor of `dims` with every element `value` (a number, or the id for CORRID). */
function constantTensor(spec: TensorSpec, dims: number[], value: number | string, label: string): WireTensor {
  const count = dims.reduce((a, b) => a * b, 1);
  const type = spec.ortType as OrtElementType;
  const numeric = () => {
    const number = Number(value);
    if (typeof value === 'string' && !/^\d+$/.test(value)) {
      throw ServiceError.invalidArgument(`${label}: sequence id '${value}' is a string, but control input '${spec.name}' (CORRID) is ${spec.datatype}; use a numeric sequence_id`);
    }
    return number;
  };
  let data: TensorData;
  if (type === 'string') data = new Array<string>(count).fill(String(value));
  else if (type === 'int64') data = new BigInt64Array(count).fill(BigInt.asIntN(64, BigInt(numeric() === 0 ? 0 : value)));
  else if (type === 'uint64') data = new BigUint64Array(count).fill(BigInt(numeric() === 0 ? 0 : value));
  else if (type === 'float16') data = new Uint16Array(count).fill(numeric() === 0 ? 0 : FP16_ONE);
  else data = new NUMBER_ARRAYS[type](count).fill(numeric());
  return { type, data, dims };
}

/** A bool parameter, or false. */
function flag(parameter: InferParameter__Output | undefined, name: string): boolean {
  if (!parameter) return false;
  if (parameter.parameter_choice !== 'bool_param') throw ServiceError.invalidArgument(`parameter '${name}': expected a bool_param`);
  return parameter.bool_param === true;
}

/** The sequence parameters of a call to a sequence model; INVALID_ARGUMENT without a sequence id. */
export function sequenceCall(request: ModelInferRequest__Output, label: string): SequenceCall {
  const parameter = request.parameters?.sequence_id;
  const id =
    parameter?.parameter_choice === 'string_param'
      ? parameter.string_param
      : parameter?.parameter_choice === 'uint64_param' || parameter?.parameter_choice === 'int64_param'
        ? BigInt.asUintN(64, BigInt(parameter[parameter.parameter_choice]!)).toString()
        : undefined;
  if (id === undefined || id === '' || id === '0') {
    throw ServiceError.invalidArgument(`${label} is a sequence model: every call needs a non-zero sequence_id parameter (uint64 or string)`);
  }
  return { id, start: flag(request.parameters.sequence_start, 'sequence_start'), end: flag(request.parameters.sequence_end, 'sequence_end') };
}

/** Names the runner's inputs and outputs that the caller must not send or does not get. */
export function hiddenTensors(config: SequenceConfig): { inputs: Set<string>; outputs: Set<string> } {
  const controls = Object.values(config.control_inputs).filter((name): name is string => name !== undefined);
  return { inputs: new Set([...controls, ...config.states.map((s) => s.input)]), outputs: new Set(config.states.map((s) => s.output)) };
}

/** What the caller sees of a sequence model's signature: without control inputs and state tensors. */
export function callerSignature(signature: Signature, config: SequenceConfig): Signature {
  const hidden = hiddenTensors(config);
  return { inputs: signature.inputs.filter((s) => !hidden.inputs.has(s.name)), outputs: signature.outputs.filter((s) => !hidden.outputs.has(s.name)) };
}

/** Why a sequence config does not fit the model's signature, or undefined. */
export function sequenceConfigProblem(signature: Signature, config: SequenceConfig): string | undefined {
  const input = (name: string) => signature.inputs.some((s) => s.name === name);
  const output = (name: string) => signature.outputs.some((s) => s.name === name);
  for (const [kind, name] of Object.entries(config.control_inputs)) {
    if (name !== undefined && !input(name)) return `sequence_batching.control_inputs.${kind}: the model has no input '${name}'`;
  }
  for (const [i, state] of config.states.entries()) {
    if (!input(state.input)) return `sequence_batching.states[${i}].input: the model has no input '${state.input}'`;
    if (!output(state.output)) return `sequence_batching.states[${i}].output: the model has no output '${state.output}'`;
  }
  return undefined;
}

export class SequenceSlots {
  private readonly slots = new Map<string, Slot>();
  private readonly order = new KeyedLock();
  private readonly idleMs: number;

  constructor(
    private readonly config: SequenceConfig,
    private readonly signature: Signature,
    /** `model 'acc' version 1`, for messages. */
    private readonly label: string,
  ) {
    this.idleMs = Math.max(1, Math.round(config.max_sequence_idle_us / 1000));
  }

  /** Live sequences. */
  get size(): number {
    return this.slots.size;
  }

  /**
   * Runs one call of a sequence after the calls before it: `run` gets the extra feeds
   * (control inputs, state) and the state outputs to fetch, and answers every output.
   */
  call<T>(sequence: SequenceCall, run: (feeds: Record<string, WireTensor>, stateOutputs: readonly string[]) => Promise<{ outputs: Record<string, WireTensor>; result: T }>): Promise<T> {
    return this.order.run(sequence.id, async () => {
      let slot = this.slots.get(sequence.id);
      if (sequence.start) {
        if (!slot && this.slots.size >= this.config.max_sequences) {
          throw ServiceError.resourceExhausted(`${this.label}: ${this.slots.size} sequences are live, the limit of sequence_batching.max_sequences; end one first`);
        }
        if (slot) clearTimeout(slot.timer);
        slot = { state: this.initialState(), timer: this.idleTimer(sequence.id) };
        this.slots.set(sequence.id, slot);
      } else if (!slot) {
        throw ServiceError.unavailable(
          `sequence '${sequence.id}' is not live on this runner for ${this.label}: it never started here (sequence_start), it ended, it was idle past max_sequence_idle_us, or its runner restarted and its state is lost; start it again`,
        );
      }
      clearTimeout(slot.timer);
      const live = slot;
      try {
        const { outputs, result } = await run({ ...this.controls(sequence), ...live.state }, this.config.states.map((s) => s.output));
        for (const state of this.config.states) live.state[state.input] = outputs[state.output]!;
        return result;
      } finally {
        if (sequence.end) this.slots.delete(sequence.id);
        else if (this.slots.get(sequence.id) === live) live.timer = this.idleTimer(sequence.id);
      }
    });
  }

  /** Frees every slot (the version unloads). */
  clear(): void {
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
  }

  private idleTimer(id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.slots.delete(id), this.idleMs);
    timer.unref();
    return timer;
  }

  private spec(name: string): TensorSpec {
    return this.signature.inputs.find((s) => s.name === name)!;
  }

  /** Each variable dimension is 1 (the batch dimension too: a sequence's call is one row). */
  private dimsOf(spec: TensorSpec): number[] {
    return spec.shape.map((dim) => (dim >= 0 ? dim : 1));
  }

  private initialState(): Record<string, WireTensor> {
    const state: Record<string, WireTensor> = {};
    for (const { input } of this.config.states) {
      const spec = this.spec(input);
      state[input] = constantTensor(spec, this.dimsOf(spec), spec.ortType === 'string' ? '' : 0, this.label);
    }
    return state;
  }

  private controls(sequence: SequenceCall): Record<string, WireTensor> {
    const { start, end, ready, corrid } = this.config.control_inputs;
    const feeds: Record<string, WireTensor> = {};
    const set = (name: string | undefined, value: number | string) => {
      if (name === undefined) return;
      const spec = this.spec(name);
      feeds[name] = constantTensor(spec, this.dimsOf(spec), value, this.label);
    };
    set(start, sequence.start ? 1 : 0);
    set(end, sequence.end ? 1 : 0);
    set(ready, 1);
    set(corrid, sequence.id);
    return feeds;
  }
}
