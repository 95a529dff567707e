/**
 * Builders for the example models served by the local model repository.
 * Every builder is deterministic: the same call always yields the same bytes.
 */
import { DataType, floatInitializer, node, serializeModel, valueInfo } from './onnx-graph.js';
import type { Onnx } from './onnx-graph.js';

/** Tiny seeded PRNG (mulberry32): reproducible weights without a dependency. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform weights in [-scale, scale) drawn from a seeded stream. */
function randomWeights(seed: number, count: number, scale: number): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() * 2 - 1) * scale;
  return out;
}

/** Dense layer as a single Gemm: y = x·W + b with W of shape [fanIn, fanOut]. */
function dense(prefix: string, x: string, y: string, fanIn: number, fanOut: number, seed: number) {
  // He-uniform bound keeps activation magnitudes stable through Relu layers.
  const bound = Math.sqrt(6 / fanIn);
  return {
    node: node('Gemm', [x, `${prefix}_W`, `${prefix}_b`], [y]),
    initializers: [
      floatInitializer(`${prefix}_W`, [fanIn, fanOut], randomWeights(seed, fanIn * fanOut, bound)),
      floatInitializer(`${prefix}_b`, [fanOut], randomWeights(seed + 1, fanOut, 0.1)),
    ],
  };
}

/**
 * Triton quick-start `simple` contract: INPUT0, INPUT1 INT32 [batch,16] →
 * OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 − INPUT1 (INT32 [batch,16]).
 */
export function simpleModel(): Uint8Array {
  return serializeModel({
    name: 'simple',
    nodes: [node('Add', ['INPUT0', 'INPUT1'], ['OUTPUT0']), node('Sub', ['INPUT0', 'INPUT1'], ['OUTPUT1'])],
    inputs: [valueInfo('INPUT0', DataType.INT32, [-1, 16]), valueInfo('INPUT1', DataType.INT32, [-1, 16])],
    outputs: [valueInfo('OUTPUT0', DataType.INT32, [-1, 16]), valueInfo('OUTPUT1', DataType.INT32, [-1, 16])],
  });
}

/**
 * Stateful accumulator for Triton-style sequences (a runner config with `sequence_batching`
 * feeds START, END, CORRID and the state ACC_IN): "INPUT" INT32 [1] → "OUTPUT" INT32 [1] =
 * INPUT + (START ? 0 : ACC_IN), and ACC_OUT = OUTPUT is the state the next call gets as
 * ACC_IN. "CORRID_OUT" INT64 [1] echoes CORRID and "END_OUT" INT32 [1] echoes END, so a test
 * sees what the runner fed. ACCUMULATOR_SEQUENCE_CONFIG is the config that wires it up.
 */
export function accumulatorModel(): Uint8Array {
  const one: Onnx.ITensorProto = { name: 'ONE', dataType: DataType.INT32, dims: [1], int32Data: [1] };
  return serializeModel({
    name: 'accumulator',
    nodes: [
      node('Sub', ['ONE', 'START'], ['KEEP']),
      node('Mul', ['ACC_IN', 'KEEP'], ['KEPT']),
      node('Add', ['INPUT', 'KEPT'], ['OUTPUT']),
      node('Identity', ['OUTPUT'], ['ACC_OUT']),
      node('Identity', ['CORRID'], ['CORRID_OUT']),
      node('Identity', ['END'], ['END_OUT']),
    ],
    inputs: [
      valueInfo('INPUT', DataType.INT32, [1]),
      valueInfo('START', DataType.INT32, [1]),
      valueInfo('END', DataType.INT32, [1]),
      valueInfo('CORRID', DataType.INT64, [1]),
      valueInfo('ACC_IN', DataType.INT32, [1]),
    ],
    outputs: [
      valueInfo('OUTPUT', DataType.INT32, [1]),
      valueInfo('ACC_OUT', DataType.INT32, [1]),
      valueInfo('CORRID_OUT', DataType.INT64, [1]),
      valueInfo('END_OUT', DataType.INT32, [1]),
    ],
    initializers: [one],
  });
}

