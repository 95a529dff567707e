/** The runner: one process owning one device and the ONNX models on it. */
export { createRunner, type Runner, type RunnerConfig } from './create-runner.js';
export { createSupervisor, type Supervisor, type SupervisorConfig } from './supervisor/create-supervisor.js';
export type { RunnerInfo } from './supervisor/SupervisedRunner.js';
export type { BackoffPolicy } from '@infermesh/common';
