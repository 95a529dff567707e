/** Text formatting of the CLI's output. */
export { table } from './table.js';
export { percent, rolloutLine, size, statusName, tensor, time, traffic, versionOf } from './describe.js';
