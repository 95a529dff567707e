/** ONNX model builders and the example model repository writer. */
export { DataType, floatInitializer, node, serializeModel, valueInfo } from './onnx-graph.js';
export type { Dim, GraphSpec, Onnx } from './onnx-graph.js';
export { heavyModel, identityModel, mlpModel, simpleModel, stringsModel } from './example-models.js';
export { EXAMPLE_MODEL_COUNT, writeExampleModels, writeModel } from './write-model-repository.js';
export type { WriteExampleModelsOptions } from './write-model-repository.js';
