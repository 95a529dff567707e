/** Test kit: ONNX model builders and the harness that starts real meshes. */
export { EXAMPLE_MODEL_COUNT, heavyModel, identityModel, mlpModel, simpleModel, stringsModel, writeExampleModels, writeModel, DataType } from './models/index.js';
export { exampleRepository, mainScript, serviceAvailable, startMesh, startOtlpReceiver, waitFor, type MeshOptions, type TestMesh } from './harness/index.js';
