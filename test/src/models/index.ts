/** ONNX model builders and the example model repository writer, from `@infermesh/common/onnx`. */
export {
  DataType,
  EXAMPLE_MODEL_COUNT,
  floatInitializer,
  heavyModel,
  identityModel,
  mlpModel,
  node,
  serializeModel,
  simpleModel,
  stringsModel,
  valueInfo,
  writeExampleModels,
  writeModel,
} from '@infermesh/common/onnx';
export type { Dim, GraphSpec, Onnx, WriteExampleModelsOptions } from '@infermesh/common/onnx';
