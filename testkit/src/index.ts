/**
 * The test kit: helpers that need no service package, so every package's tests can take it
 * as a dev dependency: polling, the one local-service gate, real HTTP and OTLP receivers,
 * Prometheus scrapes, the Python toolchain, a runner probe, and the ONNX model builders.
 */
export { pollUntil, waitFor } from './poll.js';
export { serviceAvailable, skipOrFail } from './service-gate.js';
export { LOCAL_SERVICES, localServicesAvailable, reachable, type LocalService } from './local-services.js';
export { HttpReceiver, type ReceivedEvent } from './http-receiver.js';
export { startOtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';
export { metricValue } from './prometheus.js';
export { metricSum, scrape } from '@infermesh/common';
export { lintExposition } from './prometheus-lint.js';
export { goToolchainAvailable, goWorkspace, GO_STUBS_PACKAGE, type GoWorkspace } from './go.js';
export { compilePythonStubs, pythonToolchainAvailable, type PythonStubs } from './python.js';
export { exampleRepository } from './model-repository.js';
export { createTestCa, type CertFiles, type TestCa } from './test-certs.js';
export { RunnerProbe, type LoadModelArgs, type Outcome } from './runner-probe.js';
export { startS3StandIn, type S3StandIn } from './s3-stand-in.js';
export { int32s, modelInfer, type CallOutcome } from './model-infer.js';
export { inProcessRunnerSettings, startInProcessRegistry, type InProcessRegistry } from './in-process.js';
export {
  accumulatorModel,
  ACCUMULATOR_SEQUENCE_CONFIG,
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
export { quickInput, slowInput, slowModel } from './slow-model.js';
export { ConsulStandIn, type ConsulStandInOptions } from './consul/ConsulStandIn.js';
export { startConsulTarget, type ConsulTarget } from './consul/consul-target.js';
export { EtcdCluster, etcdBinary, type EtcdClusterOptions, type EtcdMember } from './etcd/EtcdCluster.js';
export { etcdAvailable } from './etcd/etcd-gate.js';
