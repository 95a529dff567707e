/** The CLI's building blocks that tests and tools use; the command itself is main.ts. */
export { parsePbtxt, type PbField, type PbMessage, type PbScalar, type PbValue } from './triton/pbtxt.js';
export { PbtxtError, type Position } from './triton/pbtxt-error.js';
export { ImportNotes, ImportRefusal, type Unsupported } from './triton/import-notes.js';
export { mapTritonConfig, type MappedModel } from './triton/triton-config.js';
export { toConfigYaml, describeConfig } from './triton/config-yaml.js';
export { signatureMismatches } from './triton/check-signature.js';
export { planModel, type ModelPlan } from './triton/plan-model.js';
export { importRepository, planRepository, type ImportOptions } from './triton/import-repository.js';
export { modelLines, summaryLine, type ModelOutcome } from './triton/import-report.js';
export { MAX_CONFIG_BYTES } from './triton/read-repository.js';