/** The runner config (YAML) that makes {@link accumulatorModel} a sequence model. */
export const ACCUMULATOR_SEQUENCE_CONFIG = [
  'sequence_batching:',
  '  max_sequence_idle_us: 60000000',
  '  control_inputs: { start: START, end: END, corrid: CORRID }',
  '  states: [{ input: ACC_IN, output: ACC_OUT }]',
  '',
].join('\n');

/**
 * Two-layer perceptron: "input" FP32 [batch,64] → Gemm 64→32 → Relu →
 * Gemm 32→10 → "output" FP32 [batch,10]. The weight seed depends on `version`
 * so different versions give visibly different outputs.
 */
export function mlpModel(version: 1 | 2): Uint8Array {
  const seed = 1000 * version;
  const l1 = dense('fc1', 'input', 'fc1_out', 64, 32, seed);
  const l2 = dense('fc2', 'relu1_out', 'output', 32, 10, seed + 10);
  return serializeModel({
    name: `mlp_v${version}`,
    nodes: [l1.node, node('Relu', ['fc1_out'], ['relu1_out']), l2.node],
    inputs: [valueInfo('input', DataType.FLOAT, [-1, 64])],
    outputs: [valueInfo('output', DataType.FLOAT, [-1, 10])],
    initializers: [...l1.initializers, ...l2.initializers],
  });
}

/**
 * Compute-bound model for batching benchmarks, ~0.4 GFLOP per row: "input" FP32 [batch,512]
 * → MatMul 512→2048 → Relu → 48 × (MatMul 2048×2048 + Relu) → MatMul 2048→512 → "output"
 * FP32 [batch,512]. The 48 hidden layers share one weight so the file stays ~24 MB; at batch 1
 * each layer streams that 16 MB weight for one row, which is what batching amortises.
 */
export function heavyModel(): Uint8Array {
  const input = 512;
  const hidden = 2048;
  const layers = 48;
  // Below the He-uniform bound, so 48 applications of the same weight shrink values rather than overflow.
  const nodes: Onnx.INodeProto[] = [node('MatMul', ['input', 'W_in'], ['h_in']), node('Relu', ['h_in'], ['a0'])];
  for (let i = 0; i < layers; i++) {
    nodes.push(node('MatMul', [`a${i}`, 'W_hidden'], [`h${i}`]), node('Relu', [`h${i}`], [`a${i + 1}`]));
  }
  nodes.push(node('MatMul', [`a${layers}`, 'W_out'], ['output']));
  return serializeModel({
    name: 'heavy',
    nodes,
    inputs: [valueInfo('input', DataType.FLOAT, [-1, input])],
    outputs: [valueInfo('output', DataType.FLOAT, [-1, input])],
    initializers: [
      floatInitializer('W_in', [input, hidden], randomWeights(7000, input * hidden, Math.sqrt(6 / input))),
      floatInitializer('W_hidden', [hidden, hidden], randomWeights(7001, hidden * hidden, Math.sqrt(5 / hidden))),
      floatInitializer('W_out', [hidden, input], randomWeights(7002, hidden * input, Math.sqrt(6 / hidden))),
    ],
  });
}

/** String echo: "INPUT" STRING [batch,n] → Identity → "OUTPUT" STRING [batch,n]. */
export function stringsModel(): Uint8Array {
  return identityModel(DataType.STRING, 'strings');
}

/**
 * Test fixture: "INPUT" of any ONNX elem type, shape [batch,n] → Identity →
 * "OUTPUT" of the same type and shape. `name` is the graph name.
 */
export function identityModel(elemType: DataType, name = `identity_${DataType[elemType] ?? elemType}`): Uint8Array {
  return serializeModel({
    name,
    nodes: [node('Identity', ['INPUT'], ['OUTPUT'])],
    inputs: [valueInfo('INPUT', elemType, [-1, 'n'])],
    outputs: [valueInfo('OUTPUT', elemType, [-1, 'n'])],
  });
}
