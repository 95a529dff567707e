/** Formatting of the CLI's output: text for `-o table`, objects for `-o json`. */
export { table } from './table.js';
export { percent, rolloutLine, signature, size, statusName, tensor, time, traffic, versionCells, versionOf } from './describe.js';
export { eventJson, modelJson, rolloutJson, runnerJson, versionJson } from './json.js';
