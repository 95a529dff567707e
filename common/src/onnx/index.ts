/**
 * `@infermesh/common/onnx`: ONNX graph builders and the example model repository, for the
 * CLI, the tests and the benchmarks. A subpath of its own, so services never load onnx-proto.
 */
export { DataType, floatInitializer, node, serializeModel, valueInfo } from './onnx-graph.js';
export type { Dim, GraphSpec, Onnx } from './onnx-graph.js';
export { accumulatorModel, ACCUMULATOR_SEQUENCE_CONFIG, heavyModel, identityModel, mlpModel, simpleModel, stringsModel } from './example-models.js';
export { EXAMPLE_MODEL_COUNT, writeExampleModels, writeModel } from './write-model-repository.js';
export type { WriteExampleModelsOptions } from './write-model-repository.js';
