/** The runner: one process owning one device and the ONNX models on it. */
export { createRunner, type Runner, type RunnerConfig } from './create-runner.js';
export { scanModelRepository, type ModelSource } from './model-repository.js';
