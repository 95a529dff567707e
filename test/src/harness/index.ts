/** Test harness: what starts services (real meshes on free ports, in-process runners and gateways). */
export { startMesh, type MeshOptions, type TestMesh } from './start-mesh.js';
export { mainScript } from '@infermesh/common';
export { startGatewayInProcess, startInProcessMesh, startRunnerInProcess, type InProcessMesh } from './in-process.js';
export { startBrokenRunner } from './broken-runner.js';
export { startRelayedRunners, type Relay, type RelayedRunners } from './relayed-runners.js';
export { INFERMESH_BIN, runInfermesh, type InfermeshRun } from './run-infermesh.js';
export { startPublishingMesh, type PublishingMesh } from './publishing-mesh.js';
