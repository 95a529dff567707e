/** The runner: one process owning one device and the ONNX models on it. */
export { createRunner, type Runner, type RunnerConfig } from './create-runner.js';
export { createSupervisor, type Supervisor, type SupervisorConfig } from './supervisor/create-supervisor.js';
export type { RunnerInfo } from './supervisor/SupervisedRunner.js';
export type { BackoffPolicy } from '@infermesh/common';
export { ArtifactCache, type ArtifactCacheOptions, type ArtifactFetch, type CachedArtifact } from './artifacts/ArtifactCache.js';
export { RegistryArtifactSource } from './artifacts/RegistryArtifactSource.js';
