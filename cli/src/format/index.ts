/** Text formatting of the CLI's output. */
export { table } from './table.js';
export { percent, rolloutLine, signature, size, statusName, tensor, time, traffic, versionCells, versionOf } from './describe.js';
