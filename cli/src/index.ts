/**
 * What the cross-package tests (`@infermesh/e2e`) drive against a real registry: importing
 * a Triton repository. The command itself is main.ts.
 */
export { importRepository, planRepository, type ImportOptions } from './triton/import-repository.js';
export type { ModelPlan } from './triton/plan-model.js';
export { modelLines, type ModelOutcome } from './triton/import-report.js';
export { MAX_CONFIG_BYTES } from './triton/read-repository.js';
