/** Test harness: real meshes on free ports, temporary model repositories, service gates. */
export { startMesh, waitFor, type MeshOptions, type TestMesh } from './start-mesh.js';
export { mainScript } from '@infermesh/common';
export { serviceAvailable } from './require-service.js';
export { exampleRepository } from './model-repository.js';
export { metricValue, scrape } from './prometheus.js';
export { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
export { RunnerProbe, type LoadModelArgs, type Outcome } from './runner-probe.js';
export { startGatewayInProcess, startInProcessMesh, startRunnerInProcess, type InProcessMesh } from './in-process.js';
export { pollUntil } from './poll.js';
export { compilePythonStubs, pythonToolchainAvailable, type PythonStubs } from './python.js';
